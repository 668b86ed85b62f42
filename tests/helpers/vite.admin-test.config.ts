/**
 * The app's Vite config for the admin browser tests (tests/helpers/admin-app.ts):
 * the same config, with HMR off (its websocket port is fixed in vite.config.ts,
 * so a demo running beside the tests would collide), its own dependency cache,
 * and polaris-viz pre-bundled up front (discovered late, Vite would re-bundle
 * and reload the page in the middle of a test).
 */
import base from "../../vite.config";
import type { UserConfig } from "vite";

const config: UserConfig = {
  ...base,
  cacheDir: ".cache/vite-admin-test",
  server: { ...base.server, hmr: false },
  optimizeDeps: { ...base.optimizeDeps, include: [...(base.optimizeDeps?.include ?? []), "@shopify/polaris-viz"] },
};

export default config;
