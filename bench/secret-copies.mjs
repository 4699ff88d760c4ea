// node bench/secret-copies.mjs [--bin PATH] [--keep-alive]
//
// How many plaintext copies of secrets stay in the backend's memory after the
// requests that carried them are done (issue 13, finding 5). A scripted run sends
// creates, replaces (the replaced secrets), deletes, unsaved tests and saved tests
// (BILL unreachable on purpose: the login body is still built), each secret unique
// and easy to search for; after the last answer it waits a moment, then reads every
// readable mapping of the process (/proc/PID/mem: the same bytes a core dump
// holds) and counts each secret's occurrences. A figure, printed, never asserted.
// --keep-alive: every request on one keep-alive connection, still open during the
// scan (its buffers are live); otherwise each request closes its connection.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readSync, readFileSync, rmSync, closeSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const KEEP_ALIVE = process.argv.includes("--keep-alive");
const agent = new http.Agent({ keepAlive: KEEP_ALIVE, maxSockets: 1 });
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const i = process.argv.indexOf("--bin");
const BIN = i > 0 ? path.resolve(process.argv[i + 1]) : path.join(REPO, "target/debug/billcom-connection-server");

const tmp = mkdtempSync(path.join(os.tmpdir(), "billcom-copies-"));
const child = spawn(BIN, ["--listen", "127.0.0.1:0", "--data-dir", path.join(tmp, "data"), "--static-dir", REPO], {
  env: { ...process.env, BILLCOM_API_ORIGIN: "http://127.0.0.1:9", BILLCOM_CONNECTION_KEY: Buffer.alloc(32, 3).toString("base64") },
  stdio: ["ignore", "ignore", "pipe"],
});
const addr = await new Promise((resolve, reject) => {
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
    const m = /listening on http:\/\/([\d.]+):(\d+)/.exec(err);
    if (m) resolve({ host: m[1], port: Number(m[2]) });
  });
  child.on("exit", () => reject(new Error(err)));
});
const req = (method, p, body) =>
  new Promise((resolve) => {
    const data = body ? Buffer.from(JSON.stringify(body)) : null;
    const r = http.request({ ...addr, agent, method, path: p, headers: data ? { "content-type": "application/json", "content-length": data.length } : {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, json: chunks.length ? JSON.parse(Buffer.concat(chunks)) : null }));
    });
    r.on("error", () => resolve({ status: 0 }));
    if (data) r.write(data);
    r.end();
  });

const secrets = [];
const mark = (kind, n) => {
  const s = `ZQX${kind}${n}${Math.random().toString(36).slice(2, 10)}QXZ`;
  secrets.push(s);
  return s;
};
const v3 = (n, tag) => ({
  name: `copies ${n}`, apiType: "ap-ar-v3", environment: "sandbox",
  settings: { organizationId: "00801ABCDEFGHIJKLM", username: "a@example.com" },
  secrets: { password: mark(`pw${tag}`, n), devKey: mark(`dk${tag}`, n) },
});
const spend = (n, tag) => ({ name: `copies spend ${n}`, apiType: "spend-expense", environment: "sandbox", settings: {}, secrets: { apiToken: mark(`tok${tag}`, n) } });

for (let n = 0; n < 5; n++) {
  const a = await req("POST", "/api/connections", v3(n, "c"));
  await req("PUT", `/api/connections/${a.json.id}`, v3(n, "r")); // replaced secrets
  await req("POST", `/api/connections/${a.json.id}/test`);
  const b = await req("POST", "/api/connections", spend(n, "d"));
  await req("DELETE", `/api/connections/${b.json.id}`); // deleted secrets
  await req("POST", "/api/connections/test", v3(n, "u")); // unsaved test
}
await new Promise((r) => setTimeout(r, 500));

// Read every readable mapping.
const needles = secrets.map((s) => Buffer.from(s));
const counts = new Map(secrets.map((s) => [s, 0]));
const fd = openSync(`/proc/${child.pid}/mem`, "r");
let scanned = 0;
for (const line of readFileSync(`/proc/${child.pid}/maps`, "utf8").split("\n")) {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (r)/.exec(line);
  if (!m || line.includes("[vvar]") || line.includes("[vsyscall]")) continue;
  const start = BigInt(`0x${m[1]}`), end = BigInt(`0x${m[2]}`);
  for (let at = start; at < end; at += 1n << 24n) {
    const len = Number((end - at < 1n << 24n ? end - at : 1n << 24n));
    const buf = Buffer.alloc(len);
    let got = 0;
    try {
      got = readSync(fd, buf, 0, len, at);
    } catch {
      continue;
    }
    scanned += got;
    const view = buf.subarray(0, got);
    needles.forEach((nd, k) => {
      let from = 0;
      for (;;) {
        const idx = view.indexOf(nd, from);
        if (idx < 0) break;
        counts.set(secrets[k], counts.get(secrets[k]) + 1);
        from = idx + 1;
      }
    });
  }
}
closeSync(fd);
child.kill("SIGKILL");
rmSync(tmp, { recursive: true, force: true });
const copies = [...counts.values()].reduce((a, b) => a + b, 0);
const found = [...counts.values()].filter((c) => c > 0).length;
const left = [...counts].filter(([, c]) => c > 0).map(([s, c]) => `${s.slice(3, s.length - 11)}x${c}`);
console.log(`${path.relative(REPO, BIN)}${KEEP_ALIVE ? " (one keep-alive connection, open)" : ""}: ${copies} plaintext copies of ${found} of ${secrets.length} secrets in ${(scanned / 2 ** 20).toFixed(0)} MB of process memory after the run${left.length ? ` (${left.join(", ")})` : ""}`);
