#!/usr/bin/env node
// Makes a checkout ready to run, test and typecheck. Idempotent; each step
// skips what is already current, so running it again takes a second or two.
//
//   npm run setup                  all steps, migrating DATABASE_URL (default: SQLite prisma/dev.db)
//   node scripts/setup.mjs --skip-migrate   (tests make their own databases)
//   node scripts/setup.mjs --force          rerun codegen even when its output looks current
//
// Steps: (1) extract the Admin API schema, (2) GraphQL codegen, (3) generate
// the Prisma client for DATABASE_URL's provider, (4) migrate that database.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations, databaseUrl, generateClient, isPostgresUrl } from "./prisma.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));

function say(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(command, commandArgs) {
  const r = spawnSync(command, commandArgs, { cwd: ROOT, stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${commandArgs.join(" ")} exited ${r.status}`);
}

async function step(title, fn) {
  const t0 = performance.now();
  say(`${title}…`);
  const note = await fn();
  say(`${title}: ${note ?? "done"} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
}

const CODEGEN_OUTPUTS = ["app/types/admin.types.d.ts", "app/types/admin.generated.d.ts"];

/**
 * Whether codegen's outputs are newer than everything it reads: its config,
 * the extracted schema, the lockfile and every source file under app/ (it
 * takes ~10 s, so a repeated `npm test` should not pay it). A deleted source
 * file leaves its (unused) types until the next real run; --force runs it.
 */
function codegenIsCurrent() {
  const mtime = (file) => statSync(file).mtimeMs;
  const outputs = CODEGEN_OUTPUTS.map((f) => path.join(ROOT, f));
  if (!outputs.every((f) => existsSync(f))) return false;
  const oldestOutput = Math.min(...outputs.map(mtime));
  const inputs = [path.join(ROOT, ".graphqlrc.ts"), path.join(ROOT, "package-lock.json")];
  const cache = path.join(ROOT, ".cache", "shopify");
  if (existsSync(cache)) inputs.push(...readdirSync(cache).map((f) => path.join(cache, f)));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (full !== path.join(ROOT, "app", "types") && full !== path.join(ROOT, "app", "generated")) walk(full);
      } else if (/\.tsx?$/.test(entry.name)) inputs.push(full);
    }
  };
  walk(path.join(ROOT, "app"));
  return inputs.every((f) => !existsSync(f) || mtime(f) <= oldestOutput);
}

/** A printable URL: no password. */
function redact(url) {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

async function main() {
  const url = databaseUrl();
  const t0 = performance.now();

  await step("1/4 Admin API schema", () => {
    const script = path.join(ROOT, "scripts", "admin-schema.mjs");
    if (!existsSync(script)) return "skipped (no scripts/admin-schema.mjs)";
    run(process.execPath, [script, "--quiet"]);
  });

  await step("2/4 GraphQL codegen", () => {
    if (!existsSync(path.join(ROOT, ".graphqlrc.ts"))) return "skipped (no .graphqlrc.ts)";
    if (!args.has("--force") && codegenIsCurrent()) return "up to date";
    run(path.join(ROOT, "node_modules", ".bin", "graphql-codegen"), ["--config", ".graphqlrc.ts", "--silent"]);
    // codegen leaves an unchanged output untouched: mark them current for codegenIsCurrent().
    const now = new Date();
    for (const f of CODEGEN_OUTPUTS) if (existsSync(path.join(ROOT, f))) utimesSync(path.join(ROOT, f), now, now);
  });

  await step("3/4 Prisma client", () => (generateClient({ url }) ? "generated" : "up to date"));

  await step("4/4 database migrations", async () => {
    if (args.has("--skip-migrate")) return "skipped (--skip-migrate)";
    // Our applier for both (scripts/prisma.mjs): for SQLite it records exactly
    // what `prisma migrate deploy` would, in milliseconds instead of ~2 s.
    const applied = await applyMigrations(url, { quiet: false });
    return `${redact(url)}: ${applied.length ? `applied ${applied.length}` : "up to date"}`;
  });

  say(`ready in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

main().catch((e) => {
  process.stderr.write(`[setup] failed: ${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
});
