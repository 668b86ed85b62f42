/**
 * Customer metafields Evergreen writes: each customer's layer and key scores
 * (app/services/insight-writeback.server.ts), so Shopify segments, Flow and
 * email tools can read them.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/metafieldsSet
 *
 * `metafieldsSet` takes at most 25 metafields per call and is atomic: one
 * invalid input and nothing is written (`userErrors[].elementIndex` says which).
 * Setting the same values again is harmless, so the mutation is safe to resend.
 */
export const CustomerInsightMetafieldsSet = `#graphql
  mutation CustomerInsightMetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields {
        key
        namespace
        ownerType
      }
      userErrors {
        field
        message
        code
        elementIndex
      }
    }
  }
` as const;
