/**
 * Reads a request body with a size cap, for the public endpoints that take
 * JSON from outside Shopify's signed channels (the web pixel, the loyalty
 * activity API): stops reading past the cap instead of buffering whatever a
 * client sends, with or without a Content-Length.
 */

/** The body as text, or null when it is longer than `limit` bytes (read no further than that). */
export async function readBodyAtMost(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
