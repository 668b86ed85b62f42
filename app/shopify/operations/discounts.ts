/**
 * Discount codes Evergreen creates for redeemed rewards: one single-use code
 * per redemption, limited to the redeeming customer
 * (app/shopify/discounts.server.ts).
 *
 * - Customer limit: `context: { customers: { add: [customerGid] } }`
 *   (DiscountContextInput, a oneOf; `customerSelection` is deprecated in 2026-10).
 * - Single use: `usageLimit: 1` and `appliesOncePerCustomer: true`.
 * - Amount off (fixed or percentage, whole order or selected variants) and free
 *   products use `discountCodeBasicCreate`; free shipping uses
 *   `discountCodeFreeShippingCreate`.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/discountCodeBasicCreate
 *
 * The create mutations are not safe to resend blindly after an ambiguous
 * failure; codes are unique per shop, so the adapter looks the code up with
 * `RewardDiscountCodeLookup` first and after such a failure.
 * All need the `write_discounts` scope (the lookup `read_discounts`, which it implies).
 */

/** Finds a code discount by its code (case-insensitive), with what the adapter checks before reusing it. */
export const RewardDiscountCodeLookup = `#graphql
  query RewardDiscountCodeLookup($code: String!) {
    codeDiscountNodeByCode(code: $code) {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeBasic {
          title
          status
          endsAt
          usageLimit
          appliesOncePerCustomer
          asyncUsageCount
          context {
            __typename
            ... on DiscountCustomers {
              customers {
                id
              }
            }
          }
        }
        ... on DiscountCodeFreeShipping {
          title
          status
          endsAt
          usageLimit
          appliesOncePerCustomer
          asyncUsageCount
          context {
            __typename
            ... on DiscountCustomers {
              customers {
                id
              }
            }
          }
        }
      }
    }
  }
` as const;

/** Amount off (fixed, percentage) or a free product: 100% of the product's price, capped, on selected variants. */
export const RewardDiscountCodeBasicCreate = `#graphql
  mutation RewardDiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
    discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
      codeDiscountNode {
        id
      }
      userErrors {
        field
        message
        code
        extraInfo
      }
    }
  }
` as const;

/** Free shipping on the redeeming customer's next order. */
export const RewardDiscountCodeFreeShippingCreate = `#graphql
  mutation RewardDiscountCodeFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
    discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
      codeDiscountNode {
        id
      }
      userErrors {
        field
        message
        code
        extraInfo
      }
    }
  }
` as const;

/**
 * Deletes a code discount (e.g. a redemption cancelled before use). Deleting
 * one that is already gone answers a userError on `id`.
 */
export const RewardDiscountCodeDelete = `#graphql
  mutation RewardDiscountCodeDelete($id: ID!) {
    discountCodeDelete(id: $id) {
      deletedCodeDiscountId
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;
