/**
 * Where a sync process's CPU time goes: a V8 .cpuprofile (node --cpu-prof)
 * summarised by category (JSONL parse, mapping, SQL building, Prisma,
 * drivers, GC, idle/waiting…), by self time per function, and by inclusive
 * time of the import path's main steps.
 *
 *   npx tsx bench/profile-summary.ts .cache/bench/profiles/sqlite-100000/CPU….cpuprofile
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Categories, first match wins; tested against "url functionName". */
const CATEGORIES: [string, RegExp][] = [
  ["idle (waiting for I/O: DB server, HTTP)", /^ \(idle\)$/],
  ["garbage collection", /^ \(garbage collector\)$/],
  ["JSONL: read, split, decode, JSON.parse", /app\/shopify\/jsonl\.server/],
  ["mapping GraphQL → records", /app\/domain\/sync\//],
  ["sync repository: rows, hashes, SQL text", /app\/db\/sync-repository/],
  ["full sync loop, checkpoints", /app\/(services\/full-sync|db\/sync-run-repository)/],
  ["Prisma client runtime", /@prisma\/client|generated\/prisma/],
  ["Prisma query compiler (wasm)", /^wasm:\/\//],
  ["Prisma driver adapter", /@prisma\/(adapter-|driver-adapter)/],
  ["libsql client (incl. native SQLite calls)", /@libsql|libsql/],
  ["pg driver", /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-)/],
  ["HTTP download (undici/fetch, streams)", /undici|node:internal\/(deps\/undici|webstreams|streams)/],
  ["crypto (content hash)", /node:internal\/crypto|node:crypto/],
  ["tsx / module loading", /tsx|esbuild|node:internal\/modules/],
  ["other node internals", /^node:|^internal\//],
  ["native / V8 (program)", /^ \(program\)$/],
];

function category(node: ProfileNode): string {
  const key = `${node.callFrame.url} ${node.callFrame.functionName}`;
  for (const [name, pattern] of CATEGORIES) if (pattern.test(key)) return name;
  return node.callFrame.url ? "other JS" : "other native";
}

const shortUrl = (url: string) => {
  const i = url.indexOf("/work/main/");
  const rel = i >= 0 ? url.slice(i + "/work/main/".length) : url.replace(/^file:\/\//, "");
  return rel.replace(/^node_modules\//, "nm/");
};
const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

/**
 * Synchronous steps whose inclusive time is reported. (Async functions are
 * left out: after an `await` V8 samples their continuation without the
 * caller's frames, so their inclusive time would be undercounted.)
 */
const STEPS: [string, (n: ProfileNode) => boolean][] = [
  ["parseLine (UTF-8 decode + JSON.parse of one JSONL line)", (n) => n.callFrame.functionName === "parseLine"],
  ["order/customer/product FromGraphql (mapping)", (n) => /^(order|customer|product)FromGraphql$/.test(n.callFrame.functionName)],
  ["withHash / contentHash (JSON.stringify + sha1 per row)", (n) => /^(withHash|contentHash)$/.test(n.callFrame.functionName)],
  ["placeholders (SQL text)", (n) => n.callFrame.functionName === "placeholders"],
  ["dedupeNewest", (n) => n.callFrame.functionName === "dedupeNewest"],
  ["libsql Statement run/iterate/prepare (native SQLite)", (n) => /^(run|iterate|prepare|all|raw)$/.test(n.callFrame.functionName) && /libsql/.test(n.callFrame.url)],
]

export function summariseProfile(file: string, options: { title?: string; top?: number } = {}): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) byId.set(node.id, node);
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + dt);
  }

  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { us: number; category: string }>();
  for (const [id, us] of selfByNode) {
    const node = byId.get(id)!;
    const cat = category(node);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const key = fnKey(node);
    const entry = byFunction.get(key) ?? { us: 0, category: cat };
    entry.us += us;
    byFunction.set(key, entry);
  }

  // Inclusive time of the steps: each sample counted once per step on its stack.
  const inclusive = new Map<string, number>();
  const stepsOf = new Map<number, string[]>();
  const stepsForNode = (id: number): string[] => {
    const cached = stepsOf.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const mine = STEPS.filter(([, test]) => test(node)).map(([name]) => name);
    const up = parent.has(id) ? stepsForNode(parent.get(id)!) : [];
    const all = [...new Set([...up, ...mine])];
    stepsOf.set(id, all);
    return all;
  };
  for (const [id, us] of selfByNode) for (const step of stepsForNode(id)) inclusive.set(step, (inclusive.get(step) ?? 0) + us);

  const idleUs = [...selfByNode].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((sum, [, us]) => sum + us, 0);
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
  const busyPct = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}% of busy`;
  const sec = (us: number) => `${(us / 1e6).toFixed(1).padStart(7)} s`;
  const lines: string[] = [];
  lines.push(
    `CPU profile${options.title ? ` (${options.title})` : ""}: ${path.basename(file)}, ${(totalUs / 1e6).toFixed(1)} s sampled, ` +
      `${(busyUs / 1e6).toFixed(1)} s busy (not idle)`,
  );
  lines.push("  by category (self time):");
  for (const [cat, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${sec(us)} ${pct(us)} ${cat.startsWith("idle") ? " ".repeat(13) : busyPct(us)}  ${cat}`);
  }
  lines.push("  import steps (inclusive time):");
  for (const [name] of STEPS) {
    const us = inclusive.get(name) ?? 0;
    lines.push(`    ${sec(us)} ${pct(us)}  ${name}`);
  }
  lines.push(`  top functions (self time):`);
  for (const [key, { us, category: cat }] of [...byFunction].sort((a, b) => b[1].us - a[1].us).slice(0, options.top ?? 25)) {
    lines.push(`    ${sec(us)} ${pct(us)}  ${key}  [${cat}]`);
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]");
    process.exit(2);
  }
  for (const file of files.filter((f) => f.endsWith(".cpuprofile"))) console.log(summariseProfile(file, { top: 40 }));
}
