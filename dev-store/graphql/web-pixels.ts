/**
 * The app's web pixel in the local dev store: `webPixel`, `webPixelCreate`,
 * `webPixelUpdate`. Settings are checked against the app's
 * `web_pixel_extension` settings definition (extensions/<name>/shopify.extension.toml):
 * every declared field present as a string within its `min` validation, no
 * other keys — as Shopify answers INVALID_SETTINGS. One pixel per app and shop
 * (a second create is TAKEN). Needs `write_pixels` / `read_pixels`.
 * https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelCreate
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLError } from "graphql";
import toml from "toml";
import { DEFAULT_EXTENSIONS_DIR } from "../app-extensions";
import type { DevStore } from "../store";
import type { ResolverContext } from "./context";
import { requireScope } from "./scopes";

interface SettingsField {
  min: number;
}

/** The settings fields of the app's web pixel extension, or null when it has none. */
export function readWebPixelSettingsDefinition(dir: string = DEFAULT_EXTENSIONS_DIR): Record<string, SettingsField> | null {
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const parsed = toml.parse(readFileSync(file, "utf8")) as {
      type?: string;
      settings?: { fields?: Record<string, { validations?: { name: string; value: string }[] }> };
    };
    if (parsed.type !== "web_pixel_extension") continue;
    return Object.fromEntries(
      Object.entries(parsed.settings?.fields ?? {}).map(([key, field]) => [key, { min: Number(field.validations?.find((v) => v.name === "min")?.value ?? 0) }]),
    );
  }
  return null;
}

const pixels = new WeakMap<DevStore, { id: string; settings: string }>();
let nextId = 1;

const userError = (code: string, message: string, field = ["webPixel", "settings"]) => ({ code, field, message });

function checkSettings(raw: unknown): { settings: string } | { error: ReturnType<typeof userError> } {
  const definition = readWebPixelSettingsDefinition();
  if (!definition) return { error: userError("NO_EXTENSION", "No web pixel extension found for this app.", ["webPixel"]) };
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return { error: userError("INVALID_CONFIGURATION_JSON", "The provided settings is not a valid JSON.") };
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { error: userError("INVALID_SETTINGS", "Settings must be an object.") };
  const settings = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, field] of Object.entries(definition)) {
    const v = settings[key];
    if (typeof v !== "string") problems.push(`${key} is required`);
    else if (v.length < field.min) problems.push(`${key} must be at least ${field.min} characters`);
  }
  for (const key of Object.keys(settings)) if (!(key in definition)) problems.push(`${key} is not a setting of this pixel`);
  if (problems.length) return { error: userError("INVALID_SETTINGS", `The provided settings does not match the expected settings definition on the app: ${problems.join(", ")}.`) };
  return { settings: JSON.stringify(settings) };
}

const view = (pixel: { id: string; settings: string }) => ({ id: pixel.id, settings: pixel.settings });

type Resolver = (source: unknown, args: any, ctx: ResolverContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export const webPixelQueryResolvers: Record<string, Resolver> = {
  webPixel: (_s, args: { id?: string | null }, ctx) => {
    requireScope(ctx, "read_pixels", "webPixel");
    const pixel = pixels.get(ctx.store);
    if (!pixel || (args.id && args.id !== pixel.id)) {
      throw new GraphQLError("No web pixel was found for this app.", { extensions: { code: "NOT_FOUND" } });
    }
    return view(pixel);
  },
};

export const webPixelMutationResolvers: Record<string, Resolver> = {
  webPixelCreate: (_s, args: { webPixel: { settings: unknown } }, ctx) => {
    requireScope(ctx, "write_pixels", "webPixelCreate");
    if (pixels.has(ctx.store)) return { webPixel: null, userErrors: [userError("TAKEN", "Web pixel is taken.", ["webPixel"])] };
    const checked = checkSettings(args.webPixel.settings);
    if ("error" in checked) return { webPixel: null, userErrors: [checked.error] };
    const pixel = { id: `gid://shopify/WebPixel/${nextId++}`, settings: checked.settings };
    pixels.set(ctx.store, pixel);
    return { webPixel: view(pixel), userErrors: [] };
  },
  webPixelUpdate: (_s, args: { id: string; webPixel: { settings: unknown } }, ctx) => {
    requireScope(ctx, "write_pixels", "webPixelUpdate");
    const pixel = pixels.get(ctx.store);
    if (!pixel || pixel.id !== args.id) return { webPixel: null, userErrors: [userError("NOT_FOUND", "Web pixel not found.", ["id"])] };
    const checked = checkSettings(args.webPixel.settings);
    if ("error" in checked) return { webPixel: null, userErrors: [checked.error] };
    pixel.settings = checked.settings;
    return { webPixel: view(pixel), userErrors: [] };
  },
};

/** The shop's pixel settings as the app set them (tests and the demo storefront read them). */
export function webPixelSettingsOf(store: DevStore): Record<string, string> | null {
  const pixel = pixels.get(store);
  return pixel ? (JSON.parse(pixel.settings) as Record<string, string>) : null;
}
