// End-to-end tests of the demo page (www/) in real headless Chromium, served with
// its API by the real backend (target/debug/billcom-connection-server, started
// on a free port with a fresh data directory). One browser for the whole file; a
// fresh context (its own storage) per test. The server's static files, headers and
// path-traversal defence are tested in server/tests/api.rs.
//
//   bash scripts/build.sh && cargo build -p billcom-connection-server \
//     && node --test tests/e2e/
//
// Expected messages come from the package itself (run in Node), so these tests
// check that the page shows what the validator says, beside the right field;
// codes are asserted literally. tests/e2e/custody.test.mjs covers saving, the
// list, edit, delete and the fault cases in depth.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import {
  LAUNCH, REPO, apiGet, assertNoLeaks, control, formState, openPage as open, pageConsole, pickApiType, pkg, startBackend,
} from "./helpers.mjs";

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
/** The real backend, serving the page and the API. */
let backend;
let baseUrl;

before(async () => {
  backend = await startBackend();
  baseUrl = backend.url;
  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

/** A fresh context and page, with every console message, page error, URL and request recorded. */
const openPage = () => open(browser, baseUrl);

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
        inField: !!e && e.closest(".bcf-field") === c.closest(".bcf-field"),
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

describe("demo page, per API type", () => {
  for (const { id: apiTypeId, label: apiTypeLabel } of pkg.apiTypes()) {
    test(`${apiTypeId}: bad values are reported beside fields; fixed values are saved, secrets only as "set"`, async () => {
      const ctx = await openPage();
      const { page, context, consoleMessages } = ctx;
      const historyBefore = await page.evaluate(() => history.length);
      const good = { ...GOOD, name: `${GOOD.name} (${apiTypeId})` };
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
        const expected = spec.fields.some((f) => f.label === label);
        assert.equal(await control(page, label).isVisible(), expected, `${label} shown for ${apiTypeId}`);
      }
      for (const f of spec.fields) {
        const attrs = await control(page, f.label).evaluate((c) =>
          Object.fromEntries([...c.attributes].map((a) => [a.name, a.value])));
        assert.ok(attrs.required !== undefined, `${f.label} is required`);
        if (f.secret) {
          assert.equal(attrs.type, "password");
          assert.equal(attrs.autocomplete, "off");
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

      // The environment options are short; the chosen one's base URL is shown once, beside it.
      const env = spec.fields.find((f) => f.id === "environment");
      const optionTexts = await control(page, "Environment").locator("option").allTextContents();
      assert.deepEqual(optionTexts, env.options.map((o) => o.label));
      await control(page, "Environment").selectOption("sandbox");
      const sandboxUrl = env.options.find((o) => o.value === "sandbox").baseUrl;
      assert.ok((await describedBy(page, "Environment")).some((d) => d.text.includes(sandboxUrl)));
      assert.equal(await page.locator("billcom-connection-form").getByText(sandboxUrl).count(), 1, "the base URL once");
      // The host-correction note only for AP/AR V2.
      const note = await page.getByText("api-sandbox.bill.com was shut down", { exact: false }).count();
      assert.equal(note, apiTypeId === "ap-ar-v2" ? 1 : 0, "environment note");

      // Bad values, each blurred: errors beside each field, the form not valid.
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
      assert.equal((await formState(page)).valid, false);
      assert.equal(await save.evaluate((b) => b.disabled), false, "Save is never disabled");
      assert.equal(await page.locator("billcom-connection-form .bcf-summary").isVisible(), false, "no summary before a Save");
      await save.click();
      const summary = await page.locator("billcom-connection-form .bcf-summary").textContent();
      for (const f of editable) {
        for (const item of pkg.validateField(apiTypeId, f.id, BAD[f.id])) {
          assert.ok(summary.includes(item.message), `summary lists "${item.message}"`);
        }
      }

      // Fix every field: no messages anywhere, Save enabled.
      for (const f of editable) await fillAndBlur(page, f.label, good[f.id]);
      for (const f of spec.fields) {
        const msgs = await messagesOf(page, f.label);
        assert.equal(msgs.text, "", `${f.label}: no messages left`);
        assert.equal(await control(page, f.label).getAttribute("aria-invalid"), null, f.label);
      }
      assert.equal(await page.locator("[aria-invalid='true'], .bcf-msg").count(), 0);
      assert.equal(await page.locator("billcom-connection-form .bcf-summary").textContent(), "");
      assert.equal((await formState(page)).valid, true, "valid once fixed");

      // Until saved, the secrets are in the inputs' value properties (never an attribute).
      for (const f of editable.filter((f) => f.secret)) {
        assert.equal(await control(page, f.label).inputValue(), good[f.id]);
        assert.equal(await control(page, f.label).getAttribute("value"), null);
      }

      await save.click();
      await page.getByRole("status").filter({ hasText: `Saved “${good.name}”` }).waitFor();
      await page.waitForSelector("#list-section:not([aria-busy])");

      // Saved as typed (normalized), secrets only as names in secretsSet.
      const [saved, ...more] = (await apiGet(backend)).body.filter((c) => c.name === good.name);
      assert.equal(more.length, 0, "one record");
      const expected = { name: good.name, apiType: apiTypeId, environment: "sandbox", settings: {} };
      for (const f of editable) {
        if (!f.secret && !["name"].includes(f.id)) expected.settings[f.id] = good[f.id];
      }
      assert.deepEqual(
        { name: saved.name, apiType: saved.apiType, environment: saved.environment, settings: saved.settings },
        expected,
      );
      assert.equal(saved.baseUrl, sandboxUrl);
      assert.deepEqual([...saved.secretsSet].sort(), editable.filter((f) => f.secret).map((f) => f.id).sort());

      // Listed, with each secret shown as "set"; the secret inputs are empty again.
      const item = page.locator("#connections > li").filter({ has: page.getByRole("heading", { name: good.name, exact: true }) });
      assert.deepEqual(await item.locator("[data-secret]").allTextContents(),
        editable.filter((f) => f.secret).map((f) => `${f.label}: set`));
      assert.match(await item.textContent(), new RegExp(apiTypeLabel.replace(/[()]/g, "\\$&")));
      for (const f of editable.filter((f) => f.secret)) {
        assert.equal(await control(page, f.label).inputValue(), "", `${f.id} cleared after the save`);
      }
      const secrets = SECRETS.filter((s) => editable.some((f) => f.secret && (BAD[f.id] === s || GOOD[f.id] === s)));
      assert.ok(secrets.length >= 2, "the leak check has something to look for");
      await assertNoLeaks(ctx, secrets, { baseUrl });
      assert.equal(await page.evaluate(() => history.length), historyBefore, "no history entries");
      // Chromium's own verbose DOM hints (e.g. "Password forms should have ... username
      // fields") are not the page's output; anything else is.
      assert.deepEqual(pageConsole(consoleMessages), [],
        `no console output for ${apiTypeLabel}`);
      await context.close();
    });
  }
});

describe("demo page, behaviour", () => {
  test("switching ap-ar-v3 -> partner -> ap-ar-v3 keeps every value typed for every type", async () => {
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
    assert.equal(await control(page, "Organization ID").isVisible(), false);
    assert.equal(await control(page, "Developer key").isVisible(), false);
    // The partner fields in spec order.
    const ids = await page.locator(".bcf-fields > .bcf-field:not([hidden])").evaluateAll((es) => es.map((e) => e.dataset.field));
    assert.deepEqual(ids, pkg.formSpec("partner").fields.map((f) => f.id));
    // Partner's base URL is the one shown.
    const sandbox = pkg.formSpec("partner").fields.find((f) => f.id === "environment")
      .options.find((o) => o.value === "sandbox");
    assert.ok((await describedBy(page, "Environment")).some((d) => d.text.includes(sandbox.baseUrl)));
    assert.equal((await formState(page)).valid, false, "appKey still missing");
    await fillAndBlur(page, "Application key", GOOD.appKey);
    assert.equal((await formState(page)).valid, true);

    // Back: what was typed for AP/AR V3 is all there, and valid without retyping.
    await pickApiType(page, "ap-ar-v3");
    assert.equal(await control(page, "Developer key").inputValue(), GOOD.devKey);
    assert.equal(await control(page, "Organization ID").inputValue(), GOOD.organizationId);
    assert.equal(await control(page, "Password").inputValue(), GOOD.password);
    assert.equal((await formState(page)).valid, true);
    await assertNoLeaks(ctx, [GOOD.password, GOOD.devKey, GOOD.appKey], { baseUrl });
    await context.close();
  });

  test("a non-email username warns without blocking Save", async () => {
    const ctx = await openPage();
    const { page, context } = ctx;
    await pickApiType(page, "ap-ar-v2");
    const username = "sync-token-name";
    const values = { ...GOOD, name: "Username warning e2e", username };
    for (const f of pkg.formSpec("ap-ar-v2").fields.filter((f) => f.kind !== "select")) {
      await fillAndBlur(page, f.label, values[f.id]);
    }
    const [warning] = pkg.validateField("ap-ar-v2", "username", username);
    assert.equal(warning.severity, "warning");
    const msgs = await messagesOf(page, "Username");
    assert.deepEqual(msgs.severities, ["warning"]);
    assert.deepEqual(msgs.codes, ["invalid_format"]);
    assert.ok(msgs.text.includes(warning.message));
    assert.equal(await control(page, "Username").getAttribute("aria-invalid"), null);
    assert.equal(await page.locator("billcom-connection-form .bcf-summary").textContent(), "", "warnings are not errors");
    const save = page.getByRole("button", { name: "Save", exact: true });
    assert.equal((await formState(page)).valid, true);
    await save.click();
    await page.getByRole("status").filter({ hasText: `Saved “${values.name}”` }).waitFor();
    const [saved] = (await apiGet(backend)).body.filter((c) => c.name === values.name);
    assert.equal(saved.settings.username, username);
    assert.deepEqual([...saved.secretsSet].sort(), ["devKey", "password"]);
    assert.ok(!JSON.stringify(saved).includes(GOOD.password) && !JSON.stringify(saved).includes(GOOD.devKey));
    // The saved value shows again in edit mode, with its warning once the field is left.
    assert.equal(await control(page, "Username").inputValue(), username);
    await control(page, "Username").focus();
    await control(page, "Username").blur();
    assert.deepEqual((await messagesOf(page, "Username")).severities, ["warning"]);
    await context.close();
  });

  test("errors show only once a field is left, and all of them after a Save attempt (Enter)", async () => {
    const ctx = await openPage();
    const { page, context } = ctx;
    await pickApiType(page, "spend-expense");
    const token = control(page, "API token");
    await token.fill("has space");
    // Typed but not yet left: nothing shown.
    assert.equal((await messagesOf(page, "API token")).text, "");
    assert.equal((await formState(page)).valid, false);
    await token.blur();
    assert.deepEqual((await messagesOf(page, "API token")).codes, ["invalid_format"]);
    // Once touched, it updates as the user types.
    await token.fill("nospace");
    assert.equal((await messagesOf(page, "API token")).text, "");
    assert.equal((await messagesOf(page, "Name your connection")).text, "", "untouched");

    // Enter while invalid: a Save attempt; every error shows, focus goes to the summary.
    await token.press("Enter");
    assert.deepEqual((await messagesOf(page, "Name your connection")).codes, ["required"]);
    const summary = page.locator("billcom-connection-form .bcf-summary");
    assert.ok(await summary.evaluate((s) => s === document.activeElement));
    const message = pkg.validateField("spend-expense", "name", "")[0].message;
    await summary.getByRole("link", { name: message }).click();
    assert.ok(await control(page, "Name your connection").evaluate((c) => c === document.activeElement));
    assert.equal(page.url(), baseUrl, "summary links do not touch the URL");
    assert.deepEqual(ctx.requests.filter((r) => r.method !== "GET"), [], "nothing was sent");
    await context.close();
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
