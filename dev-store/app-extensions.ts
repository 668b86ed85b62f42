/**
 * What the dev store reads from the app's extensions: the handles of its
 * Shopify Flow trigger extensions (`extensions/<name>/shopify.extension.toml`
 * with `type = "flow_trigger"`), which flowTriggerReceive accepts.
 * https://shopify.dev/docs/apps/build/flow/triggers/reference
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import toml from "toml";

export const DEFAULT_EXTENSIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "extensions");

/** Handles of every `flow_trigger` extension under `dir` (none when the folder does not exist). */
export function readFlowTriggerHandles(dir: string = DEFAULT_EXTENSIONS_DIR): string[] {
  if (!existsSync(dir)) return [];
  const handles: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const parsed = toml.parse(readFileSync(file, "utf8")) as { extensions?: { type?: string; handle?: string }[] };
    for (const extension of parsed.extensions ?? []) {
      if (extension.type === "flow_trigger" && extension.handle) handles.push(extension.handle);
    }
  }
  return handles.sort();
}
