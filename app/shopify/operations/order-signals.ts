/**
 * What the referral abuse checks read of an order and of a referrer
 * (app/shopify/order-signals.server.ts, docs/referrals.md#signals): shipping
 * and billing addresses and the card details of the payment transactions.
 *
 * Scopes: `read_orders` (orders and their transactions; `read_customers` for
 * Customer.defaultAddress and Customer.orders, both already granted for
 * sync). The address fields and the cardholder's name are protected customer
 * data, level 2: without Shopify's approval they answer ACCESS_DENIED, and the
 * adapter treats the signal as unknown. Only the fields the checks compare are
 * read: no names of the addressee, no phone, no city.
 */

/** The address fields the comparison key is made of. */
export const SignalAddressFields = `#graphql
  fragment SignalAddressFields on MailingAddress {
    address1
    address2
    zip
    countryCodeV2
  }
` as const;

/** One order's addresses and card details. `transactions(first: 10)`: a sale, an authorization, a few refunds. */
export const OrderSignalFields = `#graphql
  fragment OrderSignalFields on Order {
    id
    shippingAddress {
      ...SignalAddressFields
    }
    billingAddress {
      ...SignalAddressFields
    }
    transactions(first: 10) {
      kind
      status
      paymentDetails {
        __typename
        ... on CardPaymentDetails {
          bin
          number
          expirationMonth
          expirationYear
          name
          company
          wallet
        }
      }
    }
  }
  ${SignalAddressFields}
` as const;

/** The friend's order. */
export const ReferralOrderSignals = `#graphql
  query ReferralOrderSignals($id: ID!) {
    order(id: $id) {
      ...OrderSignalFields
    }
  }
  ${OrderSignalFields}
` as const;

/**
 * The referrer: their default address and their most recent orders' signals
 * (`$orders` of them, newest first: the cards and addresses they use now).
 */
export const ReferralCustomerSignals = `#graphql
  query ReferralCustomerSignals($id: ID!, $orders: Int!) {
    customer(id: $id) {
      id
      defaultAddress {
        ...SignalAddressFields
      }
      orders(first: $orders, sortKey: PROCESSED_AT, reverse: true) {
        nodes {
          ...OrderSignalFields
        }
      }
    }
  }
  ${OrderSignalFields}
` as const;
