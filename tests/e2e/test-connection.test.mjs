// "Test connection", end to end: the demo page in real headless Chromium, the real
// backend (target/debug/billcom-connection-server) with BILLCOM_API_ORIGIN pointing
// at the BILL test double (tests/support/bill-mock.mjs, started in-process on a
// free loopback port). Nothing is stubbed in the browser: every click goes page ->
// backend -> mock -> backend -> page. One browser for the file; a fresh context
// per test.
//
//   bash scripts/build.sh && cargo build -p billcom-connection-server \
//     && node --test tests/e2e/test-connection.test.mjs
//
// For each API type: the mock's good credentials -> "Connected"; a wrong password
// (or token) -> those fields marked with BILL's reason, every value kept; a wrong
// key and organization ID -> that field marked; a locked user -> a form-level
// message; BILL answering 500 (or HTML) -> a form-level message; in edit mode,
// once the secrets are entered again -> "Connected"; a saved connection's row
// "Test" -> "Connected" (and failures shown in the row: BILL down, a stored
// password BILL refuses). Then no secret in the
// URL, storage, console or server log, and only POST /api/connections/test and
// the create/update calls carry one in their body.

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { ACCOUNTS, startBillMock } from "../support/bill-mock.mjs";
import {
  LAUNCH, apiGet, assertNoLeaks, control, en, formState, isTestCall, openPage, pageConsole, pickApiType, pkg, startBackend,
} from "./helpers.mjs";

const CONNECTED = "Connected: BILL accepted these credentials.";
// Short, so the "BILL too slow" case costs little; BILL's real timeout is 10 s.
const BILL_TIMEOUT_MS = 1500;
// Each test takes a few seconds; a hang fails instead of stalling the run.
const LIMIT = { timeout: 60_000 };

let browser;
let backend;
let mock;

before(async () => {
  mock = await startBillMock();
  backend = await startBackend({ env: { BILLCOM_API_ORIGIN: mock.origin, BILLCOM_API_TIMEOUT_MS: String(BILL_TIMEOUT_MS) } });
  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  await browser?.close();
  await backend?.stop();
  await mock?.close();
});

// A failed assertion must not leave the mock broken for the next test.
afterEach(() => mock.setMode({ mode: "normal" }));

const specOf = (apiTypeId) => pkg.formSpec(apiTypeId);
const textFields = (apiTypeId) => specOf(apiTypeId).fields.filter((f) => f.kind !== "select");
const secretFields = (apiTypeId) => specOf(apiTypeId).fields.filter((f) => f.secret);
const labelOf = (apiTypeId, fieldId) => specOf(apiTypeId).fields.find((f) => f.id === fieldId).label;

/** What each API type logs in with (the mock's accounts), and the calls the backend must make. */
const CASES = {
  "ap-ar-v2": {
    good: ACCOUNTS.apar,
    calls: ["POST /api/v2/Login.json"],
    wrongKey: { field: "devKey", value: "MOCK-DEV-KEY-WRONG", billCode: "BDC_1102" },
    wrongOrg: true,
    formLevel: [{ set: { username: ACCOUNTS.lockedUser }, code: "locked", billCode: "BDC_1110" }, { mode: "error500", code: "upstream_error" }],
  },
  "ap-ar-v3": {
    good: ACCOUNTS.apar,
    calls: ["POST /connect/v3/login", "GET /connect/v3/login/session", "POST /connect/v3/logout"],
    wrongKey: { field: "devKey", value: "MOCK-DEV-KEY-WRONG", billCode: "BDC_1102" },
    wrongOrg: true,
    formLevel: [
      { set: { username: ACCOUNTS.lockedUser }, code: "locked", billCode: "BDC_1110" },
      { set: { username: ACCOUNTS.rateLimitedUser }, code: "rate_limited", billCode: "BDC_1144" },
      { mode: "error500", code: "upstream_error" },
      { mode: "slow", delayMs: BILL_TIMEOUT_MS + 1500, code: "timeout" },
    ],
  },
  partner: {
    good: ACCOUNTS.partner,
    calls: ["POST /connect/v3/partner/login"],
    wrongKey: { field: "appKey", value: "MOCK-APP-KEY-WRONG", billCode: "BDC_1102" },
    formLevel: [{ set: { username: ACCOUNTS.lockedUser }, code: "locked", billCode: "BDC_1110" }, { mode: "error500", code: "upstream_error" }],
  },
  "spend-expense": {
    good: ACCOUNTS.spend,
    calls: ["GET /connect/v3/spend/budgets"],
    formLevel: [{ mode: "error500", code: "upstream_error" }, { mode: "html", code: "invalid_response" }],
  },
};

const testButton = (page) => page.getByRole("button", { name: "Test connection", exact: true });
const saveButton = (page) => page.getByRole("button", { name: "Save", exact: true });
const row = (page, name) => page.locator("#connections > li").filter({ has: page.getByRole("heading", { name, exact: true }) });

async function fill(page, apiTypeId, values) {
  for (const f of textFields(apiTypeId)) {
    if (values[f.id] !== undefined) await control(page, f.label).fill(values[f.id]);
  }
}

async function allValues(page, apiTypeId) {
  const out = {};
  for (const f of specOf(apiTypeId).fields) out[f.id] = await control(page, f.label).inputValue();
  return out;
}

/** A field's marking: aria-invalid, and the messages linked to it beside the control. */
async function marking(page, label) {
  const c = control(page, label);
  const m = await c.evaluate((input) => {
    const id = input.getAttribute("aria-describedby").split(" ").find((i) => i.endsWith("-msgs"));
    const e = document.getElementById(id);
    return {
      inField: e.closest(".bcf-field") === input.closest(".bcf-field"),
      text: e.textContent,
      codes: [...e.querySelectorAll("[data-code]")].map((x) => x.dataset.code),
      billCodes: [...e.querySelectorAll("[data-bill-code]")].map((x) => x.dataset.billCode),
    };
  });
  assert.ok(m.inField, `${label}: the messages sit beside the field`);
  return { invalid: (await c.getAttribute("aria-invalid")) === "true", ...m };
}

const invalidFields = (page) =>
  page.locator("[aria-invalid='true']").evaluateAll((els) => els.map((e) => e.name).sort());

/** Clicks "Test connection" and waits for its answer (a status or an alert). */
async function runTest(page) {
  const t0 = Date.now();
  await testButton(page).click();
  await page.waitForFunction(() => {
    const f = document.querySelector("billcom-connection-form");
    return !f.querySelector("form").hasAttribute("aria-busy") &&
      (f.querySelector(".bcf-status").textContent !== "" || f.querySelector(".bcf-alert").textContent !== "");
  });
  return Date.now() - t0;
}

const STATUS = "billcom-connection-form .bcf-status";
const ALERT = "billcom-connection-form .bcf-alert";
const statusText = (page) => page.locator(STATUS).textContent();
const alertCodes = (page) => page.locator(`${ALERT} [data-code]`).evaluateAll((ps) => ps.map((p) => p.dataset.code));
/** The part of a catalogue text before its first placeholder. */
const lead = (text) => text.split("{")[0];

async function expectConnected(page) {
  await runTest(page);
  assert.equal(await statusText(page), CONNECTED);
  assert.equal(await page.locator(STATUS).getAttribute("role"), "status");
  assert.equal(await page.locator(ALERT).textContent(), "");
  assert.deepEqual(await invalidFields(page), []);
}

/** A field-level refusal: exactly `fields` marked, with BILL's code; the form-level alert says so. */
async function expectMarked(page, apiTypeId, fields, billCode) {
  await runTest(page);
  assert.equal(await statusText(page), "", "no success shown");
  assert.deepEqual(await invalidFields(page), [...fields].sort());
  for (const f of fields) {
    const m = await marking(page, labelOf(apiTypeId, f));
    assert.ok(m.invalid, f);
    assert.deepEqual(m.codes, ["rejected"], `${f}: ${m.text}`);
    if (billCode) assert.deepEqual(m.billCodes, [billCode], f);
    assert.match(m.text, /BILL/, `${f}: a message from the test: ${m.text}`);
  }
  const alert = page.locator(ALERT);
  assert.equal(await alert.getAttribute("role"), "alert");
  assert.equal(await alert.textContent(), en.refused, "BILL refused these credentials (on fields)");
  // The summary lists each once, each link naming its field, and has the focus.
  const summary = page.locator("billcom-connection-form .bcf-summary");
  assert.ok(await summary.evaluate((s) => s === document.activeElement));
  const links = await summary.getByRole("link").allTextContents();
  assert.equal(new Set(links).size, links.length, `no duplicate links: ${links}`);
  for (const f of fields) assert.ok(links.some((l) => l.startsWith(labelOf(apiTypeId, f))), `a link names ${f}: ${links}`);
}

/** A form-level refusal: no field marked; the alert carries the code. */
async function expectFormLevel(page, code) {
  await runTest(page);
  assert.equal(await statusText(page), "");
  assert.deepEqual(await invalidFields(page), [], "no field blamed");
  assert.deepEqual(await alertCodes(page), [code]);
  assert.ok((await page.locator(ALERT).textContent()).startsWith(lead(en.refusedLogin)));
}

describe("Test connection, per API type, through the real backend to the BILL mock", () => {
  for (const { id: apiTypeId } of pkg.apiTypes()) {
    test(`${apiTypeId}: connected; wrong credentials marked on their fields; form-level failures; edit mode; a saved row's Test`, LIMIT, async () => {
      const c = CASES[apiTypeId];
      const rec = await openPage(browser, backend.url);
      const { page, context } = rec;
      const name = `Test ${apiTypeId}`;
      const good = { name, ...c.good };
      const secrets = new Set(secretFields(apiTypeId).map((f) => good[f.id]));

      await pickApiType(page, apiTypeId);
      await control(page, "Environment").selectOption("sandbox");
      // Pressed while invalid: not disabled; every error shows, the summary takes focus, nothing is sent.
      const requestsBefore = rec.requests.length;
      await testButton(page).click();
      assert.ok(await page.locator("billcom-connection-form .bcf-summary").evaluate((s) => s === document.activeElement));
      assert.equal(await page.locator(ALERT).textContent(), en.fixFirst);
      assert.equal(rec.requests.length, requestsBefore, "nothing sent");
      await fill(page, apiTypeId, good);
      assert.equal((await formState(page)).valid, true);

      // The good credentials: connected; the backend made BILL's calls, in order.
      const seen = mock.calls.length;
      await expectConnected(page);
      assert.deepEqual(mock.calls.slice(seen).map((x) => `${x.method} ${x.path}`), c.calls);
      assert.equal(await testButton(page).evaluate((b) => b === document.activeElement), true, "focus back on the button");

      // Wrong password (or token): the fields BILL blamed, every value kept.
      const wrong = apiTypeId === "spend-expense"
        ? { field: "apiToken", value: "MOCK-SPEND-TOKEN-WRONG", marked: ["apiToken"], billCode: null }
        : { field: "password", value: "Wrong-Pass-9", marked: ["username", "password"], billCode: "BDC_1101" };
      secrets.add(wrong.value);
      await fill(page, apiTypeId, { [wrong.field]: wrong.value });
      const typed = await allValues(page, apiTypeId);
      await expectMarked(page, apiTypeId, wrong.marked, wrong.billCode);
      assert.deepEqual(await allValues(page, apiTypeId), typed, "every value is still in the inputs");
      assert.ok(await testButton(page).isEnabled(), "a retry is possible");
      assert.ok(await saveButton(page).isEnabled(), "BILL's refusal does not block Save");
      // Typing in a field clears that field's test error only.
      await fill(page, apiTypeId, { [wrong.field]: good[wrong.field] });
      assert.equal((await marking(page, labelOf(apiTypeId, wrong.field))).invalid, false);
      assert.deepEqual(await invalidFields(page), wrong.marked.filter((f) => f !== wrong.field));
      if (wrong.field === "password") {
        await fill(page, apiTypeId, { username: good.username });
        assert.deepEqual(await invalidFields(page), []);
      }
      assert.equal(await page.locator(ALERT).textContent(), "", "the alert about marked fields goes with them");

      // A wrong developer or app key; a wrong organization ID.
      if (c.wrongKey) {
        secrets.add(c.wrongKey.value);
        await fill(page, apiTypeId, { [c.wrongKey.field]: c.wrongKey.value });
        await expectMarked(page, apiTypeId, [c.wrongKey.field], c.wrongKey.billCode);
        await fill(page, apiTypeId, { [c.wrongKey.field]: good[c.wrongKey.field] });
      }
      if (c.wrongOrg) {
        await fill(page, apiTypeId, { organizationId: "00801MOCKORG0999" });
        await expectMarked(page, apiTypeId, ["organizationId"], "BDC_1123");
        await fill(page, apiTypeId, { organizationId: good.organizationId });
      }

      // Form-level answers: a locked user, BILL's limits, BILL down, slow or answering HTML.
      for (const f of c.formLevel) {
        if (f.set) await fill(page, apiTypeId, f.set);
        if (f.mode) mock.setMode({ mode: f.mode, delayMs: f.delayMs ?? 0 });
        const before = await allValues(page, apiTypeId);
        await runTest(page);
        assert.deepEqual(await alertCodes(page), [f.code], `${f.set ? JSON.stringify(f.set) : f.mode}`);
        // "Could not test" (timeout, BILL 5xx, unreachable, limits) is not "BILL refused".
        const couldNot = ["timeout", "upstream_error", "unreachable", "invalid_response", "rate_limited"].includes(f.code);
        assert.ok((await page.locator(ALERT).textContent()).startsWith(lead(couldNot ? en.couldNotTest : en.refusedLogin)), f.code);
        assert.deepEqual(await invalidFields(page), []);
        assert.equal(await statusText(page), "");
        if (f.billCode) {
          assert.deepEqual(await page.locator(`${ALERT} [data-bill-code]`).evaluateAll((ps) => ps.map((p) => p.dataset.billCode)), [f.billCode]);
        }
        assert.deepEqual(await allValues(page, apiTypeId), before, "every value kept");
        mock.setMode({ mode: "normal" });
        if (f.set) await fill(page, apiTypeId, good);
      }

      // Back to good: connected again, then saved.
      await expectConnected(page);
      await saveButton(page).click();
      await page.getByRole("status").filter({ hasText: `Saved “${name}”` }).waitFor();
      await page.waitForSelector("#list-section:not([aria-busy])");
      const saved = (await apiGet(backend)).body.find((x) => x.name === name);
      assert.ok(saved, "saved");

      // Edit mode: Test waits for every secret to be entered again, then works the same.
      assert.deepEqual(await formState(page), { mode: "edit", dirty: false, valid: false }, "the secrets must be entered again first");
      await fill(page, apiTypeId, Object.fromEntries(secretFields(apiTypeId).map((f) => [f.id, good[f.id]])));
      await expectConnected(page);

      // The saved connection's row: Test sends no body; the server uses the stored secrets.
      const item = row(page, name);
      const rowTest = item.getByRole("button", { name: `Test ${name}`, exact: true });
      await rowTest.click();
      await item.getByRole("status").filter({ hasText: CONNECTED }).waitFor();
      assert.equal(await item.locator(".row-alert").textContent(), "");
      if (apiTypeId === "ap-ar-v3") {
        // A failure shows in the row, form-level.
        mock.setMode({ mode: "error500" });
        await rowTest.click();
        await item.locator(".row-alert [data-code='upstream_error']").waitFor();
        assert.equal(await item.locator(".row-status").textContent(), "");
        mock.setMode({ mode: "normal" });
      }
      if (apiTypeId === "partner") {
        // A saved connection BILL refuses: the row names the fields, by label.
        const badName = `${name} (wrong password)`;
        // The secrets typed again are unsaved work: the demo asks before discarding them.
        let asked = "";
        page.once("dialog", (d) => {
          asked = d.message();
          d.accept();
        });
        await page.getByRole("button", { name: "New connection", exact: true }).click();
        assert.equal(asked, "Discard the changes you have not saved?");
        await pickApiType(page, apiTypeId); // a new connection starts from the defaults
        await fill(page, apiTypeId, { ...good, name: badName, password: wrong.value });
        await saveButton(page).click();
        await page.getByRole("status").filter({ hasText: `Saved “${badName}”` }).waitFor();
        await page.waitForSelector("#list-section:not([aria-busy])");
        const bad = row(page, badName);
        await bad.getByRole("button", { name: `Test ${badName}`, exact: true }).click();
        await bad.locator(".row-alert [data-code='rejected']").waitFor();
        assert.match(await bad.locator(".row-alert").textContent(),
          /^Not connected\.Username, Password: BILL did not accept this username and password\.To change these settings, edit/);
        assert.equal(await bad.locator(".row-status").textContent(), "");
        assert.equal(await item.locator(".row-status").textContent(), CONNECTED, "the other row keeps its result");
      }
      const rowCalls = rec.requests.filter((r) => new URL(r.url).pathname === `/api/connections/${saved.id}/test`);
      assert.ok(rowCalls.length >= 1);
      for (const r of rowCalls) assert.equal(r.method, "POST");
      for (const r of rowCalls) assert.equal(r.body, "", "no body: no secret");

      // Custody: secrets only in the bodies of the test and save calls.
      const bodies = rec.requests.filter((r) => [...secrets].some((s) => r.body.includes(s)));
      assert.ok(bodies.some(isTestCall), "the test calls carried the typed secrets");
      await assertNoLeaks(rec, [...secrets], { baseUrl: backend.url, testCalls: true });
      assert.deepEqual(pageConsole(rec.consoleMessages), [], "no console output");
      for (const s of secrets) assert.ok(!backend.logs().includes(s), "a secret in the server log");
      await context.close();
    });
  }
});

describe("Test connection: while in flight, and wrong usage", () => {
  test("aria-disabled (form busy, announced) while a test runs; one request for a double click; values kept", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    await pickApiType(page, "partner");
    await fill(page, "partner", { name: "In flight", ...ACCOUNTS.partner });
    mock.setMode({ delayMs: 500 });
    await testButton(page).dblclick();
    assert.equal(await testButton(page).getAttribute("aria-disabled"), "true", "Test aria-disabled while testing");
    assert.equal(await saveButton(page).getAttribute("aria-disabled"), "true", "Save aria-disabled while testing");
    assert.equal(await page.locator("billcom-connection-form form").getAttribute("aria-busy"), "true");
    assert.equal(await page.locator(STATUS).textContent(), en.testing, "busy is announced");
    await page.locator(STATUS).filter({ hasText: CONNECTED }).waitFor();
    mock.setMode({ mode: "normal" });
    assert.equal(rec.requests.filter(isTestCall).length, 1, "one request");
    assert.equal(await control(page, "Password").inputValue(), ACCOUNTS.partner.password);
    assert.equal(await testButton(page).getAttribute("aria-disabled"), null);
    await assertNoLeaks(rec, [ACCOUNTS.partner.password, ACCOUNTS.partner.appKey], { baseUrl: backend.url, testCalls: true });
    assert.deepEqual(pageConsole(rec.consoleMessages), []);
    await context.close();
  });

  test("the leak check still refuses a secret in any other request body", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    const s = "Not-A-Real-Secret-77";
    // The body is read, so the recorder's copy of the response completes.
    await page.evaluate((v) => fetch("/api/connections/x/test", { method: "POST", body: v }).then((r) => r.text()), s);
    await assert.rejects(assertNoLeaks(rec, [s], { baseUrl: backend.url, testCalls: true }), /sent in the body of POST/);
    await context.close();
  });
});
