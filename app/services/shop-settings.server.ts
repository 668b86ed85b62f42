/**
 * A shop's write-back settings for the admin: read (defaults until saved) and
 * update, validated with zod. Turning tags on or off, or changing the prefix,
 * takes effect on the next write-back (`writeBackInsights`), which adds the
 * tags now wanted and removes the ones Evergreen wrote before and no longer wants.
 */
import { z } from "zod";
import { ShopSettingsRepository, type ShopSettingsDb, type ShopSettingsRecord } from "~/db/shop-settings.server";

export type { ShopSettingsRecord } from "~/db/shop-settings.server";
export { DEFAULT_SHOP_SETTINGS } from "~/db/shop-settings.server";

/** Shopify's limit on one tag's length. */
export const SHOPIFY_TAG_MAX_LENGTH = 255;
/**
 * Longest prefix: the longest tag Evergreen writes is the prefix plus
 * `layer-` plus a layer id (at most 60 characters), which must stay within 255.
 */
export const MAX_TAG_PREFIX_LENGTH = 100;

/**
 * The prefix of Evergreen's tags: Shopify tag rules (no commas, which separate
 * tags; at most 255 characters with what follows) and ours (not empty, so
 * Evergreen's tags stay apart from the merchant's; no leading or trailing
 * spaces, which Shopify trims; no control characters).
 */
/** The prefix rules' messages (English, for the API and logs) by the code the admin translates. */
export const TAG_PREFIX_MESSAGES = {
  tagPrefixRequired: "Enter a tag prefix: it keeps Evergreen's tags apart from yours.",
  tagPrefixTooLong: `Use at most ${MAX_TAG_PREFIX_LENGTH} characters: Shopify tags are limited to ${SHOPIFY_TAG_MAX_LENGTH}, layer names included.`,
  tagPrefixComma: "A tag prefix cannot contain a comma: Shopify uses commas to separate tags.",
  tagPrefixSpaces: "A tag prefix cannot start or end with a space (Shopify trims tags).",
  tagPrefixControl: "A tag prefix cannot contain line breaks or other control characters.",
} as const;

export const tagPrefixSchema = z
  .string({ required_error: "Enter a tag prefix.", invalid_type_error: "The tag prefix must be text." })
  .min(1, TAG_PREFIX_MESSAGES.tagPrefixRequired)
  .max(MAX_TAG_PREFIX_LENGTH, TAG_PREFIX_MESSAGES.tagPrefixTooLong)
  .refine((s) => !s.includes(","), TAG_PREFIX_MESSAGES.tagPrefixComma)
  .refine((s) => s.trim() === s, TAG_PREFIX_MESSAGES.tagPrefixSpaces)
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), TAG_PREFIX_MESSAGES.tagPrefixControl);

export const shopSettingsUpdateSchema = z
  .object({
    insightTagsEnabled: z.boolean({ invalid_type_error: "Tagging must be on or off." }).optional(),
    insightTagPrefix: tagPrefixSchema.optional(),
  })
  .strict();
export type ShopSettingsUpdate = z.infer<typeof shopSettingsUpdateSchema>;

/** What is wrong, as a code a caller can translate (`message` is the English sentence). */
export type ShopSettingsErrorCode = keyof typeof TAG_PREFIX_MESSAGES | "onOff" | "invalid";

export interface ShopSettingsFieldError {
  field: "insightTagsEnabled" | "insightTagPrefix" | "settings";
  code: ShopSettingsErrorCode;
  message: string;
}

function codeOf(field: ShopSettingsFieldError["field"], message: string): ShopSettingsErrorCode {
  const known = (Object.keys(TAG_PREFIX_MESSAGES) as (keyof typeof TAG_PREFIX_MESSAGES)[]).find((k) => TAG_PREFIX_MESSAGES[k] === message);
  if (known) return known;
  if (field === "insightTagPrefix") return message === "Enter a tag prefix." ? "tagPrefixRequired" : "invalid";
  return field === "insightTagsEnabled" ? "onOff" : "invalid";
}

export interface ShopSettingsDeps {
  db: ShopSettingsDb;
}

/** The shop's settings; the defaults (tags off, prefix "evergreen-") before the first save. */
export async function getShopSettings(shopDomain: string, deps: ShopSettingsDeps): Promise<ShopSettingsRecord> {
  return new ShopSettingsRepository(deps.db).get(shopDomain);
}

/**
 * Validates and saves a change of settings (only the fields given).
 *
 * @returns the saved settings, or the errors per field (nothing saved)
 * @example
 * const result = await updateShopSettings(shop, { insightTagsEnabled: true, insightTagPrefix: "eg-" }, { db: prisma });
 * if (!result.ok) return json({ errors: result.errors }, 400);
 */
export async function updateShopSettings(
  shopDomain: string,
  input: unknown,
  deps: ShopSettingsDeps,
): Promise<{ ok: true; settings: ShopSettingsRecord } | { ok: false; errors: ShopSettingsFieldError[] }> {
  const parsed = shopSettingsUpdateSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue): ShopSettingsFieldError => {
        const field = issue.path[0];
        if (issue.code === "unrecognized_keys") return { field: "settings", code: "invalid", message: `Unknown setting: ${issue.keys.join(", ")}.` };
        return field === "insightTagsEnabled" || field === "insightTagPrefix"
          ? { field, code: codeOf(field, issue.message), message: issue.message }
          : { field: "settings", code: "invalid", message: issue.message === "Required" ? "Send the settings as an object." : issue.message };
      }),
    };
  }
  return { ok: true, settings: await new ShopSettingsRepository(deps.db).update(shopDomain, parsed.data) };
}
