/**
 * Campaign hot paths on synthetic data: audience evaluation and experiment
 * assignment for N customers (default 1,000,000), and result computation
 * (conversion comparison, sequential test, revenue bootstrap).
 *
 *   npx tsx bench/campaigns-bench.ts [customers] [bootstrapResamples]
 */
import {
  bootstrapMeanDifference,
  compareProportions,
  compileAudience,
  placeCustomer,
  sequentialConversionTest,
  type AudienceFacts,
} from "~/domain/campaigns";
import { seededRandom } from "~/domain/random";
import { DEFAULT_LAYERS } from "~/domain/segments";

const n = Number(process.argv[2] ?? 1_000_000);
const resamples = Number(process.argv[3] ?? 200);
const random = seededRandom(2026);
const layers = DEFAULT_LAYERS.map((l) => l.id);
const stages = ["new", "growing", "mature", "at-risk", "churned"];
const risks = ["low", "medium", "high", null];
const tiers = ["silver", "gold", "diamond", null];

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const customers: (AudienceFacts & { customerGid: string })[] = Array.from({ length: n }, (_, i) => ({
  customerGid: `gid://shopify/Customer/${7_000_000_000 + i}`,
  layerId: layers[Math.floor(random() * layers.length)],
  lifecycleStage: stages[Math.floor(random() * stages.length)],
  churnRisk: risks[Math.floor(random() * risks.length)],
  tier: tiers[Math.floor(random() * tiers.length)],
}));

const audience = { layerIds: ["about-to-sleep", "at-risk-high-value", "churn-risk"], churnRisks: ["medium" as const, "high" as const] };
let t = process.hrtime.bigint();
const matches = compileAudience(audience);
const matched = customers.filter(matches);
const audienceMs = ms(t);

t = process.hrtime.bigint();
const counts = { control: 0, treatment: 0, not_yet: 0 };
for (const c of customers) counts[placeCustomer("bench.myshopify.com", "campaign-1", c.customerGid, { holdoutShare: 0.1, rolloutShare: 0.5 })]++;
const assignMs = ms(t);

// Results over every customer as if all were assigned: ~10% control, 45% treatment at rollout 0.5.
const revenue = { control: [] as number[], treatment: [] as number[] };
const converted = { control: 0, treatment: 0 };
for (const c of customers) {
  const arm = placeCustomer("bench.myshopify.com", "campaign-1", c.customerGid, { holdoutShare: 0.1, rolloutShare: 0.5 });
  if (arm === "not_yet") continue;
  const buys = random() < (arm === "treatment" ? 0.13 : 0.1);
  if (buys) converted[arm]++;
  revenue[arm].push(buys ? Math.round(4000 - 6000 * Math.log(1 - random())) : 0);
}
t = process.hrtime.bigint();
const arms = { treatment: { customers: revenue.treatment.length, converted: converted.treatment }, control: { customers: revenue.control.length, converted: converted.control } };
const comparison = compareProportions(arms.treatment, arms.control);
const sequential = sequentialConversionTest(arms.treatment, arms.control);
const testsMs = ms(t);
t = process.hrtime.bigint();
const boot = bootstrapMeanDifference(Float64Array.from(revenue.treatment), Float64Array.from(revenue.control), seededRandom(1), { resamples });
const bootMs = ms(t);

const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });
console.log(`customers: ${fmt(n)}`);
console.log(`audience evaluation: ${fmt(audienceMs)} ms (${fmt(matched.length)} matched; ${fmt((audienceMs * 1e6) / n)} ns/customer)`);
console.log(`assignment (hash + arms): ${fmt(assignMs)} ms (control ${fmt(counts.control)}, treatment ${fmt(counts.treatment)}, not yet ${fmt(counts.not_yet)}; ${fmt((assignMs * 1e6) / n)} ns/customer)`);
console.log(`conversion comparison + sequential test: ${fmt(testsMs)} ms (uplift ${(comparison.difference * 100).toFixed(2)} points, mSPRT rejects: ${sequential.rejectsNull})`);
console.log(`revenue bootstrap, ${resamples} resamples over ${fmt(arms.treatment.customers + arms.control.customers)} customers: ${fmt(bootMs)} ms (difference ${fmt(boot.difference)} minor, 95% [${fmt(boot.interval[0])}, ${fmt(boot.interval[1])}])`);
