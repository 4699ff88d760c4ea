// The exported JSON Schema in a real schema-form renderer: rjsf 6 with ajv's 2020-12
// validator, in headless Chromium. Every API type's schema renders with no error, shows
// a control per field, refuses an invalid organization ID and accepts valid settings.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { once } from "node:events";
import path from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { LAUNCH, REPO } from "./helpers.mjs";

let server;
let browser;
let base;
before(async () => {
  const out = await build({
    entryPoints: [path.join(REPO, "tests/schema/rjsf-page.js")],
    bundle: true,
    write: false,
    format: "iife",
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const script = out.outputFiles[0].text;
  const page = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rjsf</title></head><body><div id="root"></div><script src="/app.js"></script></body></html>';
  server = createServer((req, res) => {
    const js = req.url === "/app.js";
    res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    res.end(js ? script : page);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch(LAUNCH);
});
after(async () => {
  await browser?.close();
  server?.close();
});

const VALID = {
  "ap-ar-v2": { organizationId: "00801ABCDEFGHIJKL", username: "ops@example.com", password: "pw", devKey: "dev-1" },
  "ap-ar-v3": { organizationId: "00801ABCDEFGHIJKL", username: "ops@example.com", password: "pw", devKey: "dev-1" },
  partner: { appKey: "app-1", username: "ops@example.com", password: "pw" },
  "spend-expense": { apiToken: "tok-1" },
};

test("rjsf renders every API type's schema, refuses a bad organization ID and accepts valid settings", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // rjsf logs "Form validation failed" for the forms made invalid on purpose.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Form validation failed") && errors.push(m.text()));
  await page.goto(base);
  await page.waitForFunction(() => typeof window.renderSchema === "function");
  for (const [apiType, creds] of Object.entries(VALID)) {
    const common = { name: "Ops", apiType, environment: "sandbox" };
    const controls = await page.evaluate(([t, d]) => window.renderSchema(t, d), [apiType, { ...common, ...creds }]);
    assert.ok(controls >= 3 + Object.keys(creds).length, `${apiType}: ${controls} controls`);
    await page.getByRole("button", { name: "Submit" }).click();
    assert.equal(await page.locator(".errors, .error-detail").count(), 0, `${apiType}: valid settings accepted`);
    if ("organizationId" in creds) {
      await page.evaluate(([t, d]) => window.renderSchema(t, d), [apiType, { ...common, ...creds, organizationId: "009" }]);
      await page.getByRole("button", { name: "Submit" }).click();
      assert.ok(await page.locator(".error-detail").count() > 0, `${apiType}: a bad organization ID is refused`);
    }
  }
  // The whole schema (discriminated by apiType) renders too.
  assert.ok((await page.evaluate(() => window.renderSchema(undefined, { apiType: "partner" }))) >= 3);
  assert.deepEqual(errors, []);
  await page.close();
});
