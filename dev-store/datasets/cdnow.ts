/**
 * A dev-store shop built from the CDNOW purchase data (1997-98; Fader, Hardie
 * & Lee's data set, in ../shared/datasets/cdnow/): real repeat-purchase
 * behaviour nobody here generated, served through the same Admin API, bulk
 * operations and webhooks as a generated shop.
 *
 * Each purchase becomes a paid USD order with one line item ("CDs", quantity
 * = number of CDs, line total = the dollar value). Customers carry no personal
 * data; their creation time is their first purchase.
 */
import type { DevCustomer, DevOrder, DevProduct, DevShopData } from "../model";
import { moneyBag } from "../money";

export class DatasetFormatError extends Error {
  constructor(source: string, line: number, detail: string) {
    super(`${source}, line ${line}: ${detail}`);
    this.name = "DatasetFormatError";
  }
}

export interface CdnowPurchase {
  customerId: string;
  /** yyyy-mm-dd */
  date: string;
  cds: number;
  /** Dollar value in cents. */
  cents: number;
}

/**
 * Parses CDNOW_master.txt (id, date, CDs, dollars) or CDNOW_sample.txt (id,
 * sample id, date, CDs, dollars): whitespace-separated, CRLF tolerated, an
 * optional header line.
 *
 * @throws DatasetFormatError naming the line, for any row that is not a purchase.
 */
export function parseCdnow(text: string, source = "CDNOW"): CdnowPurchase[] {
  const purchases: CdnowPurchase[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") continue;
    if (i === 0 && !/^\d+$/.test(fields[0])) continue; // header
    if (fields.length !== 4 && fields.length !== 5) throw new DatasetFormatError(source, i + 1, `expected 4 or 5 columns, found ${fields.length}`);
    const [customerId, date, cds, dollars] = fields.length === 5 ? [fields[0], fields[2], fields[3], fields[4]] : fields;
    if (!/^\d+$/.test(customerId)) throw new DatasetFormatError(source, i + 1, `customer id ${JSON.stringify(customerId)} is not a number`);
    const day = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
    if (!day || Number.isNaN(Date.parse(`${day[1]}-${day[2]}-${day[3]}T00:00:00Z`))) {
      throw new DatasetFormatError(source, i + 1, `date ${JSON.stringify(date)} is not yyyymmdd`);
    }
    if (!/^\d+$/.test(cds)) throw new DatasetFormatError(source, i + 1, `number of CDs ${JSON.stringify(cds)} is not a whole number`);
    const money = /^(\d+)(?:\.(\d{1,2}))?$/.exec(dollars);
    if (!money) throw new DatasetFormatError(source, i + 1, `dollar value ${JSON.stringify(dollars)} is not an amount`);
    purchases.push({
      customerId: String(Number(customerId)),
      date: `${day[1]}-${day[2]}-${day[3]}`,
      cds: Number(cds),
      cents: Number(money[1]) * 100 + Number((money[2] ?? "0").padEnd(2, "0")),
    });
  }
  return purchases;
}

const ID_BASE = { customer: 8_000_000_000_000, order: 9_000_000_000_000, lineItem: 10_000_000_000_000 };

/** The dev-store shop for a list of CDNOW purchases (orders in date order, ids ascending with them). */
export function shopFromCdnow(purchases: CdnowPurchase[], options: { domain?: string } = {}): DevShopData {
  const domain = options.domain ?? "cdnow.myshopify.com";
  const product: DevProduct = {
    id: "1",
    title: "CDs",
    handle: "cds",
    productType: "Music",
    vendor: "CDNOW",
    tags: [],
    status: "ACTIVE",
    repurchaseDays: null,
    variants: [{ id: "1", productId: "1", title: "Default Title", sku: "CD", price: "12.00", createdAt: "1997-01-01T00:00:00.000Z", updatedAt: "1997-01-01T00:00:00.000Z" }],
    createdAt: "1997-01-01T00:00:00.000Z",
    updatedAt: "1997-01-01T00:00:00.000Z",
  };
  const sorted = purchases
    .map((p, index) => ({ ...p, index }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.index - b.index));

  const customers = new Map<string, DevCustomer>();
  const orders: DevOrder[] = [];
  sorted.forEach((p, n) => {
    const at = `${p.date}T12:00:00.000Z`;
    let customer = customers.get(p.customerId);
    if (!customer) {
      customer = {
        id: String(ID_BASE.customer + Number(p.customerId)),
        firstName: null,
        lastName: null,
        email: null,
        phone: null,
        state: "DISABLED",
        tags: [],
        note: null,
        verifiedEmail: false,
        taxExempt: false,
        locale: "en",
        countryCode: "US",
        emailMarketingState: "NOT_SUBSCRIBED",
        emailMarketingConsentUpdatedAt: null,
        birthday: null,
        createdAt: at,
        updatedAt: at,
        metafields: {},
      };
      customers.set(p.customerId, customer);
    }
    customer.updatedAt = at;
    const unitCents = p.cds > 0 ? Math.floor(p.cents / p.cds) : p.cents;
    const total = moneyBag(p.cents, "USD", p.cents, "USD");
    const zero = moneyBag(0, "USD", 0, "USD");
    orders.push({
      id: String(ID_BASE.order + n + 1),
      name: `#${1001 + n}`,
      customerId: customer.id,
      email: null,
      createdAt: at,
      processedAt: at,
      updatedAt: at,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      financialStatus: "PAID",
      fulfillmentStatus: "FULFILLED",
      currencyCode: "USD",
      presentmentCurrencyCode: "USD",
      subtotalPrice: total,
      totalDiscounts: zero,
      totalShipping: zero,
      totalTax: zero,
      totalPrice: total,
      totalRefunded: zero,
      discountCodes: [],
      tags: [],
      test: false,
      sourceName: "web",
      lineItems: [
        {
          id: String(ID_BASE.lineItem + n + 1),
          productId: product.id,
          variantId: product.variants[0].id,
          title: "CDs",
          variantTitle: null,
          sku: "CD",
          quantity: Math.max(1, p.cds),
          originalUnitPrice: moneyBag(unitCents, "USD", unitCents, "USD"),
          discountedTotal: total,
          totalDiscount: moneyBag(unitCents * Math.max(1, p.cds) - p.cents, "USD", unitCents * Math.max(1, p.cds) - p.cents, "USD"),
        },
      ],
      refunds: [],
    });
  });

  return {
    shop: {
      id: "1",
      domain,
      name: "CDNOW (1997-98)",
      email: "owner@cdnow.example",
      currencyCode: "USD",
      ianaTimezone: "America/New_York",
      planName: "Basic",
      createdAt: "1996-12-31T00:00:00.000Z",
    },
    products: [product],
    customers: [...customers.values()].sort((a, b) => Number(a.id) - Number(b.id)),
    orders,
  };
}

/** Where the CDNOW files are, beside the repository. */
export function cdnowPath(file: "CDNOW_master.txt" | "CDNOW_sample.txt", root: string): string {
  return `${root}/../shared/datasets/cdnow/${file}`;
}
