/**
 * Serves route actions over real HTTP so the dev store's webhook sender can
 * deliver to them, as Shopify delivers to the running app.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RouteAction = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

export interface TestAppServer {
  url: string;
  /** Every response the app gave, in order. */
  responses: { path: string; status: number; error?: string }[];
  close(): Promise<void>;
}

export interface AppServerOptions {
  /** Default 0 (any free port); a fixed one lets a restarted process serve the same URL. */
  port?: number;
  /** Called for each 500 from a thrown error (not a thrown Response). */
  onError?: (path: string, thrown: unknown) => void;
  /** Keep every response in `responses` (default true; off for long-running load). */
  record?: boolean;
}

export async function startAppServer(routes: Record<string, RouteAction>, options: AppServerOptions = {}): Promise<TestAppServer> {
  const responses: { path: string; status: number; error?: string }[] = [];
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
        // Remix turns a thrown Response into the response; anything else is a 500.
        response = thrown instanceof Response ? thrown : new Response(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown), { status: 500 });
        if (!(thrown instanceof Response)) options.onError?.(url.pathname, thrown);
      }
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (options.record !== false) responses.push({ path: url.pathname, status: response.status, ...(response.status >= 500 ? { error: body.toString("utf8") } : {}) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  });
  // Keep-alive sockets from load generators: many, short-lived.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    responses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
