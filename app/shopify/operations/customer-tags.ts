/**
 * Customer tags Evergreen writes when the merchant opts in (ShopSettings):
 * `<prefix>layer-<id>`, `<prefix>stage-<stage>`, `<prefix>churn-<risk>`
 * (app/services/insight-writeback.server.ts).
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/tagsAdd
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/tagsRemove
 *
 * `tagsAdd` and `tagsRemove` take one owner each, so one request carries up to
 * {@link CUSTOMER_TAG_SLOTS} customers as aliased fields (`add3`, `remove3`…);
 * `@include` skips the slots a call does not use (pass any valid id and
 * empty lists there). Both are idempotent (adding a present tag or removing an
 * absent one changes nothing), so the mutation is safe to resend.
 */
export const CUSTOMER_TAG_SLOTS = 10;

export const CustomerInsightTagsUpdate = `#graphql
  mutation CustomerInsightTagsUpdate(
    $id0: ID!, $add0: [String!]!, $remove0: [String!]!, $doAdd0: Boolean!, $doRemove0: Boolean!,
    $id1: ID!, $add1: [String!]!, $remove1: [String!]!, $doAdd1: Boolean!, $doRemove1: Boolean!,
    $id2: ID!, $add2: [String!]!, $remove2: [String!]!, $doAdd2: Boolean!, $doRemove2: Boolean!,
    $id3: ID!, $add3: [String!]!, $remove3: [String!]!, $doAdd3: Boolean!, $doRemove3: Boolean!,
    $id4: ID!, $add4: [String!]!, $remove4: [String!]!, $doAdd4: Boolean!, $doRemove4: Boolean!,
    $id5: ID!, $add5: [String!]!, $remove5: [String!]!, $doAdd5: Boolean!, $doRemove5: Boolean!,
    $id6: ID!, $add6: [String!]!, $remove6: [String!]!, $doAdd6: Boolean!, $doRemove6: Boolean!,
    $id7: ID!, $add7: [String!]!, $remove7: [String!]!, $doAdd7: Boolean!, $doRemove7: Boolean!,
    $id8: ID!, $add8: [String!]!, $remove8: [String!]!, $doAdd8: Boolean!, $doRemove8: Boolean!,
    $id9: ID!, $add9: [String!]!, $remove9: [String!]!, $doAdd9: Boolean!, $doRemove9: Boolean!
  ) {
    add0: tagsAdd(id: $id0, tags: $add0) @include(if: $doAdd0) {
      userErrors {
        field
        message
      }
    }
    remove0: tagsRemove(id: $id0, tags: $remove0) @include(if: $doRemove0) {
      userErrors {
        field
        message
      }
    }
    add1: tagsAdd(id: $id1, tags: $add1) @include(if: $doAdd1) {
      userErrors {
        field
        message
      }
    }
    remove1: tagsRemove(id: $id1, tags: $remove1) @include(if: $doRemove1) {
      userErrors {
        field
        message
      }
    }
    add2: tagsAdd(id: $id2, tags: $add2) @include(if: $doAdd2) {
      userErrors {
        field
        message
      }
    }
    remove2: tagsRemove(id: $id2, tags: $remove2) @include(if: $doRemove2) {
      userErrors {
        field
        message
      }
    }
    add3: tagsAdd(id: $id3, tags: $add3) @include(if: $doAdd3) {
      userErrors {
        field
        message
      }
    }
    remove3: tagsRemove(id: $id3, tags: $remove3) @include(if: $doRemove3) {
      userErrors {
        field
        message
      }
    }
    add4: tagsAdd(id: $id4, tags: $add4) @include(if: $doAdd4) {
      userErrors {
        field
        message
      }
    }
    remove4: tagsRemove(id: $id4, tags: $remove4) @include(if: $doRemove4) {
      userErrors {
        field
        message
      }
    }
    add5: tagsAdd(id: $id5, tags: $add5) @include(if: $doAdd5) {
      userErrors {
        field
        message
      }
    }
    remove5: tagsRemove(id: $id5, tags: $remove5) @include(if: $doRemove5) {
      userErrors {
        field
        message
      }
    }
    add6: tagsAdd(id: $id6, tags: $add6) @include(if: $doAdd6) {
      userErrors {
        field
        message
      }
    }
    remove6: tagsRemove(id: $id6, tags: $remove6) @include(if: $doRemove6) {
      userErrors {
        field
        message
      }
    }
    add7: tagsAdd(id: $id7, tags: $add7) @include(if: $doAdd7) {
      userErrors {
        field
        message
      }
    }
    remove7: tagsRemove(id: $id7, tags: $remove7) @include(if: $doRemove7) {
      userErrors {
        field
        message
      }
    }
    add8: tagsAdd(id: $id8, tags: $add8) @include(if: $doAdd8) {
      userErrors {
        field
        message
      }
    }
    remove8: tagsRemove(id: $id8, tags: $remove8) @include(if: $doRemove8) {
      userErrors {
        field
        message
      }
    }
    add9: tagsAdd(id: $id9, tags: $add9) @include(if: $doAdd9) {
      userErrors {
        field
        message
      }
    }
    remove9: tagsRemove(id: $id9, tags: $remove9) @include(if: $doRemove9) {
      userErrors {
        field
        message
      }
    }
  }
` as const;
