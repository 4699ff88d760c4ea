// End-to-end tests of the demo page (www/) in real headless Chromium, served by
// scripts/serve.mjs in-process on a free port. One browser for the whole file; a
// fresh context (its own storage) per test.
//
//   bash scripts/build.sh && node --test tests/e2e/
//
// Expected messages come from the package itself (run in Node), so these tests
// check that the page shows what the validator says, beside the right field;
// codes are asserted literally.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer, CONTENT_SECURITY_POLICY } from "../../scripts/serve.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const GLUE = path.join(REPO, "pkg/billcom_connection.js");
if (!existsSync(GLUE)) throw new Error("pkg/ is not built: run `bash scripts/build.sh` first");
const pkg = await import(GLUE);
pkg.initSync({ module: readFileSync(path.join(REPO, "pkg/billcom_connection_bg.wasm")) });

const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};

const SECRET_FIELDS = new Set(["password", "devKey", "appKey", "apiToken"]);

// Distinctive strings, so finding one anywhere is a real leak and not a coincidence.
const BAD = {
  name: "   ",
  organizationId: "123",
  username: "",
  password: "",
  devKey: "Bad DEVKEY zq71",
  appKey: "Bad APPKEY zq72",
  apiToken: "Bad APITOKEN zq73",
};
const GOOD = {
  name: "BILL sandbox - e2e",
  organizationId: "00801ABCDEFGHIJKLMNO",
  username: "ops@example.com",
  password: "pw with spaces Zx81!",
  devKey: "GoodDEVKEYzx82",
  appKey: "GoodAPPKEYzx83",
  apiToken: "GoodAPITOKENzx84",
};
// What each bad value must be reported as.
const BAD_CODES = {
  name: ["required"],
  organizationId: ["too_short", "invalid_format"],
  username: ["required"],
  password: ["required"],
  devKey: ["invalid_format"],
  appKey: ["invalid_format"],
  apiToken: ["invalid_format"],
};
const SECRETS = [...SECRET_FIELDS].flatMap((f) => [BAD[f], GOOD[f]]).filter(Boolean);

let browser;
let server;
let baseUrl;

before(async () => {
  server = startServer({ port: 0 });
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** A fresh context and page, with every console message and page error recorded. */
async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleMessages = [];
  page.on("console", (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleMessages.push(`pageerror: ${e.message}`));
  await page.goto(baseUrl);
  await page.waitForSelector("form:not([aria-busy])");
  return { context, page, consoleMessages };
}

const control = (page, label) => page.getByLabel(label, { exact: true });

async function pickApiType(page, apiTypeId) {
  const label = pkg.apiTypes().find((t) => t.id === apiTypeId).label;
  await control(page, "API type").selectOption({ label });
}

/** The elements a control's aria-describedby points at, as { id, text, codes, severities, inField }. */
async function describedBy(page, label) {
  return control(page, label).evaluate((c) =>
    (c.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean).map((id) => {
      const e = document.getElementById(id);
      return {
        id,
        text: e?.textContent ?? null,
        codes: e ? [...e.querySelectorAll("[data-code]")].map((m) => m.dataset.code) : [],
        severities: e ? [...e.querySelectorAll("[data-severity]")].map((m) => m.dataset.severity) : [],
        // "Beside the field": in the same field wrapper as the control.
        inField: !!e && e.closest(".field") === c.closest(".field"),
      };
    }),
  );
}

/** The messages element of a field (the described-by element holding messages, or the empty one). */
async function messagesOf(page, label) {
  const described = await describedBy(page, label);
  const msgs = described.find((d) => d.id.endsWith("-msgs"));
  assert.ok(msgs, `${label}: aria-describedby links a messages element`);
  assert.ok(msgs.inField, `${label}: messages sit beside the control`);
  return msgs;
}

async function fillAndBlur(page, label, value) {
  const c = control(page, label);
  await c.fill(value);
  await c.blur();
}

/** Asserts no secret escaped into markup, the URL, history, the console or storage. */
async function assertNoLeaks({ context, page, consoleMessages }, secrets) {
  const html = await page.content();
  const href = await page.evaluate(() => location.href);
  for (const s of secrets) {
    assert.ok(!html.includes(s), `secret ${JSON.stringify(s)} is in the page's HTML`);
    assert.ok(!href.includes(s) && !page.url().includes(s), "secret in the URL");
    assert.ok(!consoleMessages.some((m) => m.includes(s)), "secret in a console message");
  }
  assert.equal(href, baseUrl, "the URL never changes");
  const storage = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    cookie: document.cookie,
    idb: (await indexedDB.databases()).length,
  }));
  assert.deepEqual(storage, { local: 0, session: 0, cookie: "", idb: 0 });
  assert.deepEqual(await context.cookies(), []);
  const state = await context.storageState({ indexedDB: true });
  assert.deepEqual(state.origins, [], "nothing stored for any origin");
}

describe("demo page, per API type", () => {
  for (const { id: apiTypeId, label: apiTypeLabel } of pkg.apiTypes()) {
    test(`${apiTypeId}: bad values are reported beside fields; fixed values save with secrets redacted`, async () => {
      const ctx = await openPage();
      const { page, context, consoleMessages } = ctx;
      const historyBefore = await page.evaluate(() => history.length);
      await pickApiType(page, apiTypeId);
      assert.equal(await control(page, "API type").inputValue(), apiTypeId);

      const spec = pkg.formSpec(apiTypeId);
      const editable = spec.fields.filter((f) => f.kind !== "select");

      // The form is the spec: every field by its label, and no other API type's fields.
      for (const f of spec.fields) {
        await assert.doesNotReject(control(page, f.label).waitFor(), f.label);
      }
      const allLabels = new Set(pkg.apiTypes().flatMap((t) => pkg.formSpec(t.id).fields.map((f) => f.label)));
      for (const label of allLabels) {
        const expected = spec.fields.some((f) => f.label === label) ? 1 : 0;
        assert.equal(await control(page, label).count(), expected, `${label} shown for ${apiTypeId}`);
      }
      for (const f of spec.fields) {
        const attrs = await control(page, f.label).evaluate((c) =>
          Object.fromEntries([...c.attributes].map((a) => [a.name, a.value])));
        assert.ok(attrs.required !== undefined, `${f.label} is required`);
        if (f.secret) {
          assert.equal(attrs.type, "password");
          assert.equal(attrs.autocomplete, "new-password");
          assert.equal(attrs.spellcheck, "false");
          assert.equal(attrs.autocapitalize, "off");
          for (const k of ["data-1p-ignore", "data-bwignore"]) assert.ok(k in attrs, `${f.id} has ${k}`);
          assert.equal(attrs["data-lpignore"], "true");
          assert.equal(attrs["data-form-type"], "other");
        }
        // The help text is linked.
        const described = await describedBy(page, f.label);
        assert.ok(described.some((d) => d.text === f.help && d.inField), `${f.label}: help linked`);
      }

      // Each environment option shows its base URL; pick sandbox.
      const env = spec.fields.find((f) => f.id === "environment");
      const optionTexts = await control(page, "Environment").locator("option").allTextContents();
      for (const o of env.options) {
        assert.ok(optionTexts.some((t) => t.includes(o.label) && t.includes(o.baseUrl)), o.value);
      }
      await control(page, "Environment").selectOption("sandbox");
      const sandboxUrl = env.options.find((o) => o.value === "sandbox").baseUrl;
      assert.ok((await describedBy(page, "Environment")).some((d) => d.text.includes(sandboxUrl)));

      // Bad values, each blurred: errors beside each field, Save disabled.
      for (const f of editable) await fillAndBlur(page, f.label, BAD[f.id]);
      for (const f of editable) {
        const expected = pkg.validateField(apiTypeId, f.id, BAD[f.id]);
        assert.deepEqual(expected.map((i) => i.code), BAD_CODES[f.id], `${f.id} codes`);
        const msgs = await messagesOf(page, f.label);
        assert.deepEqual(msgs.codes, BAD_CODES[f.id], `${f.label}: shown codes`);
        for (const item of expected) {
          assert.ok(msgs.text.includes(item.message), `${f.label}: shows "${item.message}"`);
        }
        assert.equal(await control(page, f.label).getAttribute("aria-invalid"), "true", f.label);
      }
      const save = page.getByRole("button", { name: "Save", exact: true });
      assert.equal(await save.textContent(), "Save");
      assert.ok(await save.isDisabled(), "Save disabled while invalid");
      const summary = await page.locator("#error-summary").textContent();
      for (const f of editable) {
        for (const item of pkg.validateField(apiTypeId, f.id, BAD[f.id])) {
          assert.ok(summary.includes(item.message), `summary lists "${item.message}"`);
        }
      }

      // Fix every field: no messages anywhere, Save enabled.
      for (const f of editable) await fillAndBlur(page, f.label, GOOD[f.id]);
      for (const f of spec.fields) {
        const msgs = await messagesOf(page, f.label);
        assert.equal(msgs.text, "", `${f.label}: no messages left`);
        assert.equal(await control(page, f.label).getAttribute("aria-invalid"), null, f.label);
      }
      assert.equal(await page.locator("[aria-invalid='true'], .msg").count(), 0);
      assert.equal(await page.locator("#error-summary").textContent(), "");
      assert.ok(await save.isEnabled(), "Save enabled once valid");

      await save.click();
      const result = page.locator("#result");
      await result.waitFor();
      const shown = JSON.parse(await result.textContent());
      const expected = { apiType: apiTypeId, environment: "sandbox" };
      for (const f of editable) expected[f.id] = f.secret ? "[redacted]" : GOOD[f.id];
      assert.deepEqual(shown, expected);
      assert.ok(pkg.validate({ ...expected, ...Object.fromEntries(editable.map((f) => [f.id, GOOD[f.id]])) }).valid);

      // The secrets are in the inputs' value properties, and nowhere else.
      for (const f of editable.filter((f) => f.secret)) {
        assert.equal(await control(page, f.label).inputValue(), GOOD[f.id]);
        assert.equal(await control(page, f.label).getAttribute("value"), null);
      }
      const secrets = SECRETS.filter((s) => editable.some((f) => f.secret && (BAD[f.id] === s || GOOD[f.id] === s)));
      assert.ok(secrets.length >= 2, "the leak check has something to look for");
      await assertNoLeaks(ctx, secrets);
      assert.equal(await page.evaluate(() => history.length), historyBefore, "no history entries");
      // Chromium's own verbose DOM hints (e.g. "Password forms should have ... username
      // fields") are not the page's output; anything else is.
      assert.deepEqual(consoleMessages.filter((m) => !m.startsWith("verbose: [DOM]")), [],
        `no console output for ${apiTypeLabel}`);
      await context.close();
    });
  }
});

describe("demo page, behaviour", () => {
  test("switching ap-ar-v3 -> partner keeps name, environment, username and password", async () => {
    const ctx = await openPage();
    const { page, context } = ctx;
    await pickApiType(page, "ap-ar-v3");
    await control(page, "Environment").selectOption("sandbox");
    await fillAndBlur(page, "Name your connection", GOOD.name);
    await fillAndBlur(page, "Organization ID", GOOD.organizationId);
    await fillAndBlur(page, "Username", GOOD.username);
    await fillAndBlur(page, "Password", GOOD.password);
    await fillAndBlur(page, "Developer key", GOOD.devKey);

    await pickApiType(page, "partner");
    assert.equal(await control(page, "Name your connection").inputValue(), GOOD.name);
    assert.equal(await control(page, "Environment").inputValue(), "sandbox");
    assert.equal(await control(page, "Username").inputValue(), GOOD.username);
    assert.equal(await control(page, "Password").inputValue(), GOOD.password);
    assert.equal(await control(page, "Application key").inputValue(), "");
    assert.equal(await control(page, "Organization ID").count(), 0);
    assert.equal(await control(page, "Developer key").count(), 0);
    // The partner fields in spec order.
    const ids = await page.locator("#fields [data-field]").evaluateAll((es) =>
      es.filter((e) => e.classList.contains("field")).map((e) => e.dataset.field));
    assert.deepEqual(ids, pkg.formSpec("partner").fields.map((f) => f.id));
    // Partner's base URL is the one shown.
    const sandbox = pkg.formSpec("partner").fields.find((f) => f.id === "environment")
      .options.find((o) => o.value === "sandbox");
    assert.ok((await describedBy(page, "Environment")).some((d) => d.text.includes(sandbox.baseUrl)));
    assert.ok(await page.getByRole("button", { name: "Save" }).isDisabled(), "appKey still missing");
    await fillAndBlur(page, "Application key", GOOD.appKey);
    assert.ok(await page.getByRole("button", { name: "Save" }).isEnabled());

    // A field the new type lacks is dropped with its value: it comes back empty.
    await pickApiType(page, "ap-ar-v3");
    assert.equal(await control(page, "Developer key").inputValue(), "");
    assert.equal(await control(page, "Organization ID").inputValue(), "");
    assert.equal(await control(page, "Password").inputValue(), GOOD.password);
    await assertNoLeaks(ctx, [GOOD.password, GOOD.devKey, GOOD.appKey]);
    await context.close();
  });

  test("a non-email username warns without blocking Save", async () => {
    const ctx = await openPage();
    const { page, context } = ctx;
    await pickApiType(page, "ap-ar-v2");
    const username = "sync-token-name";
    for (const f of pkg.formSpec("ap-ar-v2").fields.filter((f) => f.kind !== "select")) {
      await fillAndBlur(page, f.label, f.id === "username" ? username : GOOD[f.id]);
    }
    const [warning] = pkg.validateField("ap-ar-v2", "username", username);
    assert.equal(warning.severity, "warning");
    const msgs = await messagesOf(page, "Username");
    assert.deepEqual(msgs.severities, ["warning"]);
    assert.deepEqual(msgs.codes, ["invalid_format"]);
    assert.ok(msgs.text.includes(warning.message));
    assert.equal(await control(page, "Username").getAttribute("aria-invalid"), null);
    assert.equal(await page.locator("#error-summary").textContent(), "", "warnings are not errors");
    const save = page.getByRole("button", { name: "Save", exact: true });
    assert.ok(await save.isEnabled());
    await save.click();
    const shown = JSON.parse(await page.locator("#result").textContent());
    assert.equal(shown.username, username);
    assert.equal(shown.password, "[redacted]");
    assert.equal(shown.devKey, "[redacted]");
    await context.close();
  });

  test("errors show only once a field is left, and all of them after a Save attempt (Enter)", async () => {
    const ctx = await openPage();
    const { page, context } = ctx;
    await pickApiType(page, "spend-expense");
    const token = control(page, "API token");
    await token.fill("has space");
    // Typed but not yet left: nothing shown, Save disabled.
    assert.equal((await messagesOf(page, "API token")).text, "");
    assert.ok(await page.getByRole("button", { name: "Save" }).isDisabled());
    await token.blur();
    assert.deepEqual((await messagesOf(page, "API token")).codes, ["invalid_format"]);
    // Once touched, it updates as the user types.
    await token.fill("nospace");
    assert.equal((await messagesOf(page, "API token")).text, "");
    assert.equal((await messagesOf(page, "Name your connection")).text, "", "untouched");

    // Enter while invalid: a Save attempt; every error shows, focus goes to the summary.
    await token.press("Enter");
    assert.deepEqual((await messagesOf(page, "Name your connection")).codes, ["required"]);
    const summary = page.locator("#error-summary");
    assert.ok(await summary.evaluate((s) => s === document.activeElement));
    const message = pkg.validateField("spend-expense", "name", "")[0].message;
    await summary.getByRole("link", { name: message }).click();
    assert.ok(await control(page, "Name your connection").evaluate((c) => c === document.activeElement));
    assert.equal(page.url(), baseUrl, "summary links do not touch the URL");
    assert.ok(await page.locator("#result-section").isHidden());
    await context.close();
  });
});

describe("scripts/serve.mjs", () => {
  /** A raw request (fetch would normalise `..` away before sending). */
  function raw(pathname, method = "GET") {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.address().port, path: pathname, method }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  test("content types, no-store and security headers", async () => {
    assert.equal(server.address().address, "127.0.0.1");
    const cases = [
      ["/", "text/html"],
      ["/www/", "text/html"],
      ["/www/index.html", "text/html"],
      ["/app.js", "text/javascript"],
      ["/www/style.css", "text/css"],
      ["/pkg/billcom_connection.js", "text/javascript"],
      ["/pkg/billcom_connection_bg.wasm", "application/wasm"],
    ];
    for (const [p, type] of cases) {
      const r = await raw(p);
      assert.equal(r.status, 200, p);
      assert.ok(r.headers["content-type"].startsWith(type), `${p}: ${r.headers["content-type"]}`);
    }
    for (const p of ["/", "/pkg/billcom_connection_bg.wasm", "/nope", "/../x"]) {
      const { headers } = await raw(p);
      assert.equal(headers["cache-control"], "no-store", p);
      assert.equal(headers["referrer-policy"], "no-referrer", p);
      assert.equal(headers["x-content-type-options"], "nosniff", p);
      assert.equal(headers["content-security-policy"], CONTENT_SECURITY_POLICY, p);
    }
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.equal((await raw("/www")).status, 308);
    assert.equal((await raw("/www")).headers.location, "/www/");
    const head = await raw("/", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal((await raw("/", "POST")).status, 405);
  });

  test("serves only www/ and pkg/, and rejects path traversal", async () => {
    const attempts = [
      "/../package.json", "/pkg/../Cargo.toml", "/%2e%2e/Cargo.toml", "/pkg/%2e%2e/Cargo.toml",
      "/pkg/..%2fCargo.toml", "/www/..%2f..%2f..%2fetc%2fpasswd", "/..%5cCargo.toml",
      "/%2e%2e%2f%2e%2e%2fetc/passwd", "/.git/config", "/src/lib.rs", "/Cargo.toml",
      "/scripts/serve.mjs", "//etc/passwd", "/pkg/%00", "/%E0%A4%A",
    ];
    for (const p of attempts) {
      const r = await raw(p);
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
      assert.ok(!r.body.includes("[package]") && !r.body.includes("root:"), p);
    }
  });

  test("run directly, it prints its URL and honours --port", async () => {
    const child = spawn(process.execPath, [path.join(REPO, "scripts/serve.mjs"), "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      child.stdout.setEncoding("utf8");
      const url = await new Promise((resolve, reject) => {
        child.stdout.on("data", (d) => {
          out += d;
          const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
          if (m) resolve(m[0]);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<form id="connection-form"/);
    } finally {
      child.kill();
    }
  });
});

test("www/ never touches storage, cookies or the console", () => {
  const dir = path.join(REPO, "www");
  for (const name of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, name), "utf8");
    for (const banned of [/localStorage/, /sessionStorage/, /indexedDB/, /document\.cookie|cookieStore/, /\bconsole\.\w/,
      /pushState|replaceState/, /location\.(hash|search|href)\s*=/]) {
      assert.doesNotMatch(text, banned, `${name} uses ${banned}`);
    }
  }
});
