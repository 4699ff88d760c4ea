// Shared pieces of the Chromium end-to-end tests: the package (in Node, for
// expected values), the browser launch options, the real backend as a child
// process, a recorder of everything a page does, and the no-leak assertions.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const GLUE = path.join(REPO, "pkg/billcom_connection.js");
if (!existsSync(GLUE)) throw new Error("pkg/ is not built: run `bash scripts/build.sh` first");
export const pkg = await import(GLUE);
pkg.initSync({ module: readFileSync(path.join(REPO, "pkg/billcom_connection_bg.wasm")) });

export const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};

const ELEMENT = path.join(REPO, "pkg/element.js");
if (!existsSync(ELEMENT)) throw new Error("pkg/element.js is missing: run `bash scripts/build.sh` first");
/** The element's own English words: the `en` export of the shipped (minified) module. */
export const en = await (async () => {
  // Enough of a DOM for the module to evaluate in Node; nothing is rendered.
  globalThis.HTMLElement ??= class {};
  globalThis.customElements ??= { get: () => true, define() {} };
  return (await import(ELEMENT)).en;
})();

/** The element's note, once per form, that saved secrets must be entered again. */
export const REENTER = en.editNote;

// ------------------------------------------------------------------ backend

// The dev build: `cargo test --workspace` (the first step of `npm test`) has just
// built it, so the e2e step costs no extra compile.
export const SERVER_BIN = path.join(REPO, "target/debug/billcom-connection-server");
const BUILD = "cargo build -p billcom-connection-server";

/** The newest modification time under the sources the server binary is built from. */
function newestSource() {
  let newest = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) walk(path.join(p, e));
    else if (/\.(rs|toml)$/.test(p) || p.endsWith("Cargo.lock")) newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ["server/src", "server/Cargo.toml", "src", "Cargo.toml", "Cargo.lock"]) walk(path.join(REPO, p));
  return newest;
}

/**
 * Makes sure the server binary exists and is not older than its sources
 * (`scripts/test.sh` builds it first, so this is normally a no-op); builds it
 * otherwise, and fails with the command to run when that fails.
 */
export function ensureServerBuilt() {
  if (existsSync(SERVER_BIN) && statSync(SERVER_BIN).mtimeMs >= newestSource()) return;
  const r = spawnSync("cargo", ["build", "--quiet", "-p", "billcom-connection-server"], {
    cwd: REPO,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 10 * 60_000,
  });
  if (r.status !== 0 || !existsSync(SERVER_BIN)) {
    throw new Error(`the backend is not built (or is older than its sources) and building it failed: run \`${BUILD}\``);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the real backend on a free loopback port with a fresh data directory and
 * a fresh BILLCOM_CONNECTION_KEY, serving `staticDir`'s www/ and pkg/ (default: this repo's). Resolves to
 * `{ url, logs(), stop() }` once `GET /api/connections` answers. `env`: extra
 * environment variables for the server (e.g. BILLCOM_API_ORIGIN for a BILL mock).
 */
export async function startBackend({ env = {}, staticDir = REPO } = {}) {
  ensureServerBuilt();
  const dataDir = mkdtempSync(path.join(tmpdir(), "billcom-e2e-"));
  const key = randomBytes(32).toString("base64");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    let log = "";
    const child = spawn(SERVER_BIN, ["--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, "--static-dir", staticDir], {
      env: { ...process.env, BILLCOM_CONNECTION_KEY: key, RUST_LOG: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8").on("data", (d) => (log += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (log += d));
    let exited = null;
    child.on("exit", (code, signal) => (exited = { code, signal }));
    const url = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 15_000;
    let up = false;
    while (!up && exited === null && Date.now() < deadline) {
      try {
        up = (await fetch(`${url}api/connections`, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch {
        await sleep(50);
      }
    }
    if (up) {
      return {
        url,
        dataDir,
        logs: () => log,
        async stop() {
          if (exited === null) {
            const gone = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            await gone;
            clearTimeout(timer);
          }
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (exited === null) child.kill("SIGKILL");
    if (attempt < 2 && /in use/i.test(log)) continue; // lost the port to someone else: pick another
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the backend did not start (${JSON.stringify(exited)}):\n${log}`);
  }
}

/** The backend's JSON API, from Node. */
export async function apiGet(backend, pathname = "api/connections") {
  const res = await fetch(new URL(pathname, backend.url));
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

// ------------------------------------------------------------------ the page

/**
 * A fresh context and page on `url`, recording console messages, page errors,
 * every URL the page had, requests (with bodies) and responses (with headers and
 * bodies). `seeUrl()` records the current URL; call it at each step.
 */
export async function openPage(browser, url, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const rec = {
    context,
    page,
    consoleMessages: [],
    urls: [],
    requests: [],
    responses: [],
    pending: [],
    seeUrl: () => rec.urls.push(page.url()),
  };
  page.on("console", (m) => rec.consoleMessages.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => rec.consoleMessages.push(`pageerror: ${e.message}`));
  page.on("framenavigated", (f) => rec.urls.push(f.url()));
  page.on("request", (r) => {
    rec.requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" });
    rec.urls.push(page.url());
  });
  page.on("response", (r) => {
    const entry = { url: r.url(), status: r.status(), method: r.request().method(), headers: r.headers(), body: "" };
    rec.responses.push(entry);
    rec.pending.push(r.body().then((b) => (entry.body = b.toString("latin1")), () => {}));
  });
  await page.goto(url);
  await page.waitForSelector("billcom-connection-form:not([aria-busy]) form");
  await page.waitForSelector("#list-section:not([aria-busy])");
  rec.historyLength = await page.evaluate(() => history.length);
  rec.seeUrl();
  return rec;
}

export const control = (page, label) => page.getByLabel(label, { exact: true });

const AXE = readFileSync(path.join(REPO, "node_modules/axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2.x A/AA and best practices) on the page and returns its
 * violations as `["rule-id: target, ...", ...]`. The page's CSP forbids inline
 * scripts, so axe is evaluated through the DevTools protocol, not a script tag.
 */
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  return violations;
}

/** Picks an API type by its option's text: the short label ("AP/AR V2"). */
export async function pickApiType(page, apiTypeId) {
  const label = pkg.apiTypes().find((t) => t.id === apiTypeId).shortLabel;
  await control(page, "API type").selectOption({ label });
}

/** The element's public state: mode (from `connection`), `dirty` and `valid`. */
export const formState = (page, selector = "billcom-connection-form") =>
  page.locator(selector).evaluate((f) => ({ mode: f.connection ? "edit" : "create", dirty: f.dirty, valid: f.valid }));

/** Chromium's own messages that are not the page's output. */
export function pageConsole(messages) {
  return messages.filter((m) => !m.startsWith("verbose: [DOM]"));
}

function decoded(u) {
  try {
    return decodeURIComponent(u);
  } catch {
    return u;
  }
}

const isApi = (u) => new URL(u).pathname.startsWith("/api/");
const isSaveCall = (r) =>
  (r.method === "POST" && /^\/api\/connections$/.test(new URL(r.url).pathname)) ||
  (r.method === "PUT" && /^\/api\/connections\/[^/]+$/.test(new URL(r.url).pathname));
/** The test of unsaved settings: the only other request that may carry a secret. */
export const isTestCall = (r) => r.method === "POST" && new URL(r.url).pathname === "/api/connections/test";

/**
 * Asserts that no secret escaped: not into the markup, any URL the page had,
 * history, the console, localStorage, sessionStorage, IndexedDB, cookies or Cache
 * Storage; not into any request body except the create/update calls (and, with
 * `testCalls`, POST /api/connections/test); not into any response body. With
 * `noStore`, every API response must carry Cache-Control: no-store.
 */
export async function assertNoLeaks(rec, secrets, { baseUrl, noStore = true, testCalls = false } = {}) {
  const { page, context } = rec;
  assert.ok(secrets.length > 0, "the leak check has something to look for");
  rec.seeUrl();
  await Promise.all(rec.pending);
  const html = await page.content();
  const seen = await page.evaluate(async () => ({
    href: location.href,
    historyLength: history.length,
    historyState: JSON.stringify(history.state),
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookie: document.cookie,
    idb: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    title: document.title,
  }));
  const storage = await context.storageState({ indexedDB: true });
  const cookies = await context.cookies();
  const everything = JSON.stringify({ seen, storage, cookies });

  for (const s of secrets) {
    const q = JSON.stringify(s);
    assert.ok(!html.includes(s), `secret ${q} is in the page's HTML`);
    assert.ok(!everything.includes(s), `secret ${q} is in the URL, history or browser storage`);
    for (const u of rec.urls) assert.ok(!u.includes(s) && !decoded(u).includes(s), `secret ${q} in a URL`);
    for (const m of rec.consoleMessages) assert.ok(!m.includes(s), `secret ${q} in a console message: ${m}`);
    for (const r of rec.requests) {
      assert.ok(!r.url.includes(s), `secret ${q} in a request URL`);
      if (r.body.includes(s)) {
        assert.ok(isSaveCall(r) || (testCalls && isTestCall(r)), `secret ${q} sent in the body of ${r.method} ${r.url}`);
      }
    }
    for (const r of rec.responses) assert.ok(!r.body.includes(s), `secret ${q} in the response to ${r.method} ${r.url}`);
  }
  if (baseUrl) {
    assert.equal(seen.href, baseUrl, "the URL never changes");
    for (const u of rec.urls) assert.ok(u === baseUrl || u === "about:blank", `the page was at ${u}`);
  }
  assert.equal(seen.historyLength, rec.historyLength, "no history entries were added");
  assert.equal(seen.historyState, "null", "history.state is empty");
  assert.deepEqual([seen.local, seen.session, seen.cookie, seen.idb, seen.caches], [[], [], "", [], []], "nothing stored");
  assert.deepEqual(cookies, []);
  assert.deepEqual(storage.origins, [], "nothing stored for any origin (localStorage, IndexedDB)");
  if (noStore) {
    const api = rec.responses.filter((r) => isApi(r.url));
    assert.ok(api.length > 0, "the page used the API");
    for (const r of api) {
      assert.equal(r.headers["cache-control"], "no-store", `${r.method} ${r.url} (${r.status}) is no-store`);
    }
  }
}
