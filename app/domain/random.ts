/** A uniform [0, 1) generator. */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): small, fast, seedable; for
 * simulations and synthetic data, never for anything secret.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
