import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

/** The database URL: DATABASE_URL, or a SQLite file in prisma/ for zero-setup local runs. */
export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? "file:./prisma/dev.db";
}

export type SqlDialect = "sqlite" | "postgresql";

export function dialectOf(url: string): SqlDialect {
  return isPostgresUrl(url) ? "postgresql" : "sqlite";
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith("postgres://") || url.startsWith("postgresql://");
}

/**
 * The Prisma driver adapter for a database URL: PostgreSQL through `pg`,
 * anything else as SQLite through libsql.
 */
export function createDriverAdapter(url: string, pool: { idleTimeoutMillis?: number } = {}) {
  if (isPostgresUrl(url)) return new PrismaPg({ connectionString: url, ...pool });
  // intMode "bigint": money in minor units and Shopify's numeric ids exceed 2^53;
  // libsql's default number mode throws on reading them.
  return new PrismaLibSQL({ url, intMode: "bigint" });
}
