/**
 * GET /app/data/exports/:exportId: a customers/data_request export as a JSON
 * file, only for the shop of the session (another shop's id is a 404).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "~/db.server";
import { dataExportDocument } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const found = await dataExportDocument(session.shop, params.exportId ?? "", { db: prisma });
  if (!found) return new Response("not found", { status: 404 });
  return new Response(found.document, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="customer-${found.customerId}-data.json"`,
      "Cache-Control": "no-store",
    },
  });
};
