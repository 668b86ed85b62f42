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

/**
 * Removes insight metafields whose value became null (e.g. a customer no
 * longer has a churn risk), so segments and Flow do not read a stale value.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/metafieldsDelete
 *
 * A metafield that does not exist is not an error: its entry in
 * `deletedMetafields` is null. Deleting again is therefore harmless, so the
 * mutation is safe to resend. Send at most 25 identifiers per call, like metafieldsSet.
 */
export const InsightMetafieldsDelete = `#graphql
  mutation InsightMetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) {
      deletedMetafields {
        ownerId
        namespace
        key
      }
      userErrors {
        field
        message
      }
    }
  }
` as const;
