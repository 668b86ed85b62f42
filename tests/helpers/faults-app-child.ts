/**
 * The app's webhook routes in their own process, on a fixed port, for the load
 * and fault tests (tests/faults, bench/webhook-storm.ts): a process that can be
 * SIGKILLed and restarted on the same URL, so the sender's retries find it
 * again, as Shopify's find a restarted app.
 *
 *   DATABASE_URL=… SHOPIFY_API_SECRET=… PORT=… node --import tsx tests/helpers/faults-app-child.ts
 *
 * Prints `listening <url>` once it accepts requests.
 */
import { startAppServer, type RouteAction } from "./app-server";

const load = async (name: string) => ((await import(`../../app/routes/${name}.tsx`)) as { action: RouteAction }).action;
const app = await startAppServer(
  {
    "/webhooks/orders": await load("webhooks.orders"),
    "/webhooks/refunds": await load("webhooks.refunds"),
    "/webhooks/customers": await load("webhooks.customers"),
    "/webhooks/compliance": await load("webhooks.compliance"),
  },
  {
    port: Number(process.env.PORT ?? 0),
    record: false,
    // One line a failure (the message folded), then the stack: tests match the first line.
    onError: (path, thrown) => {
      const summary = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
      process.stderr.write(`500 ${path}: ${summary.replace(/\s+/g, " ")}\n${thrown instanceof Error ? (thrown.stack ?? "") : ""}\n`);
    },
  },
);
process.stdout.write(`listening ${app.url}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
