/**
 * GET /app/layers/:layerId/csv: every customer of the layer as CSV, streamed
 * 500 rows at a time (keyset pages), so a layer of any size downloads in flat
 * memory. Authenticated like every admin request (the session token in
 * `Authorization`, sent by App Bridge's fetch).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { appDatabaseDialect, prisma } from "~/db.server";
import { getShopInsights } from "~/services/intelligence.server";
import { layerCsvLines } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  const layerId = params.layerId ?? "";
  const insights = await getShopInsights(session.shop, deps);
  if (!insights?.layers.some((l) => l.id === layerId)) return new Response("unknown layer", { status: 404 });

  const lines = layerCsvLines(session.shop, layerId, deps);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="evergreen-${layerId.replace(/[^a-z0-9-]/gi, "")}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
