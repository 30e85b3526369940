// Starts the already built `sanbao` binary on a free port with a fresh temporary SQLite
// database, and stops it after. Nothing is built here: SANBAO_BIN names the binary
// (default ../target/debug/sanbao, as `cargo build` leaves it).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export const ADMIN_PASSWORD = "e2e-admin-password";
export const PASSWORD = "e2e-password-1";
/** The bearer token `/metrics` asks for. */
export const METRICS_TOKEN = "e2e-metrics-token-0123456789";

/** The accounts every run starts with, besides `admin`. */
export const USERS = [
  { username: "wangli", display: "王丽", role: "service_clerk" },
  { username: "lijun", display: "李军", role: "technician" },
  { username: "zhaomin", display: "赵敏", role: "salesperson" },
];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitUntilUp(url, child, log) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`sanbao exited with ${child.exitCode}:\n${log.join("")}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sanbao did not start within 30 s:\n${log.join("")}`);
}

/** Start a server; returns { url, stop }. */
export async function startServer() {
  const bin = resolve(here, "..", process.env.SANBAO_BIN || "../target/debug/sanbao");
  if (!existsSync(bin)) {
    throw new Error(`no server binary at ${bin}: run \`cargo build\` first or set SANBAO_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), "sanbao-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, "sanbao.db")}`,
    SANBAO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SANBAO_LISTEN: `127.0.0.1:${port}`,
    SANBAO_LOG: "warn",
    SANBAO_METRICS_TOKEN: METRICS_TOKEN,
  };
  const child = spawn(bin, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const log = [];
  child.stdout.on("data", (d) => log.push(d.toString()));
  child.stderr.on("data", (d) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url, child, log);
  // After the first start, which creates `admin` on the empty database.
  for (const u of USERS) {
    const r = spawnSync(
      bin,
      ["user", "add", "--username", u.username, "--display-name", u.display, "--role", u.role, "--password-stdin"],
      { env, input: `${PASSWORD}\n`, encoding: "utf8" },
    );
    if (r.status !== 0) {
      child.kill("SIGKILL");
      throw new Error(`user add ${u.username} failed: ${r.stderr}`);
    }
  }
  return {
    url,
    /** The SQLite file, for a test that must set up what no page does yet. */
    database: join(dir, "sanbao.db"),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
