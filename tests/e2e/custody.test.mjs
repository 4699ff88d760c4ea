// Secret custody, end to end: the demo page in real headless Chromium against the
// real backend (target/debug/billcom-connection-server, started here on a free
// loopback port with a fresh data directory and key). One browser for the file;
// a fresh context per test.
//
//   bash scripts/build.sh && cargo build -p billcom-connection-server \
//     && node --test tests/e2e/custody.test.mjs
//
// For each API type: create, list (secrets shown only as "set"), edit (every
// secret re-entered), delete; then no secret anywhere in the browser but the
// create/update request bodies. Fault cases (backend down, 500, 422, timeout,
// double click) through `page.route`: nothing typed is lost and a retry works.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import {
  LAUNCH, REENTER, apiGet, assertNoLeaks, control, en, formState, openPage, pageConsole, pickApiType, pkg, startBackend,
} from "./helpers.mjs";

let browser;
let backend;

before(async () => {
  backend = await startBackend();
  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

const API_PATH = /\/api\/connections(\/[^/?]*)?(\?.*)?$/;

/** Distinctive values per API type and phase, so a leak found anywhere is real. */
function valuesFor(apiTypeId, phase) {
  const tag = apiTypeId.replace(/[^a-z0-9]/g, "");
  return {
    name: `Custody ${apiTypeId}`,
    organizationId: "00801ABCDEFGHIJKLMNO",
    username: "ops@example.com",
    password: `Pw ${tag} ${phase} q7!`,
    devKey: `DevKey${tag}${phase}Q7`,
    appKey: `AppKey${tag}${phase}Q7`,
    apiToken: `ApiToken-${tag}-${phase}-Q7`,
  };
}

const specOf = (apiTypeId) => pkg.formSpec(apiTypeId);
const textFields = (apiTypeId) => specOf(apiTypeId).fields.filter((f) => f.kind !== "select");
const secretFields = (apiTypeId) => specOf(apiTypeId).fields.filter((f) => f.secret);

async function fillAll(page, apiTypeId, values, environment = "sandbox") {
  await pickApiType(page, apiTypeId);
  await control(page, "Environment").selectOption(environment);
  for (const f of textFields(apiTypeId)) await control(page, f.label).fill(values[f.id]);
}

const saveButton = (page) => page.getByRole("button", { name: "Save", exact: true });
const row = (page, name) => page.locator("#connections > li").filter({ has: page.getByRole("heading", { name, exact: true }) });

/** Waits for the "Saved …" status after a click on Save. */
async function savedAs(page, name) {
  await page.getByRole("status").filter({ hasText: `Saved “${name}”` }).waitFor();
  await page.waitForSelector("#list-section:not([aria-busy])");
}

async function secretValues(page, apiTypeId) {
  const out = {};
  for (const f of secretFields(apiTypeId)) out[f.id] = await control(page, f.label).inputValue();
  return out;
}

async function allValues(page, apiTypeId) {
  const out = {};
  for (const f of specOf(apiTypeId).fields) out[f.id] = await control(page, f.label).inputValue();
  return out;
}

const FORM = "billcom-connection-form";

describe("create, list, edit, delete per API type", () => {
  for (const { id: apiTypeId, label: apiTypeLabel } of pkg.apiTypes()) {
    test(`${apiTypeId}: create, list, edit (re-enter secrets), delete; no secret kept by the browser`, async () => {
      const rec = await openPage(browser, backend.url);
      const { page, context } = rec;
      const created = valuesFor(apiTypeId, "create");
      const edited = { ...valuesFor(apiTypeId, "edit"), name: `${created.name} renamed` };
      const secrets = secretFields(apiTypeId).flatMap((f) => [created[f.id], edited[f.id]]);
      const env = specOf(apiTypeId).fields.find((f) => f.id === "environment");
      const sandbox = env.options.find((o) => o.value === "sandbox");

      // Create.
      await fillAll(page, apiTypeId, created);
      rec.seeUrl();
      assert.deepEqual(await formState(page), { mode: "create", dirty: true, valid: true });
      const save = saveButton(page);
      assert.ok(await save.isEnabled());
      await save.click();
      await savedAs(page, created.name);
      rec.seeUrl();
      // The secrets left the DOM; the form now edits the saved record.
      assert.deepEqual(await secretValues(page, apiTypeId), Object.fromEntries(secretFields(apiTypeId).map((f) => [f.id, ""])));
      // Edit mode, nothing unsaved; not valid only because no secret is held any more.
      assert.deepEqual(await formState(page), { mode: "edit", dirty: false, valid: false });
      assert.equal(await page.locator("#form-heading").textContent(), `Edit “${created.name}”`);

      // The backend has it, with the server-derived base URL and no secret value.
      const list = (await apiGet(backend)).body.filter((c) => c.name === created.name);
      assert.equal(list.length, 1, "one record");
      const [saved] = list;
      assert.equal(saved.apiType, apiTypeId);
      assert.equal(saved.environment, "sandbox");
      assert.equal(saved.baseUrl, sandbox.baseUrl);
      assert.deepEqual([...saved.secretsSet].sort(), secretFields(apiTypeId).map((f) => f.id).sort());
      for (const f of textFields(apiTypeId).filter((f) => !f.secret && f.id !== "name")) {
        assert.equal(saved.settings[f.id], created[f.id], f.id);
      }

      // Listed: name, API type, environment, base URL, each secret only as "set".
      const item = row(page, created.name);
      assert.equal(await item.count(), 1);
      const dl = await item.locator("dl").evaluate((d) => {
        const out = {};
        for (const dt of d.querySelectorAll("dt")) out[dt.textContent] = dt.nextElementSibling.textContent;
        return out;
      });
      assert.equal(dl["API type"], apiTypeLabel);
      assert.equal(dl.Environment, "Sandbox");
      assert.equal(dl["Base URL"], sandbox.baseUrl);
      const shownSecrets = await item.locator("[data-secret]").allTextContents();
      assert.deepEqual(shownSecrets, secretFields(apiTypeId).map((f) => `${f.label}: set`));
      const rowText = await item.textContent();
      for (const s of secrets) assert.ok(!rowText.includes(s));

      // "New connection" returns to an empty create form.
      await page.getByRole("button", { name: "New connection", exact: true }).click();
      assert.equal(await page.locator("#form-heading").textContent(), "New connection");
      assert.equal((await formState(page)).mode, "create");
      for (const f of textFields(apiTypeId)) assert.equal(await control(page, f.label).inputValue(), "", f.id);
      assert.equal(await control(page, "Environment").inputValue(), "production", "a new connection starts from defaults");
      assert.equal((await formState(page)).valid, false);

      // Edit: non-secrets loaded, every secret empty and required; the form says once
      // that secrets must be entered again; not valid until all of them are.
      await page.getByRole("button", { name: `Edit ${created.name}`, exact: true }).click();
      await page.locator("#form-heading").filter({ hasText: `Edit “${created.name}”` }).waitFor();
      rec.seeUrl();
      assert.equal((await formState(page)).mode, "edit");
      assert.equal(await control(page, "API type").inputValue(), apiTypeId);
      assert.equal(await control(page, "Environment").inputValue(), "sandbox");
      for (const f of textFields(apiTypeId).filter((f) => !f.secret)) {
        assert.equal(await control(page, f.label).inputValue(), created[f.id], f.id);
      }
      for (const f of secretFields(apiTypeId)) {
        const c = control(page, f.label);
        assert.equal(await c.inputValue(), "", `${f.id} starts empty`);
        assert.equal(await c.getAttribute("required"), "");
        assert.equal(await c.getAttribute("type"), "password");
        assert.equal(await c.getAttribute("autocomplete"), "off");
        assert.equal(await c.getAttribute("placeholder"), en.secretSaved, `${f.id}: reads as saved, not as missing`);
      }
      assert.equal(await page.getByText(REENTER, { exact: true }).count(), 1, "the re-enter note, once per form");
      assert.ok(await page.getByText(REENTER, { exact: true }).isVisible());
      assert.equal((await formState(page)).valid, false, "not valid until the secrets are entered again");
      await control(page, "Name your connection").fill(edited.name);
      const [first, ...rest] = secretFields(apiTypeId);
      await control(page, first.label).fill(edited[first.id]);
      if (rest.length > 0) {
        assert.equal((await formState(page)).valid, false, "one secret is not enough");
        for (const f of rest) await control(page, f.label).fill(edited[f.id]);
      }
      assert.deepEqual(await formState(page), { mode: "edit", dirty: true, valid: true });
      await save.click();
      await savedAs(page, edited.name);
      rec.seeUrl();
      assert.deepEqual(await secretValues(page, apiTypeId), Object.fromEntries(secretFields(apiTypeId).map((f) => [f.id, ""])));

      // One POST, then one PUT to the record carrying the re-entered secrets.
      const writes = rec.requests.filter((r) => ["POST", "PUT", "PATCH"].includes(r.method));
      assert.deepEqual(writes.map((r) => `${r.method} ${new URL(r.url).pathname}`),
        ["POST /api/connections", `PUT /api/connections/${saved.id}`]);
      const putBody = JSON.parse(writes[1].body);
      assert.equal(putBody.name, edited.name);
      assert.deepEqual(putBody.secrets, Object.fromEntries(secretFields(apiTypeId).map((f) => [f.id, edited[f.id]])));
      const after = await apiGet(backend, `api/connections/${saved.id}`);
      assert.equal(after.status, 200);
      assert.equal(after.body.name, edited.name);
      assert.equal(await row(page, created.name).count(), 0, "the old name is gone from the list");
      assert.equal(await row(page, edited.name).count(), 1);

      // Delete: a dismissed confirmation deletes nothing; an accepted one deletes.
      const del = page.getByRole("button", { name: `Delete ${edited.name}`, exact: true });
      if (apiTypeId === "ap-ar-v2") {
        page.once("dialog", (d) => d.dismiss());
        await del.click();
        assert.equal((await apiGet(backend, `api/connections/${saved.id}`)).status, 200);
        assert.equal(await row(page, edited.name).count(), 1);
      }
      let question = "";
      page.once("dialog", (d) => {
        question = d.message();
        d.accept();
      });
      await del.click();
      await row(page, edited.name).waitFor({ state: "detached" });
      assert.match(question, new RegExp(`Delete “${edited.name}”`));
      assert.equal((await apiGet(backend, `api/connections/${saved.id}`)).status, 404);
      assert.ok(await page.getByRole("status").filter({ hasText: `Deleted “${edited.name}”` }).isVisible());
      // The form was editing it: it is back to a new connection.
      assert.equal(await page.locator("#form-heading").textContent(), "New connection");

      await assertNoLeaks(rec, secrets, { baseUrl: backend.url });
      assert.deepEqual(pageConsole(rec.consoleMessages), [], "no console output");
      // The server's own log never saw a secret either.
      for (const s of secrets) assert.ok(!backend.logs().includes(s), "secret in the server log");
      await context.close();
    });
  }
});

describe("fault cases: nothing typed is lost, a retry works", () => {
  /** Fills a form, breaks the API with `handler`, clicks Save; checks all is kept. */
  async function failThenRetry({ apiTypeId, phase, prepare, handler, expectAlert, check }) {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    const values = { ...valuesFor(apiTypeId, phase), name: `Fault ${phase}` };
    await fillAll(page, apiTypeId, values, "production");
    const typed = await allValues(page, apiTypeId);
    const before = (await apiGet(backend)).body.length;

    await prepare?.(page);
    await page.route(API_PATH, handler);
    const t0 = Date.now();
    await saveButton(page).click();
    const alert = page.locator(`${FORM} .bcf-alert`);
    await alert.filter({ hasText: expectAlert }).waitFor();
    assert.equal(await alert.getAttribute("role"), "alert");
    // The outcome sits beside the buttons (right after them), not far above the form.
    assert.ok(await alert.evaluate((a) => a.closest("form").querySelector(".bcf-actions").compareDocumentPosition(a) & 4));
    assert.ok(Date.now() - t0 < 1400, "the page did not wait for a late answer");
    rec.seeUrl();

    // Every value, secrets included, is still in the inputs and in the form.
    assert.deepEqual(await allValues(page, apiTypeId), typed);
    assert.deepEqual(await formState(page), { mode: "create", dirty: true, valid: true });
    assert.equal(await saveButton(page).getAttribute("aria-disabled"), null, "Save is available for a retry");
    assert.equal((await apiGet(backend)).body.length, before, "nothing was saved");
    await check?.(page);

    // Retry against the real backend: saved once, secrets out of the DOM.
    await page.unroute(API_PATH, handler);
    await saveButton(page).click();
    await savedAs(page, values.name);
    assert.equal(await alert.textContent(), "", "the failure message is gone");
    assert.equal(await page.locator("[aria-invalid='true']").count(), 0);
    assert.deepEqual(await secretValues(page, apiTypeId), Object.fromEntries(secretFields(apiTypeId).map((f) => [f.id, ""])));
    const saved = (await apiGet(backend)).body.filter((c) => c.name === values.name);
    assert.equal(saved.length, 1);
    assert.equal(saved[0].apiType, apiTypeId);

    const secrets = secretFields(apiTypeId).map((f) => values[f.id]);
    await assertNoLeaks(rec, secrets, { baseUrl: backend.url, noStore: false });
    // Only Chromium's own "Failed to load resource" lines, which name no value.
    for (const m of pageConsole(rec.consoleMessages)) assert.match(m, /^error: Failed to load resource/);
    await context.close();
  }

  test("backend down (connection refused): a clear message; values kept; retry saves", () =>
    failThenRetry({
      apiTypeId: "ap-ar-v3",
      phase: "down",
      handler: (route) => route.abort("connectionrefused"),
      expectAlert: "Could not reach the server",
    }));

  test("500: the status is shown; values kept; retry saves", () =>
    failThenRetry({
      apiTypeId: "partner",
      phase: "500",
      handler: (route) =>
        route.request().method() === "GET"
          ? route.fallback()
          : route.fulfill({
            status: 500,
            contentType: "application/json",
            headers: { "cache-control": "no-store" },
            body: JSON.stringify({ message: "The server could not complete the request.", errors: [] }),
          }),
      expectAlert: "status 500",
    }));

  test("422: the server's items appear on their fields; values kept; retry saves", () => {
    const items = [
      { field: "devKey", code: "invalid_format", severity: "error", message: "Developer key was refused by the server." },
      { field: "organizationId", code: "too_short", severity: "error", message: "Organization ID was refused by the server." },
      { field: null, code: "invalid_format", severity: "error", message: "The connection as a whole was refused." },
    ];
    return failThenRetry({
      apiTypeId: "ap-ar-v2",
      phase: "422",
      handler: (route) =>
        route.request().method() === "GET"
          ? route.fallback()
          : route.fulfill({
            status: 422,
            contentType: "application/json",
            headers: { "cache-control": "no-store" },
            body: JSON.stringify({ message: "The connection is not valid; see errors.", errors: items }),
          }),
      expectAlert: "did not accept these settings",
      check: async (page) => {
        for (const [label, item] of [["Developer key", items[0]], ["Organization ID", items[1]]]) {
          const c = control(page, label);
          assert.equal(await c.getAttribute("aria-invalid"), "true", label);
          const msgs = await c.evaluate((input) => {
            const id = input.getAttribute("aria-describedby").split(" ").find((i) => i.endsWith("-msgs"));
            const e = document.getElementById(id);
            return { inField: e.closest(".bcf-field") === input.closest(".bcf-field"), text: e.textContent,
              codes: [...e.querySelectorAll("[data-code]")].map((m) => m.dataset.code) };
          });
          assert.ok(msgs.inField, `${label}: the message sits beside the field`);
          assert.ok(msgs.text.includes(item.message), `${label}: ${msgs.text}`);
          assert.deepEqual(msgs.codes, [item.code]);
        }
        assert.match(await page.locator(`${FORM} .bcf-summary`).textContent(), /Developer key was refused/);
        assert.match(await page.locator(`${FORM} .bcf-alert`).textContent(), /The connection as a whole was refused\./);
        assert.ok(await page.locator(`${FORM} .bcf-summary`).evaluate((s) => s === document.activeElement), "focus on the summary");
        // Changing the field clears the server's item for it.
        const c = control(page, "Organization ID");
        const v = await c.inputValue();
        await c.fill(`${v}X`);
        await c.fill(v);
        assert.equal(await c.getAttribute("aria-invalid"), null);
      },
    });
  });

  test("a response slower than the timeout: 'it may have been saved'; values kept; retry saves", async () => {
    let held = 0;
    await failThenRetry({
      apiTypeId: "spend-expense",
      phase: "slow",
      // The page reads the hook at submit time; the URL is never involved.
      prepare: (page) => page.locator(FORM).evaluate((f) => { f.timeoutMs = 400; }),
      handler: async (route) => {
        if (route.request().method() === "GET") return route.fallback();
        held++;
        // Never reaches the backend; answers (too late) after the page gave up.
        await new Promise((r) => setTimeout(r, 1500));
        await route.fulfill({ status: 201, contentType: "application/json", body: '{"id":"late"}' }).catch(() => {});
      },
      expectAlert: "No answer in time; it may have been saved.",
      check: async () => assert.equal(held, 1, "one request, held past the timeout"),
    });
  });

  test("a double click on Save, or a burst of submits, creates exactly one record", async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    // Slow the create down a little so the second click lands while it is in flight.
    const slow = async (route) => {
      if (route.request().method() === "POST") await new Promise((r) => setTimeout(r, 500));
      await route.fallback();
    };
    await page.route(API_PATH, slow);

    const first = { ...valuesFor("partner", "dbl"), name: "Fault double click" };
    await fillAll(page, "partner", first);
    await saveButton(page).dblclick();
    // While it is in flight: Save aria-disabled (still focusable), the form busy and saying so.
    assert.equal(await saveButton(page).getAttribute("aria-disabled"), "true", "Save aria-disabled while saving");
    assert.equal(await saveButton(page).evaluate((b) => b.disabled), false, "never `disabled`: it keeps its place in the Tab order");
    assert.equal(await page.locator(`${FORM} form`).getAttribute("aria-busy"), "true");
    assert.equal(await page.locator(`${FORM} .bcf-status`).textContent(), en.saving, "busy is announced");
    await savedAs(page, first.name);

    // Three submits dispatched in one task, whatever the button's state.
    await page.getByRole("button", { name: "New connection", exact: true }).click();
    const second = { ...valuesFor("partner", "burst"), name: "Fault burst" };
    await fillAll(page, "partner", second);
    await page.evaluate(() => {
      const form = document.querySelector("billcom-connection-form form");
      for (let i = 0; i < 3; i++) form.requestSubmit();
    });
    await savedAs(page, second.name);
    await page.unroute(API_PATH, slow);

    const all = (await apiGet(backend)).body;
    assert.equal(all.filter((c) => c.name === first.name).length, 1, "one record for the double click");
    assert.equal(all.filter((c) => c.name === second.name).length, 1, "one record for the burst");
    const writes = rec.requests.filter((r) => r.method !== "GET" && new URL(r.url).pathname.startsWith("/api/"));
    assert.deepEqual(writes.map((r) => r.method), ["POST", "POST"], "one request each");
    const secrets = secretFields("partner").flatMap((f) => [first[f.id], second[f.id]]);
    await assertNoLeaks(rec, secrets, { baseUrl: backend.url });
    assert.deepEqual(pageConsole(rec.consoleMessages), []);
    await context.close();
  });
});
