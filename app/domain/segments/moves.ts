/**
 * Moves between layers from one recomputation to the next, and the upgrade /
 * downgrade rates the admin shows. Direction comes from layer rank.
 */
import type { LayerDefinition } from "./layers";

export type MoveDirection = "up" | "down" | "lateral";

export interface LayerMove {
  customerId: string;
  from: string;
  to: string;
  /** When the move was observed (the recomputation), epoch ms. */
  at: number;
  direction: MoveDirection;
}

/**
 * Customers whose layer changed between two assignments. Customers present in
 * only one map (new sign-ups, erased customers) are entries and exits, not
 * moves. Direction: up when the new layer's rank is higher, down when lower,
 * lateral when equal or when either layer is not in `layers` (renamed or removed).
 *
 * @param at epoch ms stamped on every move
 */
export function diffLayers(
  previous: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
  at: number,
  layers: readonly Pick<LayerDefinition, "id" | "rank">[],
): LayerMove[] {
  const rank = new Map(layers.map((l) => [l.id, l.rank]));
  const moves: LayerMove[] = [];
  for (const [customerId, from] of previous) {
    const to = next.get(customerId);
    if (to === undefined || to === from) continue;
    const a = rank.get(from);
    const b = rank.get(to);
    const direction: MoveDirection = a === undefined || b === undefined || a === b ? "lateral" : b > a ? "up" : "down";
    moves.push({ customerId, from, to, at, direction });
  }
  return moves;
}

export interface MovePeriod {
  /** Inclusive, epoch ms. */
  fromAt: number;
  /** Exclusive, epoch ms. */
  toAt: number;
}

export interface MoveRates {
  period: MovePeriod;
  /** Denominator: customers at the start of the period. */
  customers: number;
  moves: number;
  upgrades: number;
  downgrades: number;
  lateral: number;
  /** Upgrades per customer at the start of the period (0..1 when one recomputation falls in the period). */
  upgradeRate: number;
  downgradeRate: number;
  /** By the layer moved out of; denominators are that layer's size at the start. */
  byLayer: Record<string, { customers: number; upgrades: number; downgrades: number; upgradeRate: number; downgradeRate: number }>;
}

/**
 * Upgrade and downgrade rates over a period.
 *
 * @param moves moves from {@link diffLayers}, any period; those with `at` outside `[fromAt, toAt)` are ignored
 * @param start the layer assignment at the start of the period (the rates' denominators)
 */
export function moveRates(moves: readonly LayerMove[], period: MovePeriod, start: ReadonlyMap<string, string>): MoveRates {
  const sizes = new Map<string, number>();
  for (const layerId of start.values()) sizes.set(layerId, (sizes.get(layerId) ?? 0) + 1);
  const byLayer: MoveRates["byLayer"] = {};
  for (const [layerId, customers] of sizes) byLayer[layerId] = { customers, upgrades: 0, downgrades: 0, upgradeRate: 0, downgradeRate: 0 };
  let upgrades = 0;
  let downgrades = 0;
  let lateral = 0;
  for (const m of moves) {
    if (m.at < period.fromAt || m.at >= period.toAt) continue;
    const entry = (byLayer[m.from] ??= { customers: 0, upgrades: 0, downgrades: 0, upgradeRate: 0, downgradeRate: 0 });
    if (m.direction === "up") { upgrades++; entry.upgrades++; }
    else if (m.direction === "down") { downgrades++; entry.downgrades++; }
    else lateral++;
  }
  const rate = (n: number, d: number) => (d === 0 ? 0 : n / d);
  for (const e of Object.values(byLayer)) {
    e.upgradeRate = rate(e.upgrades, e.customers);
    e.downgradeRate = rate(e.downgrades, e.customers);
  }
  return {
    period, customers: start.size, moves: upgrades + downgrades + lateral, upgrades, downgrades, lateral,
    upgradeRate: rate(upgrades, start.size), downgradeRate: rate(downgrades, start.size), byLayer,
  };
}
