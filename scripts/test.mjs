#!/usr/bin/env node
// `npm test`: setup (schema extract, codegen, Prisma client), then Vitest, then
// one plain closing line that CI reads:
//
//   Tests: 123 passed, 0 failed            (", 4 skipped" when any were)
//
// Vitest's own summary is not in that form, so its JSON report
// (test-results/vitest.json) is counted instead. Exits non-zero on any failure.
//
//   npm test                                   every test, on SQLite
//   npm test -- tests/db -t "session"          extra arguments go to `vitest run`
//   EVERGREEN_TEST_POSTGRES=1 npm test         the database-facing tests on PostgreSQL:
//                                              DATABASE_URL / TEST_DATABASE_URL when postgres://,
//                                              else a throw-away local cluster (scripts/postgres-local.sh)
//   DATABASE_URL=postgresql://… npm test       the same
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The tests that touch a database: the ones run again on PostgreSQL (those that exist). */
export const DATABASE_TEST_DIRS = [
  "tests/db",
  "tests/sync",
  "tests/app",
  "tests/intelligence",
  "tests/privacy",
  "tests/jobs",
  "tests/loyalty",
  "tests/referrals",
  "tests/replenishment",
  "tests/storefront",
  "tests/behaviour",
  "tests/campaigns",
  "tests/faults",
  "tests/admin/loyalty-admin.test.ts",
  "tests/admin/acquisition-cost.test.ts",
  "tests/admin/campaign-admin.test.ts",
  "tests/monitors",
  "tests/admin/layer-editor.test.ts",
  "tests/admin/tiers-admin.test.ts",
  "tests/admin/settings-errors.test.ts",
  "tests/admin/free-product-reward.test.ts",
  "tests/e2e",
];

const REPORT = path.join(ROOT, "test-results", "vitest.json");
const isPostgres = (url) => /^postgres(ql)?:\/\//.test(url ?? "");

function say(message) {
  process.stdout.write(`[test] ${message}\n`);
}

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** The Postgres server to test against, starting a local one if asked for and none is given. */
function postgresTarget() {
  const given = [process.env.TEST_DATABASE_URL, process.env.DATABASE_URL].find(isPostgres);
  if (given) return { url: given, stop: () => {} };
  if (process.env.EVERGREEN_TEST_POSTGRES !== "1") return null;
  say("EVERGREEN_TEST_POSTGRES=1 and no postgres:// URL: starting a local cluster");
  const script = path.join(ROOT, "scripts", "postgres-local.sh");
  const r = spawnSync("bash", [script, "start"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error("scripts/postgres-local.sh start failed");
  const url = r.stdout.trim().split("\n").pop();
  return { url, stop: () => run("bash", [script, "stop"]) };
}

/** Counts from Vitest's JSON report: { passed, failed, skipped, notes }. */
function count(vitestStatus) {
  const notes = [];
  if (!existsSync(REPORT)) {
    return { passed: 0, failed: 1, skipped: 0, notes: [`vitest exited ${vitestStatus} and wrote no report`] };
  }
  const report = JSON.parse(readFileSync(REPORT, "utf8"));
  let failed = report.numFailedTests ?? 0;
  // A file that failed to load or threw in a hook has no failed test of its own: count it as one failure.
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed").length;
    if (file.status === "failed" && failedTests === 0) {
      failed += 1;
      notes.push(`${path.relative(ROOT, file.name)} failed outside its tests: ${(file.message ?? "").split("\n")[0]}`);
    }
  }
  if (vitestStatus !== 0 && failed === 0) {
    failed = 1;
    notes.push(`vitest exited ${vitestStatus} (an unhandled error or a failed run; see above)`);
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    notes,
  };
}

function main() {
  const extra = process.argv.slice(2);
  const pg = postgresTarget();
  const env = { ...process.env };
  if (pg) {
    env.DATABASE_URL = pg.url;
    env.TEST_DATABASE_URL = pg.url;
  }
  let status = 1;
  let closing = "Tests: 0 passed, 1 failed";
  try {
    say(pg ? "database: PostgreSQL (database-facing tests only)" : "database: SQLite");
    // Setup: the client for this provider; tests make their own databases, so no migrate.
    if (run(process.execPath, [path.join(ROOT, "scripts", "setup.mjs"), "--skip-migrate"], env) !== 0) return 1;

    let selection = [];
    if (pg && !extra.some((a) => !a.startsWith("-"))) {
      selection = DATABASE_TEST_DIRS.filter((d) => existsSync(path.join(ROOT, d)));
      say(`running ${selection.join(", ")} on PostgreSQL`);
    }
    rmSync(REPORT, { force: true });
    mkdirSync(path.dirname(REPORT), { recursive: true });
    const vitest = path.join(ROOT, "node_modules", ".bin", "vitest");
    const vitestStatus = run(
      vitest,
      ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${REPORT}`, ...selection, ...extra],
      env,
    );
    const { passed, failed, skipped, notes } = count(vitestStatus);
    for (const note of notes) say(note);
    status = failed > 0 || vitestStatus !== 0 ? 1 : 0;
    closing = `Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
  } catch (e) {
    say(`failed: ${e instanceof Error ? e.message : e}`);
    status = 1;
  } finally {
    if (pg) {
      // Leave the checkout's client as a plain run expects it (SQLite), and stop a cluster we started.
      const restored = spawnSync(process.execPath, [path.join(ROOT, "scripts", "prisma.mjs"), "generate"], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: "" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      if (restored.status !== 0) status = 1;
      pg.stop();
    }
    // The last line of the run, on its own: what CI counts.
    process.stdout.write(`${closing}\n`);
  }
  return status;
}

process.exitCode = main();
