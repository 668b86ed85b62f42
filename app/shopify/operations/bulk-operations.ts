/**
 * Bulk operation lifecycle: start, poll, cancel.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries
 *
 * `groupObjects` defaults to false from 2026-01. Evergreen passes it
 * explicitly: `groupBulkObjects` (../jsonl.server.ts) needs children directly
 * after their parent, which only grouped output guarantees.
 */
export const BulkOperationRunQuery = `#graphql
  mutation BulkOperationRunQuery($query: String!, $groupObjects: Boolean!) {
    bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
` as const;

export const BulkOperationStatus = `#graphql
  query BulkOperationStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      fileSize
      url
      partialDataUrl
      createdAt
      completedAt
    }
  }
` as const;

export const BulkOperationCancel = `#graphql
  mutation BulkOperationCancel($id: ID!) {
    bulkOperationCancel(id: $id) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
      }
    }
  }
` as const;
