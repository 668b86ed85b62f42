/** Product variants a free-product reward can give: the settings page's search, and the check before a reward is saved. */

export const RewardVariantFields = `#graphql
  fragment RewardVariantFields on ProductVariant {
    id
    title
    displayName
    sku
    price
    product {
      id
      title
      status
    }
  }
` as const;

/** Variants matching a merchant's search (Shopify's search syntax: product title, title, SKU). */
export const RewardVariantSearch = `#graphql
  query RewardVariantSearch($query: String!, $first: Int!) {
    productVariants(first: $first, query: $query) {
      nodes {
        ...RewardVariantFields
      }
    }
  }
  ${RewardVariantFields}
` as const;

/** One variant by id, with its current price (what a free-product reward covers). */
export const RewardVariant = `#graphql
  query RewardVariant($id: ID!) {
    productVariant(id: $id) {
      ...RewardVariantFields
    }
  }
  ${RewardVariantFields}
` as const;
