import { bulkQueryBody, updatedAtSearch } from "./bulk-query";

/**
 * One order's fields, shared by the bulk export and the paged reconciliation
 * query so mappers see one shape. Line items are a connection and live
 * outside the fragment: bulk JSONL puts them on their own lines (with
 * `__parentId`), the paged query nests them.
 */
export const OrderFields = `#graphql
  fragment OrderFields on Order {
    id
    name
    email
    customer {
      id
    }
    createdAt
    processedAt
    updatedAt
    cancelledAt
    cancelReason
    displayFinancialStatus
    displayFulfillmentStatus
    currencyCode
    presentmentCurrencyCode
    subtotalPriceSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    totalDiscountsSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    totalShippingPriceSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    totalTaxSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    totalPriceSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    totalRefundedSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    discountCodes
    tags
    test
    sourceName
    refunds {
      id
      createdAt
      note
      totalRefundedSet {
        shopMoney {
          amount
          currencyCode
        }
      }
    }
  }
` as const;

export const OrderLineItemFields = `#graphql
  fragment OrderLineItemFields on LineItem {
    id
    isGiftCard
    title
    variantTitle
    sku
    quantity
    originalUnitPriceSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    discountedTotalSet {
      shopMoney {
        amount
        currencyCode
      }
    }
    product {
      id
    }
    variant {
      id
    }
  }
` as const;

/**
 * Every order with its line items, for `bulkOperationRunQuery`. Two
 * connections, nested one level: within the bulk limits (5 connections,
 * 2 levels). Send `ordersBulkQuery()`, not this document (it holds fragments).
 */
export const BulkOrders = `#graphql
  query BulkOrders {
    orders {
      edges {
        node {
          ...OrderFields
          lineItems {
            edges {
              node {
                ...OrderLineItemFields
              }
            }
          }
        }
      }
    }
  }
  ${OrderFields}
  ${OrderLineItemFields}
` as const;

/**
 * The bulk query body for orders, optionally only those updated after an
 * instant (incremental sync).
 *
 * @param options.updatedAfter ISO 8601 instant; see `updatedAtSearch`.
 * @throws RangeError when `updatedAfter` is not a valid date.
 * @example await startBulkQuery(client, ordersBulkQuery({ updatedAfter: cursor.lastUpdatedAt }))
 */
export function ordersBulkQuery(options: { updatedAfter?: string | Date } = {}): string {
  return bulkQueryBody(BulkOrders, options.updatedAfter === undefined ? {} : { search: updatedAtSearch(options.updatedAfter) });
}

/**
 * Orders updated since a point, oldest change first, for reconciliation
 * between bulk exports (webhooks can be lost or arrive out of order).
 * Pass `query: updatedAtSearch(since)`. An order with more line items than
 * the page below has `lineItems.pageInfo.hasNextPage`: fetch the rest with
 * `OrderLineItemsPage`.
 *
 * Cost: about `first` × 105 points requested; keep `first` ≤ 8 to stay under
 * a 1,000-point bucket.
 */
export const OrdersUpdatedSince = `#graphql
  query OrdersUpdatedSince($first: Int!, $after: String, $query: String) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      edges {
        cursor
        node {
          ...OrderFields
          lineItems(first: 20) {
            edges {
              node {
                ...OrderLineItemFields
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${OrderFields}
  ${OrderLineItemFields}
` as const;

/** The remaining line items of one order (orders with more than 100). */
export const OrderLineItemsPage = `#graphql
  query OrderLineItemsPage($id: ID!, $first: Int!, $after: String) {
    order(id: $id) {
      id
      lineItems(first: $first, after: $after) {
        edges {
          node {
            ...OrderLineItemFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
  ${OrderLineItemFields}
` as const;
