// <billcom-connection-form> in real headless Chromium, on the demo page served by the
// real backend (BILL logins go to the BILL double). One test per finding of issue 10,
// axe-core on every state, a keyboard-only create/edit/test/delete, and French.
//
//   bash scripts/build.sh && cargo build -p billcom-connection-server \
//     && node --test tests/e2e/element.test.mjs

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { ACCOUNTS, startBillMock } from "../support/bill-mock.mjs";
import {
  LAUNCH, apiGet, assertNoLeaks, axeViolations, control, en, formState, openPage, pageConsole, pickApiType, pkg,
  startBackend,
} from "./helpers.mjs";

const LIMIT = { timeout: 90_000 };
const FORM = "billcom-connection-form";
let browser;
let backend;
let mock;

before(async () => {
  mock = await startBillMock();
  backend = await startBackend({ env: { BILLCOM_API_ORIGIN: mock.origin, BILLCOM_API_TIMEOUT_MS: "1500" } });
  browser = await chromium.launch(LAUNCH);
});
after(async () => {
  await browser?.close();
  await backend?.stop();
  await mock?.close();
});
afterEach(() => mock.setMode({ mode: "normal" }));

const specOf = (id) => pkg.formSpec(id);
const saveButton = (page) => page.getByRole("button", { name: "Save", exact: true });
const testButton = (page) => page.getByRole("button", { name: "Test connection", exact: true });
const inForm = (page, sel) => page.locator(`${FORM} ${sel}`);
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { tag: a.tagName, cls: a.className, id: a.id, name: a.name ?? "", text: a.textContent?.slice(0, 80) };
});
const row = (page, name) => page.locator("#connections > li").filter({ has: page.getByRole("heading", { name, exact: true }) });

async function fill(page, apiTypeId, values) {
  for (const f of specOf(apiTypeId).fields.filter((f) => f.kind !== "select")) {
    if (values[f.id] !== undefined) await control(page, f.label).fill(values[f.id]);
  }
}

const account = (apiTypeId) =>
  ({ "ap-ar-v2": ACCOUNTS.apar, "ap-ar-v3": ACCOUNTS.apar, partner: ACCOUNTS.partner, "spend-expense": ACCOUNTS.spend })[apiTypeId];

async function saved(page, name) {
  await inForm(page, ".bcf-status").filter({ hasText: `Saved “${name}”` }).waitFor();
  await page.waitForSelector("#list-section:not([aria-busy])");
  await row(page, name).waitFor();
}

async function expectNoAxe(page, state) {
  assert.deepEqual(await axeViolations(page), [], `axe violations in state "${state}"`);
}

describe("axe-core: 0 violations in every state", () => {
  test("empty, each API type, errors, server error, saved, edit, test success and failure, locale fr", LIMIT, async () => {
    // axe is evaluated through DevTools, so the page keeps its strict CSP.
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    await expectNoAxe(page, "empty");
    for (const t of pkg.apiTypes()) {
      await pickApiType(page, t.id);
      await expectNoAxe(page, t.id);
    }
    await pickApiType(page, "partner");
    await saveButton(page).click();
    await expectNoAxe(page, "errors");

    await fill(page, "partner", { name: "Axe partner", ...ACCOUNTS.partner });
    await page.route("**/api/connections", (r) =>
      r.request().method() === "POST" ? r.fulfill({ status: 500, contentType: "application/json", body: '{"message":"x"}' }) : r.fallback());
    await saveButton(page).click();
    await inForm(page, ".bcf-alert").filter({ hasText: "status 500" }).waitFor();
    await expectNoAxe(page, "server error");
    await page.unroute("**/api/connections");

    await testButton(page).click();
    await inForm(page, ".bcf-status").filter({ hasText: "Connected" }).waitFor();
    await expectNoAxe(page, "test success");
    await control(page, "Password").fill("Wrong-Pass-9");
    await testButton(page).click();
    await inForm(page, ".bcf-alert").filter({ hasText: en.refused }).waitFor();
    await expectNoAxe(page, "test failure");
    await control(page, "Password").fill(ACCOUNTS.partner.password);

    await saveButton(page).click();
    await saved(page, "Axe partner");
    await expectNoAxe(page, "saved");
    await page.getByRole("button", { name: "New connection", exact: true }).click();
    await page.getByRole("button", { name: "Edit Axe partner", exact: true }).click();
    await page.locator("#form-heading").filter({ hasText: "Edit “Axe partner”" }).waitFor();
    await expectNoAxe(page, "edit");
    await pickApiType(page, "spend-expense");
    await expectNoAxe(page, "edit, type switched");

    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "fr"));
    await control(page, "Type d'API").waitFor();
    await expectNoAxe(page, "locale fr");
    await context.close();
  });
});

describe("what a person experiences (issue 10's findings)", () => {
  test("1, 6: outcomes beside the buttons in live regions that exist while empty; after a save, focus on the success and the form reads as done", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    const status = inForm(page, ".bcf-status");
    const alert = inForm(page, ".bcf-alert");
    assert.equal(await status.getAttribute("role"), "status");
    assert.equal(await alert.getAttribute("role"), "alert");
    for (const region of [status, alert]) {
      assert.equal(await region.textContent(), "");
      assert.notEqual(await region.evaluate((e) => getComputedStyle(e).display), "none", "rendered while empty");
      // Right after the buttons.
      assert.ok(await region.evaluate((e) => e.closest("form").querySelector(".bcf-actions").compareDocumentPosition(e) & 4));
    }
    // The summary is not a live region: it is announced by taking focus, not on every keystroke.
    assert.equal(await inForm(page, ".bcf-summary").getAttribute("aria-live"), null);

    await pickApiType(page, "spend-expense");
    await fill(page, "spend-expense", { name: "Done state", ...ACCOUNTS.spend });
    await saveButton(page).click();
    await saved(page, "Done state");
    assert.equal((await focused(page)).cls, "bcf-status", "focus on the success message");
    assert.equal(await status.textContent(), "Saved “Done state”.");
    assert.equal(await control(page, "API token").inputValue(), "", "inputs cleared");
    assert.equal(await control(page, "API token").getAttribute("placeholder"), en.secretSaved);
    assert.equal(await page.locator(".bcf-msg").count(), 0, "no 'required' shouted at a saved form");
    assert.equal(await inForm(page, ".bcf-summary").isVisible(), false);
    await assertNoLeaks(rec, [ACCOUNTS.spend.apiToken], { baseUrl: backend.url });
    await context.close();
  });

  test("3, 6: Save is never disabled; pressed with problems it shows each distinct problem once and focuses the summary", LIMIT, async () => {
    const { page, context, requests } = await openPage(browser, backend.url);
    await pickApiType(page, "ap-ar-v2");
    assert.equal(await saveButton(page).evaluate((b) => b.disabled || b.hasAttribute("aria-disabled")), false);
    await control(page, "Organization ID").fill("12");
    await saveButton(page).click();
    const summary = inForm(page, ".bcf-summary");
    await page.waitForFunction(() => document.activeElement.classList.contains("bcf-summary"), null, { timeout: 2000 });
    const links = await summary.getByRole("link").allTextContents();
    assert.equal(new Set(links).size, links.length, "distinct");
    const expected = ["name", "organizationId", "username", "password", "devKey"]
      .flatMap((f) => pkg.validateField("ap-ar-v2", f, f === "organizationId" ? "12" : "").filter((i) => i.severity === "error"));
    assert.deepEqual(links, expected.map((i) => i.message));
    for (const l of links) assert.ok(specOf("ap-ar-v2").fields.some((f) => l.startsWith(f.label)), `names its field: ${l}`);
    assert.equal(await summary.locator("h2").textContent(), `There are ${links.length} problems to fix`);
    assert.equal(requests.filter((r) => r.method !== "GET").length, 0, "nothing sent");
    await context.close();
  });

  test("4: in edit mode a type switch says the stored credentials of the old type will be replaced", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    await pickApiType(page, "ap-ar-v3");
    await fill(page, "ap-ar-v3", { name: "Switch in edit", ...ACCOUNTS.apar });
    await saveButton(page).click();
    await saved(page, "Switch in edit");
    const note = inForm(page, ".bcf-replace");
    assert.equal(await note.isVisible(), false);
    await pickApiType(page, "partner");
    assert.equal(await note.textContent(), "Saving replaces the stored AP/AR V3 credentials with these Partner ones.");
    await pickApiType(page, "ap-ar-v3");
    assert.equal(await note.isVisible(), false, "back to the saved type: nothing to replace");
    await context.close();
  });

  test("5: dirty tracks unsaved work; New, Edit and reload ask first; Cancel leaves edit mode; a new form starts from defaults", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    const changes = [];
    await page.exposeFunction("recordChange", (d) => changes.push(d));
    await page.locator(FORM).evaluate((f) => f.addEventListener("billcom-change", (e) => window.recordChange(e.detail)));
    assert.equal((await formState(page)).dirty, false);
    await pickApiType(page, "spend-expense");
    await control(page, "Environment").selectOption("sandbox");
    await fill(page, "spend-expense", { name: "Dirty one", ...ACCOUNTS.spend });
    for (let i = 0; i < 50 && !changes.at(-1)?.valid; i++) await page.waitForTimeout(20); // events arrive asynchronously
    assert.deepEqual(changes.at(-1), { apiType: "spend-expense", dirty: true, valid: true });
    await saveButton(page).click();
    await saved(page, "Dirty one");
    assert.equal((await formState(page)).dirty, false, "clean once saved");
    assert.equal(await page.getByRole("button", { name: "Cancel", exact: true }).isVisible(), true, "edit mode has Cancel");

    await control(page, "Name your connection").fill("Dirty one, renamed");
    assert.equal((await formState(page)).dirty, true);
    // Dismissed: nothing is discarded.
    let asked = 0;
    page.once("dialog", (d) => { asked++; d.dismiss(); });
    await page.getByRole("button", { name: "New connection", exact: true }).click();
    assert.equal(asked, 1);
    assert.equal(await control(page, "Name your connection").inputValue(), "Dirty one, renamed");
    page.once("dialog", (d) => { asked++; d.dismiss(); });
    await page.getByRole("button", { name: "Edit Dirty one", exact: true }).click();
    assert.equal(asked, 2);
    assert.equal(await control(page, "Name your connection").inputValue(), "Dirty one, renamed");
    // Reload asks too (beforeunload).
    page.once("dialog", (d) => { asked++; assert.equal(d.type(), "beforeunload"); d.dismiss(); });
    await page.reload({ waitUntil: "commit", timeout: 3000 }).catch(() => {});
    await page.waitForTimeout(300);
    assert.equal(asked, 3);
    assert.equal(await control(page, "Name your connection").inputValue(), "Dirty one, renamed");
    // Cancel, accepted: back to a new connection with the defaults (not the last one's values).
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    assert.equal(await page.locator("#form-heading").textContent(), "New connection");
    assert.equal((await focused(page)).text, "Edit", "focus back on the row's Edit");
    assert.equal(await control(page, "Name your connection").inputValue(), "");
    assert.equal(await control(page, "Environment").inputValue(), "production");
    assert.equal(await control(page, "API type").inputValue(), pkg.apiTypes()[0].id);
    assert.deepEqual(await formState(page), { mode: "create", dirty: false, valid: false });
    // A clean form asks nothing.
    page.once("dialog", () => { asked++; });
    await page.getByRole("button", { name: "Edit Dirty one", exact: true }).click();
    await page.locator("#form-heading").filter({ hasText: "Edit “Dirty one”" }).waitFor();
    assert.equal(asked, 3);
    await context.close();
  });

  test("7: the list: no stray 'null'; 'no longer exists' stays; focus after delete and row test; a type set in code while focus is in a dropped field", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    await pickApiType(page, "spend-expense");
    await fill(page, "spend-expense", { name: "List row", ...ACCOUNTS.spend });
    await saveButton(page).click();
    await saved(page, "List row");
    const { id } = (await apiGet(backend)).body.find((c) => c.name === "List row");

    // A row's Test keeps the focus on its button (never disabled under it).
    const rowTest = page.getByRole("button", { name: "Test List row", exact: true });
    await rowTest.focus();
    await page.keyboard.press("Enter");
    await row(page, "List row").locator(".row-status").filter({ hasText: "Connected" }).waitFor();
    assert.equal((await focused(page)).text, "Test");

    // Gone behind the page's back: the message stays after the list reloads.
    await fetch(new URL(`api/connections/${id}`, backend.url), { method: "DELETE" });
    await page.getByRole("button", { name: "Edit List row", exact: true }).click();
    const listAlert = page.locator("#list-alert");
    await listAlert.filter({ hasText: "“List row” no longer exists." }).waitFor();
    await row(page, "List row").waitFor({ state: "detached" });
    await page.waitForTimeout(300);
    assert.equal(await listAlert.textContent(), "“List row” no longer exists.", "not wiped by the reload");
    assert.equal((await focused(page)).id, "list-heading");

    // A list that cannot load: a plain message, no "null".
    await page.route("**/api/connections", (r) => r.fulfill({ status: 500, body: "null", contentType: "application/json" }));
    await page.evaluate(() => document.querySelector("#new-connection")); // no-op: keep the page
    await page.reload();
    await page.waitForSelector("#list-section:not([aria-busy])");
    assert.doesNotMatch(await listAlert.textContent(), /null|undefined/);
    assert.match(await listAlert.textContent(), /Could not load the saved connections/);
    await page.unroute("**/api/connections");

    // Delete: focus goes to the list heading, the status says what happened.
    await pickApiType(page, "spend-expense");
    await fill(page, "spend-expense", { name: "Delete me", ...ACCOUNTS.spend });
    await saveButton(page).click();
    await saved(page, "Delete me");
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Delete Delete me", exact: true }).click();
    await row(page, "Delete me").waitFor({ state: "detached" });
    assert.equal((await focused(page)).id, "list-heading");
    assert.equal(await page.locator("#list-status").textContent(), "Deleted “Delete me”.");

    // The API type set in code while focus sits in a field the new type lacks.
    await pickApiType(page, "ap-ar-v2");
    await control(page, "Developer key").focus();
    await page.locator(FORM).evaluate((f) => f.setAttribute("api-type", "spend-expense"));
    assert.equal(await control(page, "API type").inputValue(), "spend-expense");
    assert.equal((await focused(page)).name, "apiType", "focus moved to the API type, not lost");
    assert.equal(await inForm(page, ".bcf-alert").textContent(), "", "no 'Something went wrong'");
    assert.deepEqual(pageConsole(rec.consoleMessages).filter((m) => !m.includes("Failed to load resource")), []);
    await context.close();
  });

  test("8: short help, details behind a disclosure, short API type labels", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    await page.setViewportSize({ width: 390, height: 844 });
    const options = await control(page, "API type").locator("option").allTextContents();
    assert.deepEqual(options, pkg.apiTypes().map((t) => t.shortLabel));
    // The closed select shows its whole text on a phone.
    assert.ok(await control(page, "API type").evaluate((s) => s.scrollWidth <= s.clientWidth + 1));
    for (const t of pkg.apiTypes()) {
      await pickApiType(page, t.id);
      for (const f of specOf(t.id).fields) {
        const field = inForm(page, `.bcf-field[data-field='${f.id}']`);
        assert.equal(await field.locator(".bcf-help").textContent(), f.help);
        const details = field.locator("details");
        assert.equal(await details.count(), f.details ? 1 : 0, f.id);
        if (f.details) {
          assert.equal(await details.evaluate((d) => d.open), false, "closed by default");
          assert.equal(await details.locator("p").textContent(), f.details);
        }
      }
    }
    await context.close();
  });

  test("9: show/hide per secret; a password with surrounding spaces warns; no browser password hints on keys and tokens", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    await pickApiType(page, "ap-ar-v2");
    const toggle = page.getByRole("button", { name: "Show Password", exact: true });
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    await control(page, "Password").fill(" pasted with a space ");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-pressed"), "true");
    assert.equal(await control(page, "Password").getAttribute("type"), "text");
    // Shown or not, the secret is only the input's value: no property, attribute or dataset holds it.
    const kept = await page.locator(FORM).evaluate((f, secret) => {
      const props = JSON.stringify(Object.entries(f));
      const attrs = [f, ...f.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.value));
      const data = [f, ...f.querySelectorAll("*")].flatMap((e) => Object.values(e.dataset));
      return [props, ...attrs, ...data].some((v) => v.includes(secret.trim()));
    }, " pasted with a space ");
    assert.equal(kept, false);
    await toggle.click();
    assert.equal(await control(page, "Password").getAttribute("type"), "password");
    await control(page, "Password").blur();
    const msg = inForm(page, ".bcf-field[data-field='password'] .bcf-msg");
    assert.equal(await msg.getAttribute("data-severity"), "warning");
    assert.equal(await msg.getAttribute("data-code"), "invalid_format");
    assert.equal(await control(page, "Password").getAttribute("aria-invalid"), null, "a warning does not block");
    for (const t of pkg.apiTypes()) {
      await pickApiType(page, t.id);
      for (const f of specOf(t.id).fields.filter((f) => f.secret)) {
        const c = control(page, f.label);
        // autocomplete="off" + password-manager ignore hints: none of these is this
        // site's own password, so "new-password" (generate one) and "current-password"
        // (fill the login) would both be wrong.
        assert.equal(await c.getAttribute("autocomplete"), "off", f.id);
        for (const k of ["data-1p-ignore", "data-bwignore", "data-lpignore"]) assert.notEqual(await c.getAttribute(k), null, k);
        assert.equal(await page.getByRole("button", { name: `Show ${f.label}`, exact: true }).count(), 1, f.id);
      }
    }
    assert.equal(await page.locator("[autocomplete='new-password'], [autocomplete='current-password']").count(), 0);
    await assertNoLeaks(rec, [" pasted with a space "], { baseUrl: backend.url, noStore: false });
    await context.close();
  });

  test("10: forced colours: banners keep a border; an invalid field differs by more than width", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    await page.emulateMedia({ forcedColors: "active" });
    await pickApiType(page, "spend-expense");
    await control(page, "API token").fill("has space");
    await saveButton(page).click();
    await inForm(page, ".bcf-alert").filter({ hasText: en.fixFirst }).waitFor();
    for (const sel of [".bcf-alert", ".bcf-summary"]) {
      const b = await inForm(page, sel).evaluate((e) => getComputedStyle(e).borderTopStyle);
      assert.equal(b, "solid", `${sel} keeps its border`);
    }
    const [bad, good] = await Promise.all(
      ["API token", "API type"].map((l) => control(page, l).evaluate((e) => getComputedStyle(e).borderLeftWidth)),
    );
    assert.equal(bad, "6px");
    assert.notEqual(bad, good);
    assert.equal(await inForm(page, ".bcf-field[data-field='apiToken'] .bcf-msg").count(), 1, "and a message in words");
    await context.close();
  });

  test("events bubble: billcom-saved, billcom-tested, billcom-change", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    const events = [];
    await page.exposeFunction("record", (e) => events.push(e));
    await page.evaluate(() => {
      for (const t of ["billcom-saved", "billcom-tested", "billcom-change"]) {
        document.addEventListener(t, (e) => window.record({ type: t, detail: JSON.parse(JSON.stringify(e.detail)) }));
      }
    });
    await pickApiType(page, "spend-expense");
    await fill(page, "spend-expense", { name: "Events", ...ACCOUNTS.spend });
    await testButton(page).click();
    await inForm(page, ".bcf-status").filter({ hasText: "Connected" }).waitFor();
    await saveButton(page).click();
    await saved(page, "Events");
    const tested = events.find((e) => e.type === "billcom-tested");
    assert.equal(tested.detail.result.ok, true);
    const savedEvent = events.find((e) => e.type === "billcom-saved");
    assert.equal(savedEvent.detail.connection.name, "Events");
    assert.deepEqual(savedEvent.detail.connection.secretsSet, ["apiToken"]);
    assert.ok(events.some((e) => e.type === "billcom-change" && e.detail.apiType === "spend-expense" && e.detail.valid));
    assert.ok(!JSON.stringify(events).includes(ACCOUNTS.spend.apiToken), "no event carries a secret");
    await context.close();
  });
});

describe("keyboard only", () => {
  /** Presses Tab until `pred(activeElement)` holds (at most 80 times). */
  async function tabTo(page, pred, arg) {
    for (let i = 0; i < 80; i++) {
      if (await page.evaluate(pred, arg)) return;
      await page.keyboard.press("Tab");
    }
    assert.fail(`could not Tab to ${pred} ${arg}`);
  }
  const byName = (n) => document.activeElement?.name === n;
  const byLabel = (l) => document.activeElement?.getAttribute("aria-label") === l || document.activeElement?.textContent === l;

  test("create, test, edit and delete a connection with the keyboard alone", LIMIT, async () => {
    const { page, context } = await openPage(browser, backend.url);
    const a = ACCOUNTS.partner;
    await tabTo(page, byName, "apiType");
    await page.keyboard.type("Partner");
    assert.equal(await control(page, "API type").inputValue(), "partner");
    await tabTo(page, byName, "name");
    await page.keyboard.type("Keyboard");
    for (const [field, value] of [["appKey", a.appKey], ["username", a.username], ["password", a.password]]) {
      await tabTo(page, byName, field);
      await page.keyboard.type(value);
    }
    // Test connection, then Save, by Tab + Enter.
    await tabTo(page, byLabel, "Test connection");
    await page.keyboard.press("Enter");
    await inForm(page, ".bcf-status").filter({ hasText: "Connected" }).waitFor();
    await tabTo(page, byLabel, "Save");
    await page.keyboard.press("Enter");
    await saved(page, "Keyboard");

    // Edit: from the list, change the name, re-enter the secrets, save.
    await tabTo(page, byLabel, "Edit Keyboard");
    await page.keyboard.press("Enter");
    await page.locator("#form-heading").filter({ hasText: "Edit “Keyboard”" }).waitFor();
    // Focus moves to the heading once the form is drawn, which may be a frame after its
    // text changes (seen under load): wait for it, then assert it is there.
    await page.waitForFunction(() => document.activeElement?.id === "form-heading", null, { timeout: 5000 }).catch(() => {});
    assert.equal((await focused(page)).id, "form-heading");
    await tabTo(page, byName, "name");
    await page.keyboard.press("End");
    await page.keyboard.type(" 2");
    for (const [field, value] of [["appKey", a.appKey], ["password", a.password]]) {
      await tabTo(page, byName, field);
      await page.keyboard.type(value);
    }
    await tabTo(page, byLabel, "Save");
    await page.keyboard.press("Enter");
    await saved(page, "Keyboard 2");

    // The saved row's Test, then Delete.
    await tabTo(page, byLabel, "Test Keyboard 2");
    await page.keyboard.press("Enter");
    await row(page, "Keyboard 2").locator(".row-status").filter({ hasText: "Connected" }).waitFor();
    await tabTo(page, byLabel, "Delete Keyboard 2");
    page.once("dialog", (d) => d.accept());
    await page.keyboard.press("Enter");
    await row(page, "Keyboard 2").waitFor({ state: "detached" });
    assert.equal((await focused(page)).id, "list-heading");
    assert.equal((await apiGet(backend)).body.filter((c) => c.name.startsWith("Keyboard")).length, 0);
    await context.close();
  });
});

describe("French", () => {
  test("locale='fr' loads the French catalogue; a live switch keeps every value typed; server items are shown in French", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    const fr = (await import("../../js/locales/fr.js")).default;
    await pickApiType(page, "ap-ar-v2");
    await fill(page, "ap-ar-v2", { name: "Bonjour", ...ACCOUNTS.apar, organizationId: "123" });
    await control(page, "Organization ID").blur();
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "fr"));
    await control(page, fr["field.organizationId.label"]).waitFor();
    // The fr module was fetched only now.
    assert.ok(rec.requests.some((r) => r.url.endsWith("/pkg/locales/fr.js")));
    assert.equal(await control(page, fr["field.name.label"]).inputValue(), "Bonjour");
    assert.equal(await control(page, fr["field.password.label"]).inputValue(), ACCOUNTS.apar.password, "secrets kept too");
    assert.equal(await saveButton(page).count(), 0);
    assert.equal(await page.getByRole("button", { name: fr["ui.save"], exact: true }).count(), 1);
    assert.equal(await page.getByRole("button", { name: "Afficher Mot de passe", exact: true }).count(), 1);
    const msgs = await inForm(page, ".bcf-field[data-field='organizationId'] .bcf-msg").allTextContents();
    assert.deepEqual(msgs, [
      `${fr["ui.error"]} ${fr["msg.too_short"].replace("{label}", fr["field.organizationId.label"]).replace("{min}", "15")}`,
      `${fr["ui.error"]} ${fr["msg.invalid_format.prefix"].replace("{label}", fr["field.organizationId.label"]).replace("{prefix}", "008")}`,
    ]);
    // A BILL refusal, keyed by BILL's code, in French.
    await control(page, fr["field.organizationId.label"]).fill(ACCOUNTS.apar.organizationId);
    await control(page, fr["field.password.label"]).fill("Wrong-Pass-9");
    await page.getByRole("button", { name: fr["ui.test"], exact: true }).click();
    await inForm(page, ".bcf-alert").filter({ hasText: fr["ui.refused"] }).waitFor();
    const pw = await inForm(page, ".bcf-field[data-field='password'] .bcf-msg").textContent();
    assert.equal(pw, `${fr["ui.error"]} ${fr["bill.BDC_1101"]}`);
    // An outcome already shown follows the language too.
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "en"));
    await inForm(page, ".bcf-alert").filter({ hasText: en.refused }).waitFor({ timeout: 3000 });
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "fr"));
    await inForm(page, ".bcf-alert").filter({ hasText: fr["ui.refused"] }).waitFor({ timeout: 3000 });
    // And back to English.
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "en"));
    await control(page, "Organization ID").waitFor();
    assert.equal(await control(page, "Name your connection").inputValue(), "Bonjour");
    await context.close();
  });
});
