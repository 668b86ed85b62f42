/**
 * Recommendations from what customers bought, carted and viewed:
 *
 * - Item-to-item similarity (cosine over customers' weighted interactions:
 *   a purchase counts 1, an add-to-cart 0.5, a view 0.2), each item keeping
 *   its strongest neighbours. "Recommended for you" sums the neighbours of a
 *   customer's recent items, weighted by recency, leaving out what they have
 *   already bought (re-buying is replenishment's job) and filling up with the
 *   shop's most popular items.
 * - "Often bought together": co-purchase within the same order.
 * - An offline evaluation (hold out each repeat customer's last order) against
 *   a popularity baseline.
 */

export const INTERACTION_WEIGHT = { purchase: 1, cart: 0.5, view: 0.2 } as const;

export interface Interaction {
  customer: string;
  item: string;
  /** Epoch ms. */
  at: number;
  weight: number;
}

export interface ScoredItem {
  item: string;
  score: number;
}

export interface ItemSimilarityModel {
  items: string[];
  index: Map<string, number>;
  /** Per item index: its neighbours (item index, cosine similarity), strongest first. */
  neighbours: { item: number; score: number }[][];
  /** Per item index: distinct customers who interacted with it. */
  popularity: Int32Array;
  /** Item indexes by popularity, most popular first. */
  popular: number[];
}

export interface TrainOptions {
  /** A customer's most recent distinct items considered (bounds the pair count per customer). Default 100. */
  maxItemsPerCustomer?: number;
  /** Neighbours kept per item. Default 50. */
  neighbours?: number;
}

export function trainItemSimilarity(interactions: Iterable<Interaction>, options: TrainOptions = {}): ItemSimilarityModel {
  const maxItems = options.maxItemsPerCustomer ?? 100;
  const keep = options.neighbours ?? 50;
  const index = new Map<string, number>();
  const items: string[] = [];
  // customer → item index → [weight sum, last seen]
  const byCustomer = new Map<string, Map<number, [number, number]>>();
  for (const x of interactions) {
    let i = index.get(x.item);
    if (i === undefined) {
      i = items.length;
      index.set(x.item, i);
      items.push(x.item);
    }
    let seen = byCustomer.get(x.customer);
    if (!seen) byCustomer.set(x.customer, (seen = new Map()));
    const cell = seen.get(i);
    if (cell) {
      cell[0] += x.weight;
      cell[1] = Math.max(cell[1], x.at);
    } else seen.set(i, [x.weight, x.at]);
  }

  // Each customer's items (most recent `maxItems`) with dampened weights: one
  // customer buying an item fifty times is not fifty customers.
  const n = items.length;
  const norm = new Float64Array(n);
  const popularity = new Int32Array(n);
  const baskets: { items: Int32Array; weights: Float64Array }[] = [];
  const customersOf: number[][] = Array.from({ length: n }, () => []);
  for (const seen of byCustomer.values()) {
    let entries = [...seen.entries()];
    if (entries.length > maxItems) entries = entries.sort((a, b) => b[1][1] - a[1][1]).slice(0, maxItems);
    const basket = { items: Int32Array.from(entries, ([i]) => i), weights: Float64Array.from(entries, ([, [w]]) => Math.log1p(w)) };
    const b = baskets.push(basket) - 1;
    for (let a = 0; a < basket.items.length; a++) {
      const i = basket.items[a]!;
      norm[i] += basket.weights[a]! ** 2;
      popularity[i]++;
      customersOf[i]!.push(b);
    }
  }

  // Row by row: item i's co-occurrence with every item, accumulated in one
  // dense scratch row (a sparse matrix product without maps), then its top `keep`.
  const row = new Float64Array(n);
  const touched: number[] = [];
  const all: { item: number; score: number }[][] = [];
  for (let i = 0; i < n; i++) {
    for (const b of customersOf[i]!) {
      const { items: its, weights } = baskets[b]!;
      let wi = 0;
      for (let a = 0; a < its.length; a++) if (its[a] === i) wi = weights[a]!;
      for (let a = 0; a < its.length; a++) {
        const j = its[a]!;
        if (j === i) continue;
        if (row[j] === 0) touched.push(j);
        row[j] += wi * weights[a]!;
      }
    }
    const list = touched.map((j) => ({ item: j, score: row[j]! / Math.sqrt(norm[i]! * norm[j]!) }));
    for (const j of touched) row[j] = 0;
    touched.length = 0;
    all.push(list);
  }
  const neighbours = all.map((list) => list.sort((a, b) => b.score - a.score || a.item - b.item).slice(0, keep));
  const popular = [...items.keys()].sort((a, b) => popularity[b]! - popularity[a]! || a - b);
  return { items, index, neighbours, popularity, popular };
}

export interface RecommendOptions {
  k?: number;
  /** Items never to recommend (already bought, out of stock). */
  exclude?: ReadonlySet<string>;
  now: number;
  /** An interaction's weight halves every this many days. Default 60. */
  halfLifeDays?: number;
}

/** "Recommended for you": the neighbours of the customer's items, by recency-weighted similarity, then popular items. */
export function recommendForCustomer(model: ItemSimilarityModel, history: readonly Interaction[], options: RecommendOptions): ScoredItem[] {
  const k = options.k ?? 10;
  const halfLifeMs = (options.halfLifeDays ?? 60) * 86400_000;
  const exclude = options.exclude ?? new Set<string>();
  const scores = new Map<number, number>();
  for (const h of history) {
    const i = model.index.get(h.item);
    if (i === undefined) continue;
    const recency = Math.pow(0.5, Math.max(0, options.now - h.at) / halfLifeMs);
    for (const { item, score } of model.neighbours[i]!) scores.set(item, (scores.get(item) ?? 0) + h.weight * recency * score);
  }
  const ranked = [...scores.entries()]
    .filter(([i]) => !exclude.has(model.items[i]!))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i, score]) => ({ item: model.items[i]!, score }));
  const chosen = new Set(ranked.map((r) => r.item));
  for (const i of model.popular) {
    if (ranked.length >= k) break;
    const item = model.items[i]!;
    if (exclude.has(item) || chosen.has(item)) continue;
    ranked.push({ item, score: 0 });
    chosen.add(item);
  }
  return ranked;
}

/** The shop's most popular items a customer has not bought: the baseline. */
export function popularFor(model: ItemSimilarityModel, options: { k?: number; exclude?: ReadonlySet<string> }): ScoredItem[] {
  const k = options.k ?? 10;
  const out: ScoredItem[] = [];
  for (const i of model.popular) {
    if (out.length >= k) break;
    const item = model.items[i]!;
    if (!options.exclude?.has(item)) out.push({ item, score: model.popularity[i]! });
  }
  return out;
}

/**
 * "Often bought together" per item: cosine of co-purchase within orders,
 * with at least `minSupport` orders holding both.
 */
export function boughtTogether(orders: Iterable<readonly string[]>, options: { k?: number; minSupport?: number } = {}): Map<string, ScoredItem[]> {
  const k = options.k ?? 10;
  const minSupport = options.minSupport ?? 2;
  const count = new Map<string, number>();
  const pairs = new Map<string, Map<string, number>>();
  for (const order of orders) {
    const unique = [...new Set(order)];
    for (const a of unique) count.set(a, (count.get(a) ?? 0) + 1);
    for (let x = 0; x < unique.length; x++)
      for (let y = x + 1; y < unique.length; y++) {
        const [a, b] = unique[x]! < unique[y]! ? [unique[x]!, unique[y]!] : [unique[y]!, unique[x]!];
        let m = pairs.get(a);
        if (!m) pairs.set(a, (m = new Map()));
        m.set(b, (m.get(b) ?? 0) + 1);
      }
  }
  const out = new Map<string, ScoredItem[]>();
  const add = (a: string, b: string, score: number) => {
    let list = out.get(a);
    if (!list) out.set(a, (list = []));
    list.push({ item: b, score });
  };
  for (const [a, m] of pairs)
    for (const [b, both] of m) {
      if (both < minSupport) continue;
      const score = both / Math.sqrt(count.get(a)! * count.get(b)!);
      add(a, b, score);
      add(b, a, score);
    }
  for (const [item, list] of out) out.set(item, list.sort((x, y) => y.score - x.score || (x.item < y.item ? -1 : 1)).slice(0, k));
  return out;
}

export interface HoldoutOrder {
  customer: string;
  at: number;
  items: readonly string[];
}

export interface HoldoutScore {
  customers: number;
  precisionAtK: number;
  recallAtK: number;
  /** Share of customers with at least one hit. */
  hitRate: number;
}

/**
 * Leave-last-out: each customer with two or more orders has their last order
 * held out; the model trains on every other order (and `extra` interactions
 * such as views before the held-out order). Recommendations exclude what the
 * customer bought before, so hits count only the held-out order's new items;
 * customers whose last order holds nothing new are skipped.
 */
export function evaluateLeaveLastOut(
  orders: readonly HoldoutOrder[],
  options: { k?: number; train?: TrainOptions; halfLifeDays?: number } = {},
): { model: HoldoutScore; popularity: HoldoutScore } {
  const k = options.k ?? 10;
  const byCustomer = new Map<string, HoldoutOrder[]>();
  for (const o of orders) {
    let list = byCustomer.get(o.customer);
    if (!list) byCustomer.set(o.customer, (list = []));
    list.push(o);
  }
  const heldOut = new Map<string, HoldoutOrder>();
  const training: Interaction[] = [];
  for (const [customer, list] of byCustomer) {
    list.sort((a, b) => a.at - b.at);
    const last = list.length >= 2 ? list[list.length - 1]! : null;
    if (last) heldOut.set(customer, last);
    for (const o of list) if (o !== last) for (const item of o.items) training.push({ customer, item, at: o.at, weight: INTERACTION_WEIGHT.purchase });
  }
  const model = trainItemSimilarity(training, options.train);
  const historyOf = new Map<string, Interaction[]>();
  for (const x of training) {
    let list = historyOf.get(x.customer);
    if (!list) historyOf.set(x.customer, (list = []));
    list.push(x);
  }

  const tally = () => ({ customers: 0, precision: 0, recall: 0, hits: 0 });
  const m = tally();
  const p = tally();
  for (const [customer, last] of heldOut) {
    const history = historyOf.get(customer) ?? [];
    const bought = new Set(history.map((h) => h.item));
    const wanted = new Set(last.items.filter((i) => !bought.has(i)));
    if (wanted.size === 0) continue;
    for (const [t, recs] of [
      [m, recommendForCustomer(model, history, { k, exclude: bought, now: last.at, halfLifeDays: options.halfLifeDays })],
      [p, popularFor(model, { k, exclude: bought })],
    ] as const) {
      const hits = recs.filter((r) => wanted.has(r.item)).length;
      t.customers++;
      t.precision += hits / k;
      t.recall += hits / wanted.size;
      t.hits += hits > 0 ? 1 : 0;
    }
  }
  const score = (t: ReturnType<typeof tally>): HoldoutScore => ({
    customers: t.customers,
    precisionAtK: t.customers ? t.precision / t.customers : 0,
    recallAtK: t.customers ? t.recall / t.customers : 0,
    hitRate: t.customers ? t.hits / t.customers : 0,
  });
  return { model: score(m), popularity: score(p) };
}
