/**
 * Stores the web pixel's behaviour events (app/domain/behaviour): one
 * multi-row `INSERT … ON CONFLICT DO NOTHING` per batch, so a batch the pixel
 * resends (a retried beacon, a page restored from cache) stores nothing twice.
 */
import type { SqlDialect } from "./adapter.server";
import { Prisma, type PrismaClient } from "~/generated/prisma/client";
import type { StoredBehaviourEvent } from "~/domain/behaviour";
import type { CustomerDimensions } from "~/domain/behaviour/dimensions";

const COLUMNS = ["shopDomain", "eventId", "day", "clientId", "customerGid", "code", "occurredAt", "productGid", "variantGid", "facet", "valueMinor"];
const quote = (name: string) => `"${name}"`;

export class BehaviourRepository {
  constructor(
    private readonly db: PrismaClient,
    private readonly dialect: SqlDialect,
  ) {}

  /** Inserts the events not stored yet; returns how many were new. */
  async insertEvents(shopDomain: string, clientId: string, customerGid: string | null, events: readonly StoredBehaviourEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const values = events.map((e) => [
      shopDomain, e.eventId, e.day, clientId, customerGid, e.code, e.occurredAt, e.productGid, e.variantGid, e.facet,
      e.valueMinor === null ? null : BigInt(e.valueMinor),
    ]);
    let n = 0;
    const rows = values.map((row) => `(${row.map(() => this.param(++n)).join(",")})`).join(",");
    const sql = `INSERT INTO "BehaviourEvent" (${COLUMNS.map(quote).join(",")}) VALUES ${rows} ON CONFLICT ("shopDomain","eventId") DO NOTHING`;
    return this.db.$executeRawUnsafe(sql, ...values.flat());
  }

  /**
   * Records that a browser client is this customer (the latest login wins)
   * and gives the client's anonymous events to them.
   */
  async linkClient(shopDomain: string, clientId: string, customerGid: string, now: Date): Promise<void> {
    await this.db.$transaction([
      this.db.behaviourClient.upsert({
        where: { shopDomain_clientId: { shopDomain, clientId } },
        create: { shopDomain, clientId, customerGid, linkedAt: now },
        update: { customerGid, linkedAt: now },
      }),
      this.db.behaviourEvent.updateMany({ where: { shopDomain, clientId, customerGid: null }, data: { customerGid } }),
    ]);
  }

  /** The customer a browser client logged in as, if it ever did. */
  async customerOfClient(shopDomain: string, clientId: string): Promise<string | null> {
    const link = await this.db.behaviourClient.findUnique({ where: { shopDomain_clientId: { shopDomain, clientId } }, select: { customerGid: true } });
    return link?.customerGid ?? null;
  }

  private param(i: number): string {
    return this.dialect === "postgresql" ? `$${i}` : "?";
  }
}

/** One customer's refreshed dimensions, as `CustomerBehaviour` stores them (affinities as JSON). */
export type DimensionsRow = Omit<CustomerDimensions, "topProductTypes" | "topVendors" | "topSearchTerms"> & {
  customerGid: string;
  topProductTypes: string;
  topVendors: string;
  topSearchTerms: string;
};

const UPSERT_CHUNK = 200;

/**
 * Writes refreshed dimensions: multi-row `INSERT … ON CONFLICT DO UPDATE`,
 * 200 rows a statement (one upsert per customer was most of a large refresh).
 * The lifetime counters (`rolled*`) are left as they are.
 */
export async function upsertDimensions(db: Pick<PrismaClient, "$executeRaw">, shopDomain: string, rows: readonly DimensionsRow[], computedAt: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    const values = Prisma.join(
      rows.slice(i, i + UPSERT_CHUNK).map((r) => Prisma.sql`(${shopDomain}, ${r.customerGid}, ${r.sessions30}, ${r.sessions90}, ${r.views30}, ${r.views90},
        ${r.carts30}, ${r.carts90}, ${r.searches30}, ${r.searches90}, ${r.lastSeenAt}, ${r.cartAbandonedAt}, ${r.topProductTypes}, ${r.topVendors},
        ${r.topSearchTerms}, ${computedAt})`),
    );
    await db.$executeRaw`INSERT INTO "CustomerBehaviour" ("shopDomain","customerGid","sessions30","sessions90","views30","views90","carts30","carts90",
      "searches30","searches90","lastSeenAt","cartAbandonedAt","topProductTypes","topVendors","topSearchTerms","computedAt") VALUES ${values}
      ON CONFLICT ("shopDomain","customerGid") DO UPDATE SET "sessions30" = excluded."sessions30", "sessions90" = excluded."sessions90",
      "views30" = excluded."views30", "views90" = excluded."views90", "carts30" = excluded."carts30", "carts90" = excluded."carts90",
      "searches30" = excluded."searches30", "searches90" = excluded."searches90", "lastSeenAt" = excluded."lastSeenAt",
      "cartAbandonedAt" = excluded."cartAbandonedAt", "topProductTypes" = excluded."topProductTypes", "topVendors" = excluded."topVendors",
      "topSearchTerms" = excluded."topSearchTerms", "computedAt" = excluded."computedAt"`;
  }
}
