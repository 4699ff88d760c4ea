// The boundary cases (boundary-cases.mjs) in real headless Chromium, on both
// entries, loaded as a page would: `init()` fetching the .wasm beside each entry
// (served as application/wasm, streaming compile). Replaces the wasm-bindgen-test
// layer (tests/web.rs) of the wasm-bindgen design.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const ROOT = new URL("../../", import.meta.url);
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const PAGE = `<!doctype html><meta charset="utf-8"><title>boundary</title><script type="module">
  import { run } from "/tests/js/boundary-cases.mjs";
  import initFull, * as full from "/pkg/billcom_connection.js";
  import initLean, * as lean from "/pkg/validate.js";
  let early = "";
  try { full.validate({}); } catch (e) { early = e.code; }
  await initFull();
  await initLean();
  window.results = { early, full: run(full), lean: run(lean), ua: navigator.userAgent };
</script>`;

let server, browser, base;
before(async () => {
  server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(PAGE);
    }
    if (!/^\/(pkg|tests\/js)\/[\w.-]+$/.test(path)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = await readFile(new URL(path.slice(1), ROOT));
      res.writeHead(200, { "content-type": TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
});

test("Chromium: every boundary case on both entries, after init() fetched each .wasm", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForFunction(() => window.results !== undefined || document.title === "failed", null, { timeout: 30000 });
  const r = await page.evaluate(() => window.results);
  assert.deepEqual(errors, []);
  assert.match(r.ua, /Chrome/);
  assert.equal(r.early, "not_initialized");
  assert.deepEqual(r.full, []);
  assert.deepEqual(r.lean, []);
  await page.close();
});
