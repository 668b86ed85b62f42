import { bulkQueryBody, updatedAtSearch } from "./bulk-query";

/**
 * One customer's fields, shared by the bulk export and the paged
 * reconciliation query. Shopify keeps no birthday field: the shop's
 * `facts.birth_date` metafield (YYYY-MM-DD) is read under the alias `birthday`.
 *
 * `email`, `phone` and `emailMarketingConsent` are deprecated in 2026-10 in
 * favour of `defaultEmailAddress` / `defaultPhoneNumber`; they still resolve,
 * and the operations test lists every deprecated field we read so a move is
 * a deliberate change.
 */
export const CustomerFields = `#graphql
  fragment CustomerFields on Customer {
    id
    email
    firstName
    lastName
    phone
    state
    locale
    tags
    createdAt
    updatedAt
    numberOfOrders
    amountSpent {
      amount
      currencyCode
    }
    defaultAddress {
      countryCodeV2
    }
    emailMarketingConsent {
      marketingState
    }
    statistics {
      rfmGroup
      predictedSpendTier
    }
    birthday: metafield(namespace: "facts", key: "birth_date") {
      value
    }
  }
` as const;

/** Every customer, for `bulkOperationRunQuery`. Send `customersBulkQuery()`. */
export const BulkCustomers = `#graphql
  query BulkCustomers {
    customers {
      edges {
        node {
          ...CustomerFields
        }
      }
    }
  }
  ${CustomerFields}
` as const;

/**
 * The bulk query body for customers, optionally only those updated after an
 * instant.
 *
 * @throws RangeError when `updatedAfter` is not a valid date.
 */
export function customersBulkQuery(options: { updatedAfter?: string | Date } = {}): string {
  return bulkQueryBody(BulkCustomers, options.updatedAfter === undefined ? {} : { search: updatedAtSearch(options.updatedAfter) });
}

/** Customers updated since a point (pass `query: updatedAtSearch(since)`), oldest change first. */
export const CustomersUpdatedSince = `#graphql
  query CustomersUpdatedSince($first: Int!, $after: String, $query: String) {
    customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      edges {
        cursor
        node {
          ...CustomerFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${CustomerFields}
` as const;
