/**
 * A worker process for tests/jobs/queue.e2e.test.ts: runs the "test.record"
 * queue against DATABASE_URL, appending "start|end <jobId> <shop> <ms>" lines
 * to RECORD_FILE, until killed or SIGTERM.
 */
import { appendFileSync } from "node:fs";
import { createPrismaClient } from "~/db.server";
import { JobQueue } from "~/jobs/queue.server";

const db = createPrismaClient(process.env.DATABASE_URL!);
const file = process.env.RECORD_FILE!;
const queue = new JobQueue({
  db,
  provider: process.env.DATABASE_URL!.startsWith("postgres") ? "postgresql" : "sqlite",
  leaseMs: Number(process.env.LEASE_MS ?? 1500),
  pollMs: 20,
  concurrency: 3,
  workerId: process.env.WORKER_ID,
  queues: {
    "test.record": {
      perShopConcurrency: 1,
      handler: async ({ job }) => {
        appendFileSync(file, `start ${job.id} ${job.shopDomain} ${Date.now()}\n`);
        await new Promise((r) => setTimeout(r, Number(process.env.WORK_MS ?? 30)));
        appendFileSync(file, `end ${job.id} ${job.shopDomain} ${Date.now()}\n`);
      },
    },
  },
});
queue.start();
appendFileSync(file, `ready ${process.pid}\n`);
process.on("SIGTERM", () => {
  void queue.stop().then(() => db.$disconnect()).then(() => process.exit(0));
});
