import path from "node:path";
import { defineConfig } from "prisma/config";
import { createDriverAdapter, databaseUrl } from "./app/db/adapter.server";

// Prisma runs with the JS engine and a driver adapter: no native engine is
// downloaded (see docs/decisions/0002-prisma-js-engine.md).
const provider = process.env.DATABASE_PROVIDER === "postgresql" ? "postgresql" : "sqlite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: provider === "postgresql" ? path.join("prisma", "postgres", "schema.prisma") : path.join("prisma", "schema.prisma"),
  migrations: {
    path: provider === "postgresql" ? path.join("prisma", "postgres", "migrations") : path.join("prisma", "migrations"),
  },
  async adapter() {
    return createDriverAdapter(databaseUrl());
  },
});
