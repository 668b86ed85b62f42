/**
 * Shopify's mandatory compliance topics. customers/redact and shop/redact
 * erase what Evergreen holds; customers/data_request is recorded for the
 * merchant (the export itself is built with the loyalty data it must include).
 */
import type { PrismaClient } from "~/generated/prisma/client";

type Db = Pick<PrismaClient, "$transaction" | "customer" | "order" | "orderLineItem" | "refund" | "product" | "syncRun" | "webhookDelivery" | "session" | "shop">;

export interface CustomerRedactPayload {
  shop_domain?: string;
  customer?: { id?: number | string; email?: string };
  orders_to_redact?: (number | string)[];
}

/** Erases a customer's personal data; their orders stay (as anonymous) so the shop's totals are unchanged. */
export async function redactCustomer(db: Db, shopDomain: string, payload: CustomerRedactPayload): Promise<void> {
  const id = payload.customer?.id;
  if (id === undefined || id === null) return;
  const customerGid = `gid://shopify/Customer/${id}`;
  const orderGids = (payload.orders_to_redact ?? []).map((o) => `gid://shopify/Order/${o}`);
  await db.$transaction([
    db.customer.updateMany({
      where: { shopDomain, customerGid },
      data: { email: null, firstName: null, lastName: null, phone: null, birthday: null, countryCode: null, tags: "", locale: null },
    }),
    db.order.updateMany({
      where: { shopDomain, OR: [{ customerGid }, { orderGid: { in: orderGids } }] },
      data: { email: null },
    }),
  ]);
}

/** Deletes everything Evergreen stores for a shop (48 hours after uninstall). */
export async function redactShop(db: Db, shopDomain: string): Promise<void> {
  await db.$transaction([
    db.orderLineItem.deleteMany({ where: { shopDomain } }),
    db.refund.deleteMany({ where: { shopDomain } }),
    db.order.deleteMany({ where: { shopDomain } }),
    db.customer.deleteMany({ where: { shopDomain } }),
    db.product.deleteMany({ where: { shopDomain } }),
    db.syncRun.deleteMany({ where: { shopDomain } }),
    db.webhookDelivery.deleteMany({ where: { shopDomain } }),
    db.session.deleteMany({ where: { shop: shopDomain } }),
    db.shop.deleteMany({ where: { domain: shopDomain } }),
  ]);
}
