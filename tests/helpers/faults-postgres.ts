/**
 * A private PostgreSQL cluster for the fault tests, started the way
 * scripts/postgres-local.sh starts one, that can be SIGKILLed (postmaster and
 * every backend, as the OOM killer would) and restarted on the same data
 * directory and port, so PostgreSQL's crash recovery runs. Never the shared
 * test cluster. Unlike postgres-local.sh it keeps synchronous_commit on: a
 * commit the app was told about must survive the kill (fsync stays off: the
 * machine does not crash, only the server's processes die).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./faults-storm";

export interface PrivateCluster {
  url: string;
  /** SIGKILL to the postmaster and all its children. */
  kill9(): void;
  /** pg_ctl start on the same data (crash recovery). */
  restart(): void;
  /** Stops it and deletes its data. */
  destroy(): void;
}

function binDir(): string {
  const which = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
  if (which && existsSync(path.join(path.dirname(realpathSync(which)), "initdb"))) return path.dirname(realpathSync(which));
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  throw new Error("PostgreSQL (initdb, pg_ctl) not found");
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the cluster's owner: `postgres` when we are root (PostgreSQL refuses root). */
function asOwner(command: string, args: string[]): string {
  const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-faults-pg-"));
  const data = path.join(dir, "data");
  if (isRoot()) {
    spawnSync("sh", ["-c", "id postgres >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres"]);
    spawnSync("chown", ["postgres:postgres", dir]);
  }
  asOwner(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const hba = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n";
  writeFileSync(path.join(dir, "pg_hba.conf"), hba);
  asOwner("cp", [path.join(dir, "pg_hba.conf"), path.join(data, "pg_hba.conf")]);
  const port = await freePort();
  let killed: number[] = [];
  const start = () =>
    asOwner(path.join(bin, "pg_ctl"), [
      "-D", data, "-l", path.join(data, "server.log"), "-w", "-t", "120",
      "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=100`,
      "start",
    ]);
  start();
  asOwner(path.join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE evergreen"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/evergreen`,
    kill9() {
      const postmaster = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const children = spawnSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);
      killed = [postmaster, ...children];
      for (const pid of killed) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone with the postmaster
        }
      }
    },
    restart() {
      // Start over only once every killed process is gone (a live backend would hold the old shared memory).
      for (let i = 0; i < 100 && killed.some(alive); i++) spawnSync("sleep", ["0.1"]);
      // Where nothing reaps orphans (PID 1 of a container), the dead postmaster stays a zombie and its
      // pid answers kill(0), so PostgreSQL would take the lock file for a live server's: remove it, as an operator would.
      rmSync(path.join(data, "postmaster.pid"), { force: true });
      for (const name of readdirSync(dir)) if (name.startsWith(".s.PGSQL.")) rmSync(path.join(dir, name), { force: true });
      start();
    },
    destroy() {
      try {
        asOwner(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Still running (a zombie has exited). */
function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
