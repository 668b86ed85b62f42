import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

/** The database URL: DATABASE_URL, or a SQLite file in prisma/ for zero-setup local runs. */
export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? "file:./prisma/dev.db";
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith("postgres://") || url.startsWith("postgresql://");
}

/**
 * The Prisma driver adapter for a database URL: PostgreSQL through `pg`,
 * anything else as SQLite through libsql.
 */
export function createDriverAdapter(url: string) {
  if (isPostgresUrl(url)) return new PrismaPg({ connectionString: url });
  return new PrismaLibSQL({ url });
}
