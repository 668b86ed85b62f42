/**
 * A 53-bit hash (exact in a float column on both databases) built field by
 * field: two independent 32-bit lanes (FNV-1a and a multiplicative mix) over
 * the fields' bits. Used where a pass compares a million customers' states
 * with what it stored: mixing numbers directly costs a fraction of hashing
 * their text. A collision would leave one row unwritten until its next change.
 *
 * One hash at a time (module state, synchronous): `hashStart`, the mixes, `hashEnd`.
 *
 * @example
 * hashStart(); mixNumber(3); mixString("vip"); mixNullable(null); const h = hashEnd();
 */

let laneA = 0;
let laneB = 0;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const strings = new Map<string, number>();

export function hashStart(): void {
  laneA = 0x811c9dc5;
  laneB = 0x9e3779b9;
}

function mixWord(w: number): void {
  laneA = Math.imul(laneA ^ w, 0x01000193);
  laneB = Math.imul(laneB ^ w, 0x5bd1e995);
  laneB ^= laneB >>> 15;
}

/** A number's IEEE bits (0 and -0 alike), so every float hashes exactly. */
export function mixNumber(v: number): void {
  f64[0] = v === 0 ? 0 : v;
  mixWord(u32[0]);
  mixWord(u32[1]);
}

/** A number or null, told apart from every number. */
export function mixNullable(v: number | null): void {
  if (v === null) {
    mixWord(0x7ff80001); // a NaN payload no arithmetic produces, in the high word's place
    mixWord(0x7ff80001);
  } else {
    mixNumber(v);
  }
}

/** A string, through a cache of its own hash: a pass hashes the same few layer ids and rules a million times. */
export function mixString(s: string | null): void {
  if (s === null) {
    mixNullable(null);
    return;
  }
  let h = strings.get(s);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = (Math.imul(h ^ s.length, 0x5bd1e995) >>> 0) + 1; // + 1: never 0, unlike a string's FNV can be
    if (strings.size >= 4_096) strings.clear();
    strings.set(s, h);
  }
  mixWord(h);
  mixWord(s.length);
}

export function hashEnd(): number {
  return (laneB >>> 11) * 0x100000000 + (laneA >>> 0);
}
