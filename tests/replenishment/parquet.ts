/**
 * A minimal Parquet reader for the real data sets in ../shared/datasets
 * (test support only; the project has no Parquet dependency). It reads what
 * those files use: Thrift compact metadata, uncompressed or Snappy pages,
 * data pages v1 and v2, PLAIN and RLE_DICTIONARY / PLAIN_DICTIONARY
 * encodings, optional flat columns (definition levels ≤ 1) of BYTE_ARRAY,
 * INT32, INT64 and DOUBLE. Anything else throws, naming what is missing.
 * Format: https://github.com/apache/parquet-format (parquet.thrift).
 */
import { readFileSync } from "node:fs";

type ThriftValue = number | bigint | boolean | Uint8Array | ThriftStruct | ThriftValue[];
export interface ThriftStruct {
  [fieldId: number]: ThriftValue;
}

class CompactReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    return this.buf[this.pos++];
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  binary(): Uint8Array {
    const length = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  value(type: number): ThriftValue {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return (this.byte() << 24) >> 24;
      case 4:
      case 5:
        return Number(this.zigzag());
      case 6:
        return this.zigzag();
      case 7: {
        const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
        this.pos += 8;
        return view.getFloat64(0, true);
      }
      case 8:
        return this.binary();
      case 9:
      case 10: {
        const header = this.byte();
        let size = header >> 4;
        const elementType = header & 0x0f;
        if (size === 15) size = Number(this.varint());
        const list: ThriftValue[] = [];
        for (let i = 0; i < size; i++) list.push(elementType === 1 || elementType === 2 ? this.byte() === 1 : this.value(elementType));
        return list;
      }
      case 12:
        return this.struct();
      default:
        throw new Error(`parquet: unsupported thrift type ${type}`);
    }
  }

  struct(): ThriftStruct {
    const out: ThriftStruct = {};
    let fieldId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const delta = header >> 4;
      const type = header & 0x0f;
      fieldId = delta === 0 ? Number(this.zigzag()) : fieldId + delta;
      out[fieldId] = this.value(type);
    }
  }
}

/** Snappy raw-format decompression (https://github.com/google/snappy/blob/main/format_description.txt). */
export function snappyDecompress(input: Uint8Array, expectedLength: number): Uint8Array {
  let pos = 0;
  let length = 0;
  let shift = 0;
  for (;;) {
    const b = input[pos++];
    length |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (length !== expectedLength) throw new Error(`snappy: length ${length}, expected ${expectedLength}`);
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < input.length) {
    const tag = input[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const bytes = len - 59;
        len = 0;
        for (let i = 0; i < bytes; i++) len |= input[pos++] << (8 * i);
      }
      len += 1;
      out.set(input.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | input[pos++];
    } else if (kind === 2) {
      len = (tag >> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      len = (tag >> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16) | (input[pos + 3] << 24);
      pos += 4;
    }
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  return out;
}

/** RLE / bit-packed hybrid values (levels and dictionary indices). */
function readHybrid(buf: Uint8Array, start: number, end: number, bitWidth: number, count: number): number[] {
  const out: number[] = [];
  let pos = start;
  const byteWidth = (bitWidth + 7) >> 3;
  while (out.length < count && pos < end) {
    let header = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++];
      header += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    if ((header & 1) === 0) {
      const run = header / 2;
      let value = 0;
      for (let i = 0; i < byteWidth; i++) value |= buf[pos++] << (8 * i);
      for (let i = 0; i < run && out.length < count; i++) out.push(value);
    } else {
      const groups = (header - 1) / 2;
      const total = groups * 8;
      let bitPos = 0;
      const base = pos;
      for (let i = 0; i < total; i++) {
        let value = 0;
        for (let b = 0; b < bitWidth; b++, bitPos++) {
          const bit = (buf[base + (bitPos >> 3)] >> (bitPos & 7)) & 1;
          value |= bit << b;
        }
        if (out.length < count) out.push(value);
      }
      pos = base + groups * bitWidth;
    }
  }
  return out;
}

export type ParquetValue = string | number | bigint | null;

const decoder = new TextDecoder();

function plainValues(buf: Uint8Array, pos: number, type: number, count: number): ParquetValue[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: ParquetValue[] = [];
  for (let i = 0; i < count; i++) {
    if (type === 6) {
      const len = view.getInt32(pos, true);
      out.push(decoder.decode(buf.subarray(pos + 4, pos + 4 + len)));
      pos += 4 + len;
    } else if (type === 1) {
      out.push(view.getInt32(pos, true));
      pos += 4;
    } else if (type === 2) {
      out.push(view.getBigInt64(pos, true));
      pos += 8;
    } else if (type === 5) {
      out.push(view.getFloat64(pos, true));
      pos += 8;
    } else throw new Error(`parquet: unsupported physical type ${type}`);
  }
  return out;
}

export interface ParquetColumn {
  name: string;
  /** Physical type: 1 INT32, 2 INT64, 5 DOUBLE, 6 BYTE_ARRAY. */
  type: number;
  optional: boolean;
  /** Logical / converted annotations, raw. */
  annotation: ThriftStruct | number | undefined;
}

export interface ParquetFile {
  columns: ParquetColumn[];
  rows: number;
  /** Every value of the named columns, row-aligned (null where absent). */
  read(names: readonly string[]): Record<string, ParquetValue[]>;
}

export function openParquet(path: string): ParquetFile {
  const buf = new Uint8Array(readFileSync(path));
  const tail = decoder.decode(buf.subarray(buf.length - 4));
  if (tail !== "PAR1") throw new Error(`${path}: not a Parquet file`);
  const metaLength = new DataView(buf.buffer, buf.byteOffset).getUint32(buf.length - 8, true);
  const meta = new CompactReader(buf.subarray(buf.length - 8 - metaLength, buf.length - 8)).struct();
  const schema = meta[2] as ThriftStruct[];
  const columns: ParquetColumn[] = schema.slice(1).map((el) => ({
    name: decoder.decode(el[4] as Uint8Array),
    type: el[1] as number,
    optional: el[3] === 1,
    annotation: (el[10] as ThriftStruct | undefined) ?? (el[6] as number | undefined),
  }));
  if (schema.slice(1).some((el) => el[5] !== undefined)) throw new Error("parquet: nested schemas are not supported");
  const rowGroups = meta[4] as ThriftStruct[];

  const readChunk = (chunk: ThriftStruct, column: ParquetColumn): ParquetValue[] => {
    const cmeta = chunk[3] as ThriftStruct;
    const codec = cmeta[4] as number;
    const totalValues = Number(cmeta[5] as bigint);
    const dictOffset = cmeta[11] !== undefined ? Number(cmeta[11] as bigint) : undefined;
    const dataOffset = Number(cmeta[9] as bigint);
    let pos = dictOffset !== undefined && dictOffset < dataOffset ? dictOffset : dataOffset;
    let dictionary: ParquetValue[] = [];
    const out: ParquetValue[] = [];
    const decompress = (page: Uint8Array, size: number) => {
      if (codec === 0) return page;
      if (codec === 1) return snappyDecompress(page, size);
      throw new Error(`parquet: unsupported codec ${codec}`);
    };
    while (out.length < totalValues) {
      const reader = new CompactReader(buf.subarray(pos));
      const header = reader.struct();
      pos += reader.pos;
      const pageType = header[1] as number;
      const uncompressed = header[2] as number;
      const compressed = header[3] as number;
      const raw = buf.subarray(pos, pos + compressed);
      pos += compressed;
      if (pageType === 2) {
        const dict = header[7] as ThriftStruct;
        dictionary = plainValues(decompress(raw, uncompressed), 0, column.type, dict[1] as number);
        continue;
      }
      let page: Uint8Array;
      let count: number;
      let encoding: number;
      let defs: number[] | null = null;
      let p = 0;
      if (pageType === 0) {
        const h = header[5] as ThriftStruct;
        count = h[1] as number;
        encoding = h[2] as number;
        page = decompress(raw, uncompressed);
        if (column.optional) {
          const len = new DataView(page.buffer, page.byteOffset).getUint32(0, true);
          defs = readHybrid(page, 4, 4 + len, 1, count);
          p = 4 + len;
        }
      } else if (pageType === 3) {
        const h = header[8] as ThriftStruct;
        count = h[1] as number;
        encoding = h[4] as number;
        const defLen = h[5] as number;
        const repLen = h[6] as number;
        const levels = raw.subarray(0, defLen + repLen);
        const isCompressed = h[7] !== false;
        const body = raw.subarray(defLen + repLen);
        page = new Uint8Array(levels.length + (uncompressed - levels.length));
        page.set(levels, 0);
        page.set(isCompressed ? decompress(body, uncompressed - levels.length) : body, levels.length);
        if (column.optional) defs = readHybrid(page, repLen, repLen + defLen, 1, count);
        p = defLen + repLen;
      } else {
        continue; // index pages
      }
      const present = defs ? defs.filter((d) => d === 1).length : count;
      let values: ParquetValue[];
      if (encoding === 0) values = plainValues(page, p, column.type, present);
      else if (encoding === 2 || encoding === 8) {
        const bitWidth = page[p];
        values = readHybrid(page, p + 1, page.length, bitWidth, present).map((i) => dictionary[i]);
      } else throw new Error(`parquet: unsupported encoding ${encoding} in ${column.name}`);
      let v = 0;
      for (let i = 0; i < count; i++) out.push(defs && defs[i] === 0 ? null : values[v++]);
    }
    return out;
  };

  return {
    columns,
    rows: Number(meta[3] as bigint),
    read(names) {
      const result: Record<string, ParquetValue[]> = {};
      for (const name of names) {
        const index = columns.findIndex((c) => c.name === name);
        if (index < 0) throw new Error(`parquet: no column ${name} (have ${columns.map((c) => c.name).join(", ")})`);
        const values: ParquetValue[] = [];
        for (const group of rowGroups) for (const v of readChunk((group[1] as ThriftStruct[])[index], columns[index])) values.push(v);
        result[name] = values;
      }
      return result;
    },
  };
}
