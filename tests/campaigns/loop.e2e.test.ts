/**
 * The whole campaign loop offline (scripts/campaign-loop.ts): a dev-store
 * server process, the app's webhook routes over HTTP and its services. A
 * campaign with a reward code and a Flow step on a layer audience is launched
 * and run through the Admin API; the dev store's shoppers respond with a known
 * injected effect (treated ones order at p1, using their code, the rest at
 * p0); the orders reach the app as signed webhooks; the results report the
 * arms, an interval that covers the injected effect, and a verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCampaignLoop, runCampaignLoop, type CampaignLoopResult } from "../../scripts/campaign-loop";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

const P0 = 0.1;
const P1 = 0.45;
let tdb: TestDatabase;
let loop: CampaignLoopResult;

beforeAll(async () => {
  tdb = await createTestDatabase();
  loop = await runCampaignLoop({ db: tdb.prisma, databaseUrl: tdb.url, seed: "1", orders: 3000, baselineRate: P0, treatedRate: P1, holdoutShare: 0.5, minAudience: 400, maxAudience: 600 });
}, 600_000);

afterAll(async () => {
  await tdb?.cleanup();
});

describe("campaign loop, launch to result, against a dev-store process", () => {
  it("GIVEN a layer audience WHEN the campaign runs THEN every treated customer gets a code and a Flow trigger, and the holdout nothing", () => {
    const { results, run } = loop;
    expect(loop.layerIds.length).toBeGreaterThan(0);
    expect(results.treatment.customers + results.control.customers).toBeGreaterThanOrEqual(400);
    expect(results.control.customers).toBeGreaterThanOrEqual(100);
    expect(loop.codesIssued).toBe(results.treatment.customers);
    expect(loop.flowTriggers).toBe(results.treatment.customers);
    expect(run.actionsApplied).toBe(2 * results.treatment.customers);
    expect(run.actionsFailed).toBe(0);
    expect(results.costMinor).toBe(1000 * results.treatment.customers);
  });

  it("GIVEN the injected effect THEN the store saw exactly the treated arm as treated, and every response reached the app through webhooks", () => {
    const { responses, results } = loop;
    expect(responses.treated).toBe(results.treatment.customers);
    expect(responses.untreated).toBe(results.control.customers);
    expect(loop.ordersSynced).toBe(responses.orderIds.length);
    expect(loop.ordersReconciled).toBe(0);
    // A 503 (the app's back-pressure) is redelivered and not counted here. On a starved machine a delivery
    // can also time out waiting for a pooled connection (PostgreSQL; Prisma's P2028): answered 500, redelivered,
    // applied later (checked above). Any other failure is a bug.
    expect(loop.webhookFailures.filter((f) => !/Unable to start a transaction in the given time/.test(f.error ?? ""))).toEqual([]);
    expect(results.treatment.converted).toBe(responses.orders.treated);
    expect(results.control.converted).toBe(responses.orders.untreated);
    // Every treated buyer used their campaign code.
    expect(responses.codesUsed).toBe(responses.orders.treated);
  });

  it("THEN the results' always-valid interval covers the injected effect and the verdict calls the treatment better", () => {
    const { verdict } = loop.results;
    console.info(`\n${formatCampaignLoop(loop)}\n`);
    expect(verdict.kind).toBe("treatment_better");
    const [low, high] = verdict.sequential!.interval;
    expect(low).toBeLessThanOrEqual(P1 - P0);
    expect(high).toBeGreaterThanOrEqual(P1 - P0);
    expect(low).toBeGreaterThan(0);
    expect(loop.results.revenueDifference!.difference).toBeGreaterThan(0);
  });
});
