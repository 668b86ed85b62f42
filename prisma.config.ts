import path from "node:path";
import { defineConfig } from "prisma/config";
import { createDriverAdapter, databaseUrl, isPostgresUrl } from "./app/db/adapter.server";

// Prisma runs with the JS engine and a driver adapter: no native engine is
// downloaded (see docs/decisions/0002-prisma-js-engine.md).
// The schema follows DATABASE_URL; DATABASE_PROVIDER overrides it (to diff a schema with no database).
const provider =
  process.env.DATABASE_PROVIDER === "postgresql" || (!process.env.DATABASE_PROVIDER && isPostgresUrl(databaseUrl()))
    ? "postgresql"
    : "sqlite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: provider === "postgresql" ? path.join("prisma", "postgres", "schema.prisma") : path.join("prisma", "schema.prisma"),
  migrations: {
    path: provider === "postgresql" ? path.join("prisma", "postgres", "migrations") : path.join("prisma", "migrations"),
  },
  async adapter() {
    // A short idle timeout lets the CLI exit at once instead of waiting on pg's pool.
    return createDriverAdapter(databaseUrl(), { idleTimeoutMillis: 500 });
  },
});
