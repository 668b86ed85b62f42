/** The shop's identity, currency and timezone: read once at install and on each sync. */
export const ShopInfo = `#graphql
  query ShopInfo {
    shop {
      id
      name
      email
      myshopifyDomain
      currencyCode
      ianaTimezone
      plan {
        publicDisplayName
        partnerDevelopment
        shopifyPlus
      }
    }
  }
` as const;
