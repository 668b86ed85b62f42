import { bulkQueryBody, updatedAtSearch } from "./bulk-query";

export const ProductFields = `#graphql
  fragment ProductFields on Product {
    id
    title
    handle
    productType
    vendor
    tags
    status
    updatedAt
  }
` as const;

export const ProductVariantFields = `#graphql
  fragment ProductVariantFields on ProductVariant {
    id
    sku
    title
    price
  }
` as const;

/** Every product with its variants, for `bulkOperationRunQuery`. Send `productsBulkQuery()`. */
export const BulkProducts = `#graphql
  query BulkProducts {
    products {
      edges {
        node {
          ...ProductFields
          variants {
            edges {
              node {
                ...ProductVariantFields
              }
            }
          }
        }
      }
    }
  }
  ${ProductFields}
  ${ProductVariantFields}
` as const;

/**
 * The bulk query body for products, optionally only those updated after an
 * instant.
 *
 * @throws RangeError when `updatedAfter` is not a valid date.
 */
export function productsBulkQuery(options: { updatedAfter?: string | Date } = {}): string {
  return bulkQueryBody(BulkProducts, options.updatedAfter === undefined ? {} : { search: updatedAtSearch(options.updatedAfter) });
}
