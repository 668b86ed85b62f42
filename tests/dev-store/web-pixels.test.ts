/**
 * The dev store's web pixel API against the real schema: settings checked
 * against the app's web_pixel_extension definition, one pixel per shop,
 * updates by id, scopes — and the app's activateWebPixel on top of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { webPixelSettingsOf } from "../../dev-store/graphql/web-pixels";
import { AdminClient } from "~/shopify/admin-client.server";
import { AdminUserErrorsError } from "~/shopify/errors";
import { WebPixelCreate } from "~/shopify/operations/web-pixel";
import { activateWebPixel } from "~/shopify/web-pixel.server";

let devStore: TestDevStore;
let restoreFetch: () => void;
let client: AdminClient;

beforeAll(async () => {
  devStore = await startTestDevStore({ seed: 5, orders: 10 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
});
afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
});

const good = { ingestUrl: "https://app.example/pixel/events", ingestToken: "0123456789abcdef-token" };

describe("web pixels in the dev store", () => {
  it("refuses settings that do not match the extension's definition, and creates nothing", async () => {
    for (const settings of [{ ingestUrl: good.ingestUrl }, { ...good, ingestToken: "short" }, { ...good, extra: "x" }]) {
      const { webPixelCreate } = await client.request(WebPixelCreate, { settings: JSON.stringify(settings) });
      expect(webPixelCreate?.userErrors.map((e) => e.code)).toEqual(["INVALID_SETTINGS"]);
    }
    const { webPixelCreate } = await client.request(WebPixelCreate, { settings: "{not json" });
    expect(webPixelCreate?.userErrors.map((e) => e.code)).toEqual(["INVALID_CONFIGURATION_JSON"]);
    expect(webPixelSettingsOf(devStore.store)).toBeNull();
  });

  it("activateWebPixel creates the pixel once, then updates it", async () => {
    const first = await activateWebPixel(client, good);
    expect(first.created).toBe(true);
    expect(webPixelSettingsOf(devStore.store)).toEqual(good);
    const second = await activateWebPixel(client, { ...good, ingestUrl: "https://new.example/pixel/events" });
    expect(second).toEqual({ id: first.id, created: false });
    expect(webPixelSettingsOf(devStore.store)?.ingestUrl).toBe("https://new.example/pixel/events");
    // A second create is refused as Shopify does.
    const { webPixelCreate } = await client.request(WebPixelCreate, { settings: JSON.stringify(good) });
    expect(webPixelCreate?.userErrors.map((e) => e.code)).toEqual(["TAKEN"]);
  });

  it("surfaces a refusal as a user error", async () => {
    await expect(activateWebPixel(client, { ingestUrl: "", ingestToken: good.ingestToken })).rejects.toBeInstanceOf(AdminUserErrorsError);
  });
});
