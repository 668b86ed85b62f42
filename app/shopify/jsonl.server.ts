import { BulkDownloadError, BulkJsonlOrderError, BulkJsonlParseError } from "./errors";

/** One line of a bulk operation's JSONL result, with where it sits in the file. */
export interface BulkJsonlLine {
  line: Record<string, unknown>;
  /** Offset of the line's first byte in the whole file. */
  startByte: number;
  /** Offset just past the line's newline: resume from here to read the next line. */
  endByte: number;
}

export interface ReadBulkJsonlOptions {
  /**
   * Resume from this byte offset (an `endByte` seen before). Sent as
   * `Range: bytes=N-`; when the server ignores it and answers 200, the first
   * N bytes are skipped here. Default 0.
   */
  fromByte?: number;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  signal?: AbortSignal;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Streams a bulk operation's JSONL result line by line, never holding more
 * than the current line (plus one network chunk) in memory.
 *
 * Offsets count bytes, not characters: UTF-8 multi-byte characters take
 * their full width, and lines are split on the newline byte (which never
 * occurs inside a multi-byte sequence) before decoding, so characters cut
 * across network chunks decode correctly. CRLF line ends are accepted; a last
 * line without a newline is yielded; blank lines are skipped.
 *
 * @throws BulkDownloadError when the URL answers other than 200/206 (an
 *   expired URL answers 403: results live 7 days), or 416 beyond the end.
 * @throws BulkJsonlParseError for a line that is not a JSON object, with its byte offsets.
 * @example
 * for await (const { line, endByte } of readBulkJsonl(op.url, { fromByte: checkpoint })) { ... }
 */
export async function* readBulkJsonl(
  url: string,
  options: ReadBulkJsonlOptions = {},
): AsyncGenerator<BulkJsonlLine, void, undefined> {
  const fromByte = options.fromByte ?? 0;
  if (!Number.isSafeInteger(fromByte) || fromByte < 0) {
    throw new RangeError(`fromByte must be a non-negative integer, got ${fromByte}`);
  }
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const response = await doFetch(url, {
    headers: fromByte > 0 ? { Range: `bytes=${fromByte}-` } : {},
    signal: options.signal,
  });

  if (response.status === 416 && fromByte > 0) {
    // Resuming exactly at (or past) the end: nothing left to read.
    await response.body?.cancel();
    return;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new BulkDownloadError(response.status, url);
  }

  // Bytes to drop from the start of the body: all of the prefix when the
  // server ignored Range and sent the whole file.
  let toSkip = 0;
  if (response.status === 206) {
    const start = /^bytes\s+(\d+)-/i.exec(response.headers.get("content-range") ?? "")?.[1];
    if (start !== undefined && Number(start) !== fromByte) {
      await response.body?.cancel();
      throw new BulkDownloadError(response.status, url);
    }
  } else {
    toSkip = fromByte;
  }

  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });

  /** Absolute offset of the first byte of `chunk`. */
  let chunkOffset = fromByte - toSkip;
  /** Bytes of the current line that arrived in earlier chunks. */
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let lineStart = fromByte;

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = value;
      if (toSkip > 0) {
        if (chunk.byteLength <= toSkip) {
          toSkip -= chunk.byteLength;
          chunkOffset += chunk.byteLength;
          continue;
        }
        chunk = chunk.subarray(toSkip);
        chunkOffset += toSkip;
        toSkip = 0;
      }

      let position = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, position);
        if (newline === -1) break;
        const piece = chunk.subarray(position, newline);
        const bytes = pendingLength > 0 ? concat(pending, pendingLength, piece) : piece;
        pending = [];
        pendingLength = 0;
        const endByte = chunkOffset + newline + 1;
        const parsed = parseLine(decoder, bytes, lineStart, endByte);
        if (parsed) yield { line: parsed, startByte: lineStart, endByte };
        lineStart = endByte;
        position = newline + 1;
      }
      if (position < chunk.byteLength) {
        // Copy: the stream may reuse its buffer for the next chunk.
        const rest = chunk.slice(position);
        pending.push(rest);
        pendingLength += rest.byteLength;
      }
      chunkOffset += chunk.byteLength;
    }

    if (toSkip > 0) {
      // The file is shorter than fromByte: the checkpoint does not belong to it.
      throw new RangeError(`fromByte ${fromByte} is past the end of the file (${fromByte - toSkip} bytes)`);
    }
    if (pendingLength > 0) {
      const bytes = concat(pending, pendingLength);
      const parsed = parseLine(decoder, bytes, lineStart, lineStart + pendingLength);
      if (parsed) yield { line: parsed, startByte: lineStart, endByte: lineStart + pendingLength };
    }
  } finally {
    reader.releaseLock();
    // Stop the download when the consumer stops early (break, throw).
    await response.body.cancel().catch(() => undefined);
  }
}

function concat(parts: Uint8Array[], length: number, tail?: Uint8Array): Uint8Array {
  const out = new Uint8Array(length + (tail?.byteLength ?? 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  if (tail) out.set(tail, at);
  return out;
}

/** Parses one line's bytes (newline excluded); null for a blank line. */
function parseLine(decoder: TextDecoder, raw: Uint8Array, startByte: number, endByte: number): Record<string, unknown> | null {
  const bytes = raw.byteLength > 0 && raw[raw.byteLength - 1] === CARRIAGE_RETURN ? raw.subarray(0, raw.byteLength - 1) : raw;
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    throw new BulkJsonlParseError(startByte, endByte, "", error);
  }
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BulkJsonlParseError(startByte, endByte, text.slice(0, 80), error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BulkJsonlParseError(startByte, endByte, text.slice(0, 80), new Error("not a JSON object"));
  }
  return value as Record<string, unknown>;
}

/** A root object of a bulk result with the child lines that belong to it. */
export interface BulkRecord<P = Record<string, unknown>, C = Record<string, unknown>> {
  parent: P;
  /** Children (and grandchildren) in file order; each carries `__parentId`. */
  children: C[];
  /** The same children keyed by `childKeyFor` (default: the GID's type, e.g. `LineItem`). */
  childrenByKey: Record<string, C[]>;
  /** Offset of the parent's line. */
  startByte: number;
  /** Offset after the record's last line: a checkpoint at a record boundary. */
  endByte: number;
}

export interface GroupBulkObjectsOptions {
  /** Key children are grouped under in `childrenByKey`. Default: the type in the child's GID. */
  childKeyFor?: (line: Record<string, unknown>) => string;
}

/**
 * Groups bulk JSONL lines into root objects with their children.
 *
 * Needs grouped output (`groupObjects: true`, which `startBulkQuery` sends by
 * default): children directly after their parent, grandchildren after their
 * own parent inside the same record. A child of anything but the record being
 * built means ungrouped output and throws rather than mis-assigning it.
 * Types `P`/`C` are asserted, not checked.
 *
 * @throws BulkJsonlOrderError for a child that does not belong to the current record.
 * @example
 * for await (const order of groupBulkObjects(readBulkJsonl(url))) {
 *   await saveOrder(order.parent, order.childrenByKey.LineItem ?? []);
 *   await checkpoint(order.endByte);
 * }
 */
export async function* groupBulkObjects<P = Record<string, unknown>, C = Record<string, unknown>>(
  lines: AsyncIterable<BulkJsonlLine> | Iterable<BulkJsonlLine>,
  options: GroupBulkObjectsOptions = {},
): AsyncGenerator<BulkRecord<P, C>, void, undefined> {
  const childKeyFor = options.childKeyFor ?? gidType;
  let current: BulkRecord<P, C> | undefined;
  let ids = new Set<string>();

  for await (const { line, startByte, endByte } of lines) {
    const parentId = line.__parentId;
    if (typeof parentId !== "string") {
      if (current) yield current;
      current = { parent: line as P, children: [], childrenByKey: {}, startByte, endByte };
      ids = new Set(typeof line.id === "string" ? [line.id] : []);
      continue;
    }
    if (!current || !ids.has(parentId)) throw new BulkJsonlOrderError(startByte, parentId);
    current.children.push(line as C);
    const key = childKeyFor(line);
    (current.childrenByKey[key] ??= []).push(line as C);
    current.endByte = endByte;
    if (typeof line.id === "string") ids.add(line.id);
  }
  if (current) yield current;
}

/** `gid://shopify/LineItem/123` → `LineItem`; `unknown` when the line has no GID. */
export function gidType(line: Record<string, unknown>): string {
  const id = line.id;
  if (typeof id !== "string") return "unknown";
  return /^gid:\/\/shopify\/([^/]+)\//.exec(id)?.[1] ?? "unknown";
}
