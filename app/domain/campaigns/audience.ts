/** Whether a customer is in a campaign's audience. */
import type { Audience } from "./definition";

/** What the audience is evaluated on: one customer's stored insight and tier. */
export interface AudienceFacts {
  layerId: string;
  lifecycleStage: string;
  churnRisk: string | null;
  tier: string | null;
  /** Layers the customer entered since the campaign's previous run. */
  enteredLayerIds?: readonly string[];
}

/**
 * The audience as a predicate, its lists turned into sets once (a shop-wide
 * evaluation calls it for every customer). AND across the audience's
 * dimensions, OR within one; a missing or empty dimension does not restrict.
 */
export function compileAudience(audience: Audience): (facts: AudienceFacts) => boolean {
  const set = (list: readonly string[] | undefined) => (list && list.length > 0 ? new Set(list) : null);
  const layers = set(audience.layerIds);
  const risks = set(audience.churnRisks);
  const stages = set(audience.lifecycleStages);
  const tiers = set(audience.tiers);
  const entered = set(audience.enteredLayerIds);
  const has = (s: Set<string> | null, value: string | null) => s === null || (value !== null && s.has(value));
  return (facts) =>
    has(layers, facts.layerId) &&
    has(risks, facts.churnRisk) &&
    has(stages, facts.lifecycleStage) &&
    has(tiers, facts.tier) &&
    (entered === null || (facts.enteredLayerIds ?? []).some((id) => entered.has(id)));
}

/** {@link compileAudience} for one customer. */
export function inAudience(audience: Audience, facts: AudienceFacts): boolean {
  return compileAudience(audience)(facts);
}
