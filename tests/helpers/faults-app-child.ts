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
import http from "node:http";

type RouteAction = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

const port = Number(process.env.PORT ?? 0);
const load = async (name: string) => ((await import(`../../app/routes/${name}.tsx`)) as { action: RouteAction }).action;
const routes: Record<string, RouteAction> = {
  "/webhooks/orders": await load("webhooks.orders"),
  "/webhooks/refunds": await load("webhooks.refunds"),
  "/webhooks/customers": await load("webhooks.customers"),
  "/webhooks/compliance": await load("webhooks.compliance"),
};

const server = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const action = routes[url.pathname];
  let response: Response;
  if (!action) {
    response = new Response("not found", { status: 404 });
  } else {
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
    const request = new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    try {
      response = await action({ request, params: {}, context: {} });
    } catch (thrown) {
      // As Remix does: a thrown Response is the answer, anything else a 500.
      response = thrown instanceof Response ? thrown : new Response(thrown instanceof Error ? thrown.message : String(thrown), { status: 500 });
      // One line a failure (the message folded), then the stack: tests match the first line.
      if (!(thrown instanceof Response)) {
        const summary = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
        process.stderr.write(`500 ${url.pathname}: ${summary.replace(/\s+/g, " ")}\n${thrown instanceof Error ? (thrown.stack ?? "") : ""}\n`);
      }
    }
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(body);
});
// Keep-alive sockets from the load generator: many, short-lived.
server.keepAliveTimeout = 5_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
