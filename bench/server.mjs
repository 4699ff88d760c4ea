// npm run bench:server          load and crash figures for the backend, SQLite and
//                               PostgreSQL (a throwaway server from scripts/with-postgres.sh)
// node bench/server.mjs --smoke  a short, bounded run for npm test: proves the load and
//                               crash checks run and that nothing is lost, duplicated,
//                               torn or undecryptable. Never gates on timing.
//
// Options: --records N (list scenario, default 100000), --mixed N (default 10000),
//          --rounds N (crash rounds, default 20), --bin PATH (server binary).
//
// Every figure is printed, never asserted. What IS checked (exit 1): no request
// errors, and after every kill -9 every acknowledged write is there, whole, and
// decrypts.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const SMOKE = args.includes("--smoke");
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : dflt;
};
const RECORDS = opt("records", SMOKE ? 500 : 100_000);
const MIXED = opt("mixed", SMOKE ? 200 : 10_000);
const ROUNDS = opt("rounds", SMOKE ? 3 : 20);
const CREATES = SMOKE ? [[10, 5]] : [[100, 20], [1000, 2]]; // [clients, creates per client]
let failures = 0;
const log = (...a) => console.log(...a);

function binary() {
  const i = args.indexOf("--bin");
  if (i >= 0) return path.resolve(args[i + 1]);
  const profile = SMOKE ? "dev" : "server";
  const out = SMOKE ? "debug" : "server";
  const r = spawnSync("cargo", ["build", "--quiet", "--profile", profile, "-p", "billcom-connection-server"], {
    cwd: REPO,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(1);
  return path.join(REPO, "target", out, "billcom-connection-server");
}
const BIN = binary();

// ------------------------------------------------------------------ server
const KEY = Buffer.alloc(32, 7).toString("base64");
function startServer(dataDir, databaseUrl) {
  const env = { ...process.env, BILLCOM_CONNECTION_KEY: KEY, BILLCOM_API_ORIGIN: "http://127.0.0.1:9" };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn(BIN, ["--listen", "127.0.0.1:0", "--data-dir", dataDir, "--static-dir", REPO], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${err}`)), 20_000);
    child.stderr.on("data", (d) => {
      err += d;
      const m = /listening on http:\/\/([\d.]+:\d+)/.exec(err);
      if (m && !child.addr) {
        child.addr = m[1];
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", () => reject(new Error(`server exited:\n${err}`)));
  });
}
const stopServer = (child, signal = "SIGTERM") =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode) return resolve();
    child.once("exit", resolve);
    child.kill(signal);
  });
const rssMb = (child) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
    return m ? (Number(m[1]) / 1024).toFixed(0) : "?";
  } catch {
    return "?";
  }
};

// ------------------------------------------------------------------ client
function client(addr, maxSockets) {
  const [host, port] = addr.split(":");
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return (method, p, body) =>
    new Promise((resolve) => {
      const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
      const t = performance.now();
      const req = http.request(
        { host, port, method, path: p, agent, headers: data ? { "content-type": "application/json", "content-length": data.length } : {} },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            let json = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {}
            resolve({ status: res.statusCode, json, headers: res.headers, ms: performance.now() - t });
          });
          res.on("error", () => resolve({ status: 0, ms: performance.now() - t }));
        },
      );
      req.on("error", () => resolve({ status: 0, ms: performance.now() - t }));
      if (data) req.write(data);
      req.end();
    });
}
const body = (tag) => ({
  name: `bench ${tag}`,
  apiType: "spend-expense",
  environment: "sandbox",
  settings: {},
  secrets: { apiToken: `TOKEN-${tag}` },
});
const pct = (xs, p) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

async function listAll(req) {
  const ids = [];
  let url = "/api/connections?limit=500";
  while (url) {
    const r = await req("GET", url);
    if (r.status !== 200) throw new Error(`list: ${r.status}`);
    ids.push(...r.json.map((c) => c.id));
    const link = r.headers.link;
    url = link ? /<([^>]+)>/.exec(link)[1] : null;
  }
  return ids;
}

async function pool(n, total, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

// ------------------------------------------------------------------ scenarios
async function creates(server, clients, each) {
  const req = client(server.addr, clients);
  const lat = [];
  const acked = [];
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < each; i++) {
        const r = await req("POST", "/api/connections", body(`c${clients}-${c}-${i}-${Math.random()}`));
        lat.push(r.ms);
        if (r.status === 201) acked.push(r.json.id);
        else errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const listed = new Set(await listAll(req));
  const lost = acked.filter((id) => !listed.has(id)).length;
  const dup = acked.length - new Set(acked).size;
  if (errors || lost || dup) failures++;
  return { ops: acked.length + errors, rate: (acked.length / secs).toFixed(0), p50: fmt(pct(lat, 50)), p99: fmt(pct(lat, 99)), rss: rssMb(server), errors, lost, dup };
}

// `target` records through the API (each database starts empty).
async function seed(server, target) {
  const req = client(server.addr, 64);
  let errors = 0;
  await pool(64, target, async (i) => {
    const r = await req("POST", "/api/connections", body(`seed-${i}-${Math.random()}`));
    if (r.status !== 201) errors++;
  });
  if (errors) failures++;
  return req;
}

async function mixed(server, records, ops) {
  const req = await seed(server, records);
  const ids = (await listAll(req)).slice(0, records);
  const lat = [];
  let errors = 0;
  const t0 = performance.now();
  await pool(50, ops, async (i) => {
    const id = ids[(i * 7919) % ids.length];
    const kind = i % 10;
    const r =
      kind < 8
        ? await req("GET", `/api/connections/${id}`)
        : kind === 8
          ? await req("GET", "/api/connections?limit=100")
          : await req("PUT", `/api/connections/${id}`, body(`put-${i}`));
    lat.push(r.ms);
    if (r.status !== 200) errors++;
  });
  if (errors) failures++;
  const secs = (performance.now() - t0) / 1000;
  return { ops, rate: (ops / secs).toFixed(0), p50: fmt(pct(lat, 50)), p99: fmt(pct(lat, 99)), rss: rssMb(server), errors };
}

async function listing(server, records) {
  const req = await seed(server, records);
  const first = [];
  for (let i = 0; i < 20; i++) first.push((await req("GET", "/api/connections?limit=100")).ms);
  const t0 = performance.now();
  let pages = 0;
  let url = "/api/connections?limit=500";
  const lat = [];
  while (url) {
    const r = await req("GET", url);
    lat.push(r.ms);
    pages++;
    const link = r.headers.link;
    url = link ? /<([^>]+)>/.exec(link)[1] : null;
  }
  return { records, first100p50: fmt(pct(first, 50)), page500p50: fmt(pct(lat, 50)), page500p99: fmt(pct(lat, 99)), walkAll: `${((performance.now() - t0) / 1000).toFixed(1)} s / ${pages} pages` };
}

async function crash(dataDir, databaseUrl, rounds) {
  const acked = new Map(); // id -> name
  let lost = 0, torn = 0, undecryptable = 0, killedInFlight = 0;
  for (let round = 0; round < rounds; round++) {
    const server = await startServer(dataDir, databaseUrl);
    const req = client(server.addr, 16);
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const b = body(`crash-${round}-${w}-${i}`);
        const r = await req("POST", "/api/connections", b);
        if (r.status === 201) acked.set(r.json.id, b.name);
        else killedInFlight++;
      }
    });
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
    server.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    await stopServer(server);
    // Restart and check every acknowledged write.
    const again = await startServer(dataDir, databaseUrl);
    const check = client(again.addr, 16);
    const entries = [...acked.entries()];
    await pool(16, entries.length, async (i) => {
      const [id, name] = entries[i];
      const r = await check("GET", `/api/connections/${id}`);
      if (r.status !== 200 || r.json.name !== name) return lost++;
      if (JSON.stringify(r.json.secretsSet) !== JSON.stringify(["apiToken"])) return torn++;
    });
    // Decrypt a sample through the saved-connection test (BILL unreachable on
    // purpose: a decryption failure is a 500, a good secret a test result).
    const sample = [...acked.keys()].slice(-10);
    for (const id of sample) {
      const r = await check("POST", `/api/connections/${id}/test`);
      if (r.status !== 200) undecryptable++;
    }
    await stopServer(again);
  }
  if (lost || torn || undecryptable) failures++;
  return { rounds, acknowledged: acked.size, lost, torn, undecryptable, cutOff: killedInFlight };
}

// ------------------------------------------------------------------ run
function databases() {
  const out = [["SQLite", null]];
  const admin = process.env.BILLCOM_TEST_DATABASE_URL;
  if (admin) out.push(["PostgreSQL", admin]);
  else log("(PostgreSQL skipped: run through `npm run bench:server`, which starts one)");
  return out;
}
function freshDb(admin, name) {
  if (!admin) return null;
  const r = spawnSync("psql", [admin, "-qc", `CREATE DATABASE ${name}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

log(`billcom-connection-server bench${SMOKE ? " (smoke)" : ""}: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ` +
  `${(os.totalmem() / 2 ** 30).toFixed(0)} GB, ${new Date().toISOString()}, binary ${path.relative(REPO, BIN)}`);
for (const [label, admin] of databases()) {
  log(`\n== ${label}`);
  const tag = `b${process.pid}${Date.now() % 100000}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "billcom-bench-"));
  try {
    for (const [clients, each] of CREATES) {
      const server = await startServer(path.join(tmp, `c${clients}`), freshDb(admin, `${tag}_c${clients}`));
      const r = await creates(server, clients, each);
      log(`creates, ${clients} clients: ${r.ops} requests, ${r.rate}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, RSS ${r.rss} MB, errors ${r.errors}, lost ${r.lost}, duplicated ${r.dup}`);
      await stopServer(server);
    }
    {
      const server = await startServer(path.join(tmp, "mixed"), freshDb(admin, `${tag}_mixed`));
      const r = await mixed(server, MIXED, SMOKE ? 200 : 5000);
      log(`mixed 80% get / 10% list page / 10% put at ${MIXED} records, 50 clients: ${r.ops} ops, ${r.rate}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, RSS ${r.rss} MB, errors ${r.errors}`);
      await stopServer(server);
    }
    {
      const server = await startServer(path.join(tmp, "list"), freshDb(admin, `${tag}_list`));
      const r = await listing(server, RECORDS);
      log(`list at ${r.records} records: first page (100) p50 ${r.first100p50} ms; pages of 500 p50 ${r.page500p50} ms, p99 ${r.page500p99} ms; all pages ${r.walkAll}; RSS ${rssMb(server)} MB`);
      await stopServer(server);
    }
    {
      const r = await crash(path.join(tmp, "crash"), freshDb(admin, `${tag}_crash`), ROUNDS);
      log(`crash: ${r.rounds} rounds of kill -9 during 16 concurrent writers: ${r.acknowledged} acknowledged writes; lost ${r.lost}, torn ${r.torn}, undecryptable ${r.undecryptable} (${r.cutOff} requests cut off unanswered, as expected)`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (failures) {
  console.error(`\nbench:server: ${failures} check(s) failed (errors, or lost/duplicated/torn/undecryptable writes)`);
  process.exit(1);
}
log("\nbench:server: no request errors; nothing lost, duplicated, torn or undecryptable");
