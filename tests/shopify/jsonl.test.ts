import { describe, expect, it } from "vitest";
import { groupBulkObjects, readBulkJsonl, type BulkJsonlLine } from "~/shopify/jsonl.server";
import { BulkDownloadError, BulkJsonlOrderError, BulkJsonlParseError } from "~/shopify/errors";

// ---------------------------------------------------------------- helpers

const URL = "https://storage.example/bulk/123.jsonl?signature=abc";
const encoder = new TextEncoder();

/** A body delivered in chunks of `chunkSize` bytes (so lines and characters split across reads). */
function chunkedStream(bytes: Uint8Array, chunkSize: number, onCancel?: () => void): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.slice(at, at + chunkSize));
        at += chunkSize;
      },
      cancel() {
        onCancel?.();
      },
    },
    { highWaterMark: 0 },
  );
}

interface ServedRequest {
  url: string;
  range: string | null;
}

/** A file server that honours Range (206) or ignores it (200). */
function fileServer(file: Uint8Array, options: { honourRange: boolean; chunkSize?: number }) {
  const requests: ServedRequest[] = [];
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const range = new Headers(init?.headers).get("range");
    requests.push({ url: input, range });
    const chunkSize = options.chunkSize ?? 64;
    const match = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (match && options.honourRange) {
      const start = Number(match[1]);
      if (start >= file.byteLength) return new Response(null, { status: 416, headers: { "content-range": `bytes */${file.byteLength}` } });
      return new Response(chunkedStream(file.subarray(start), chunkSize), {
        status: 206,
        headers: { "content-range": `bytes ${start}-${file.byteLength - 1}/${file.byteLength}` },
      });
    }
    return new Response(chunkedStream(file, chunkSize), { status: 200 });
  };
  return { fetch, requests };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Expected lines and byte offsets, computed independently with Buffer.byteLength. */
function expectedLines(text: string): BulkJsonlLine[] {
  const out: BulkJsonlLine[] = [];
  let offset = 0;
  for (const piece of text.split("\n")) {
    const width = Buffer.byteLength(piece, "utf8");
    const hasNewline = offset + width < Buffer.byteLength(text, "utf8");
    const endByte = offset + width + (hasNewline ? 1 : 0);
    if (piece.trim() !== "") out.push({ line: JSON.parse(piece), startByte: offset, endByte });
    offset = endByte;
  }
  return out;
}

// Multi-byte characters of every width: 2 (ë, é), 3 (€, 日本), 4 (🌲, 👩‍👩‍👧).
const LINES = [
  { id: "gid://shopify/Customer/1", firstName: "Zoë", lastName: "Brontë", tags: ["vip"] },
  { id: "gid://shopify/Customer/2", firstName: "日本", note: "€ 12,50" },
  { id: "gid://shopify/Customer/3", firstName: "🌲", lastName: "👩‍👩‍👧", email: "a@example.com" },
  { id: "gid://shopify/Customer/4", firstName: "José", quote: 'say "hi"\nnewline escaped' },
];
const TEXT = LINES.map((l) => JSON.stringify(l)).join("\n") + "\n";
const FILE = encoder.encode(TEXT);

// ---------------------------------------------------------------- tests

describe("readBulkJsonl", () => {
  it("yields each line with exact UTF-8 byte offsets", async () => {
    const { fetch } = fileServer(FILE, { honourRange: true });
    const lines = await collect(readBulkJsonl(URL, { fetch }));

    expect(lines).toEqual(expectedLines(TEXT));
    expect(lines.map((l) => l.line)).toEqual(LINES);
    expect(lines.at(-1)!.endByte).toBe(FILE.byteLength);
    // Offsets are bytes, not UTF-16 units: the first line is wider than its string length.
    expect(lines[0].endByte).toBeGreaterThan(JSON.stringify(LINES[0]).length + 1);
  });

  it("gives the same answer whatever the chunking, including chunks splitting characters", async () => {
    const expected = expectedLines(TEXT);
    for (let chunkSize = 1; chunkSize <= 23; chunkSize++) {
      const { fetch } = fileServer(FILE, { honourRange: true, chunkSize });
      expect(await collect(readBulkJsonl(URL, { fetch })), `chunk size ${chunkSize}`).toEqual(expected);
    }
  });

  it("handles CRLF line ends, blank lines and a last line without a newline", async () => {
    const text = '{"a":"é"}\r\n\r\n{"b":2}\r\n\n{"c":"🌲"}';
    const { fetch } = fileServer(encoder.encode(text), { honourRange: true, chunkSize: 3 });

    const lines = await collect(readBulkJsonl(URL, { fetch }));

    expect(lines).toEqual([
      { line: { a: "é" }, startByte: 0, endByte: 12 },
      { line: { b: 2 }, startByte: 14, endByte: 23 },
      { line: { c: "🌲" }, startByte: 24, endByte: 36 },
    ]);
    expect(Buffer.byteLength(text)).toBe(36);
  });

  it.each([
    ["honours Range (206)", true],
    ["ignores Range (200)", false],
  ])("resumes from any line boundary when the server %s", async (_label, honourRange) => {
    const all = expectedLines(TEXT);
    for (const [index, checkpoint] of all.entries()) {
      for (const chunkSize of [1, 5, 64]) {
        const { fetch, requests } = fileServer(FILE, { honourRange, chunkSize });
        const rest = await collect(readBulkJsonl(URL, { fetch, fromByte: checkpoint.endByte }));
        expect(rest, `from ${checkpoint.endByte}, chunks of ${chunkSize}`).toEqual(all.slice(index + 1));
        expect(requests[0].range).toBe(`bytes=${checkpoint.endByte}-`);
      }
    }
  });

  it("sends no Range header from the start", async () => {
    const { fetch, requests } = fileServer(FILE, { honourRange: true });
    await collect(readBulkJsonl(URL, { fetch }));
    expect(requests).toEqual([{ url: URL, range: null }]);
  });

  it("refuses a checkpoint past the end of a file served whole", async () => {
    const { fetch } = fileServer(FILE, { honourRange: false });
    await expect(collect(readBulkJsonl(URL, { fetch, fromByte: FILE.byteLength + 10 }))).rejects.toThrow(RangeError);
  });

  it("reports a malformed line with its byte offsets, after yielding the good lines before it", async () => {
    const text = `{"id":"gid://shopify/Customer/1","n":"ë"}\n{"id": broken}\n{"id":"x"}\n`;
    const { fetch } = fileServer(encoder.encode(text), { honourRange: true, chunkSize: 7 });
    const seen: BulkJsonlLine[] = [];

    const error = await (async () => {
      for await (const line of readBulkJsonl(URL, { fetch })) seen.push(line);
    })().catch((e: unknown) => e);

    const firstEnd = Buffer.byteLength(`{"id":"gid://shopify/Customer/1","n":"ë"}\n`);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(BulkJsonlParseError);
    expect((error as BulkJsonlParseError).startByte).toBe(firstEnd);
    expect((error as BulkJsonlParseError).endByte).toBe(firstEnd + Buffer.byteLength(`{"id": broken}\n`));
    expect((error as Error).message).toContain(`bytes ${firstEnd}-`);
  });

  it("rejects lines that are JSON but not objects", async () => {
    const { fetch } = fileServer(encoder.encode(`[1,2]\n`), { honourRange: true });
    await expect(collect(readBulkJsonl(URL, { fetch }))).rejects.toBeInstanceOf(BulkJsonlParseError);
  });

  it("streams: the first line arrives before the body ends, and stopping early cancels the download", async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls += 1;
          // An endless file: only streaming can get a line out of it.
          controller.enqueue(encoder.encode(`{"n":${pulls}}\n`));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const fetch = async () => new Response(body, { status: 200 });

    for await (const { line } of readBulkJsonl(URL, { fetch })) {
      expect(line).toEqual({ n: 1 });
      break;
    }

    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThanOrEqual(2);
  });

  it("throws BulkDownloadError for an expired URL, without leaking the signature", async () => {
    const fetch = async () => new Response("<Error>Request has expired</Error>", { status: 403 });
    const error = await collect(readBulkJsonl(URL, { fetch })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkDownloadError);
    expect((error as Error).message).not.toContain("signature");
  });

  it("treats 416 at the end of the file as nothing left to read", async () => {
    const { fetch } = fileServer(FILE, { honourRange: true });
    expect(await collect(readBulkJsonl(URL, { fetch, fromByte: FILE.byteLength }))).toEqual([]);
  });
});

describe("groupBulkObjects", () => {
  const orderLines = [
    { id: "gid://shopify/Order/1", name: "#1001" },
    { id: "gid://shopify/LineItem/11", title: "Tannenbaum 🌲", __parentId: "gid://shopify/Order/1" },
    { id: "gid://shopify/LineItem/12", title: "Café", __parentId: "gid://shopify/Order/1" },
    { id: "gid://shopify/Order/2", name: "#1002" },
    { id: "gid://shopify/Order/3", name: "#1003" },
    { id: "gid://shopify/LineItem/31", title: "Socks", __parentId: "gid://shopify/Order/3" },
  ];
  const text = orderLines.map((l) => JSON.stringify(l)).join("\n") + "\n";

  it("yields each parent with its children and record-boundary offsets", async () => {
    const { fetch } = fileServer(encoder.encode(text), { honourRange: true, chunkSize: 5 });
    const offsets = expectedLines(text);

    const records = await collect(groupBulkObjects(readBulkJsonl(URL, { fetch })));

    expect(records.map((r) => [r.parent.id, r.children.map((c) => c.id)])).toEqual([
      ["gid://shopify/Order/1", ["gid://shopify/LineItem/11", "gid://shopify/LineItem/12"]],
      ["gid://shopify/Order/2", []],
      ["gid://shopify/Order/3", ["gid://shopify/LineItem/31"]],
    ]);
    expect(records.map((r) => [r.startByte, r.endByte])).toEqual([
      [offsets[0].startByte, offsets[2].endByte],
      [offsets[3].startByte, offsets[3].endByte],
      [offsets[4].startByte, offsets[5].endByte],
    ]);
    expect(records[0].childrenByKey.LineItem).toHaveLength(2);
  });

  it("resuming from a record's endByte yields exactly the following records", async () => {
    const all = await collect(groupBulkObjects(readBulkJsonl(URL, { fetch: fileServer(encoder.encode(text), { honourRange: true }).fetch })));
    const { fetch } = fileServer(encoder.encode(text), { honourRange: false, chunkSize: 3 });

    const rest = await collect(groupBulkObjects(readBulkJsonl(URL, { fetch, fromByte: all[0].endByte })));

    expect(rest).toEqual(all.slice(1));
  });

  it("keeps grandchildren in their root's record", async () => {
    const lines = [
      { id: "gid://shopify/Customer/1" },
      { id: "gid://shopify/Order/1", __parentId: "gid://shopify/Customer/1" },
      { id: "gid://shopify/LineItem/1", __parentId: "gid://shopify/Order/1" },
      { id: "gid://shopify/Customer/2" },
    ].map((line, i) => ({ line, startByte: i * 10, endByte: i * 10 + 10 }));

    const records = await collect(groupBulkObjects(lines));

    expect(records.map((r) => [r.parent.id, Object.keys(r.childrenByKey), r.endByte])).toEqual([
      ["gid://shopify/Customer/1", ["Order", "LineItem"], 30],
      ["gid://shopify/Customer/2", [], 40],
    ]);
  });

  it("refuses ungrouped output instead of attaching a child to the wrong parent", async () => {
    const lines = [
      { id: "gid://shopify/Order/1" },
      { id: "gid://shopify/Order/2" },
      { id: "gid://shopify/LineItem/11", __parentId: "gid://shopify/Order/1" },
    ].map((line, i) => ({ line, startByte: i * 10, endByte: i * 10 + 10 }));

    const error = await collect(groupBulkObjects(lines)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BulkJsonlOrderError);
    expect((error as BulkJsonlOrderError).startByte).toBe(20);
  });

  it("groups children under a custom key", async () => {
    const lines = [{ id: "p" }, { id: "c", kind: "variant", __parentId: "p" }].map((line, i) => ({ line, startByte: i, endByte: i + 1 }));
    const [record] = await collect(groupBulkObjects(lines, { childKeyFor: (l) => String(l.kind) }));
    expect(Object.keys(record.childrenByKey)).toEqual(["variant"]);
  });
});
