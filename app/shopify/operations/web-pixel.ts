/**
 * Evergreen's web pixel on a shop (extensions/evergreen-pixel): created once
 * with its settings (ingest URL and token), updated when they change.
 * https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelCreate
 * Needs `write_pixels` (and `read_customer_events` for the pixel to receive events).
 */
export const WebPixelCurrent = `#graphql
  query WebPixelCurrent {
    webPixel {
      id
      settings
    }
  }
` as const;

export const WebPixelCreate = `#graphql
  mutation WebPixelCreate($settings: JSON!) {
    webPixelCreate(webPixel: { settings: $settings }) {
      webPixel {
        id
        settings
      }
      userErrors {
        code
        field
        message
      }
    }
  }
` as const;

export const WebPixelUpdate = `#graphql
  mutation WebPixelUpdate($id: ID!, $settings: JSON!) {
    webPixelUpdate(id: $id, webPixel: { settings: $settings }) {
      webPixel {
        id
        settings
      }
      userErrors {
        code
        field
        message
      }
    }
  }
` as const;
