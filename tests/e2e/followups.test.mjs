// Issue 10/12/13 follow-ups in real headless Chromium on the demo page and the real
// backend: the list pages (Link rel="next", "Show more"); a 412 on save shows the
// conflict message, keeps every typed value and offers to reload the saved version;
// a save that outlives the client's timeout, saved again, is one record
// (Idempotency-Key); the Simple / HTTP view shows the crate's HTTP description and
// never a secret.
//
//   bash scripts/build.sh && cargo build -p billcom-connection-server \
//     && node --test tests/e2e/followups.test.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import {
  LAUNCH, REPO, apiGet, assertNoLeaks, axeViolations, control, en, formState, openPage, pageConsole, pickApiType, pkg,
  startBackend,
} from "./helpers.mjs";

const node = await import(path.join(REPO, "pkg/node.js"));
const fr = (await import(path.join(REPO, "pkg/locales/fr.js"))).default;
const LIMIT = { timeout: 90_000 };
const FORM = "billcom-connection-form";
const API_PATH = /\/api\/connections(\/[^/?]*)?(\?.*)?$/;
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

const saveButton = (page) => page.getByRole("button", { name: "Save", exact: true });
const inForm = (page, sel) => page.locator(`${FORM} ${sel}`);
const rows = (page) => page.locator("#connections > li h3").allTextContents();
const token = (i) => `SPEND-TOKEN-zq9${i}`;

/** Creates a Spend & Expense connection through the API (as another client would). */
async function create(name, i = 0) {
  const res = await fetch(new URL("api/connections", backend.url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name, apiType: "spend-expense", environment: "sandbox", settings: {}, secrets: { apiToken: token(i) } }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

describe("the demo's list pages", () => {
  test("five connections, two a page: Show more walks them, focus on each page's first row; a save keeps every page shown", LIMIT, async () => {
    const names = [];
    for (let i = 0; i < 5; i++) names.push((await create(`Paged ${i}`, i)).name);
    const all = (await apiGet(backend, "api/connections?limit=500")).body.map((c) => c.name);
    const rec = await openPage(browser, `${backend.url}?limit=2`);
    const { page, context } = rec;
    const more = page.getByRole("button", { name: "Show more saved connections", exact: true });
    assert.deepEqual(await rows(page), all.slice(0, 2), "the first page only");
    assert.equal(await more.isVisible(), true);
    const lists = () => rec.requests.filter((r) => r.method === "GET" && new URL(r.url).pathname === "/api/connections");
    assert.equal(new URL(lists()[0].url).searchParams.get("limit"), "2");

    let shown = 2;
    while (await more.isVisible()) {
      await more.click();
      shown = Math.min(shown + 2, all.length);
      await page.waitForFunction((n) => document.querySelectorAll("#connections > li").length === n, shown);
      assert.deepEqual(await rows(page), all.slice(0, shown));
      const first = all[shown - ((shown - 1) % 2) - 1];
      assert.equal(await page.evaluate(() => document.activeElement.textContent), first, "focus on the new page's first row");
      assert.match(await page.locator("#list-status").textContent(), new RegExp(`Showing ${shown} saved connections`));
    }
    assert.equal(shown, all.length, "every page walked");
    assert.match(await page.locator("#list-status").textContent(), /all of them/);
    // Every next page came from the server's Link header (an opaque cursor, never an offset).
    assert.ok(lists().slice(1).every((r) => new URL(r.url).searchParams.has("cursor")));
    assert.deepEqual(await axeViolations(page), [], "axe: the paged list");

    // A save reloads the list with as many rows as were shown, plus the new one.
    await pickApiType(page, "spend-expense");
    await control(page, "Name your connection").fill("Paged new");
    await control(page, "API token").fill(token(9));
    await saveButton(page).click();
    await inForm(page, ".bcf-status").filter({ hasText: "Saved “Paged new”" }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll("#connections > li").length === n, all.length + 1);
    assert.equal((await rows(page)).at(-1), "Paged new");
    await assertNoLeaks(rec, [token(9)], { baseUrl: `${backend.url}?limit=2` });
    await context.close();
  });
});

describe("the element and the 412 conflict", () => {
  test("two tabs edit one connection: the second save gets the conflict message, keeps its values, and can reload the saved one", LIMIT, async () => {
    const c = await create("Shared one", 1);
    const tabs = [];
    for (let i = 0; i < 2; i++) {
      const rec = await openPage(browser, backend.url);
      await rec.page.getByRole("button", { name: "Edit Shared one", exact: true }).click();
      await rec.page.locator("#form-heading").filter({ hasText: "Edit “Shared one”" }).waitFor();
      tabs.push(rec);
    }
    const [a, b] = tabs.map((t) => t.page);
    await control(a, "Name your connection").fill("Shared one, by A");
    await control(a, "API token").fill(token(2));
    await saveButton(a).click();
    await inForm(a, ".bcf-status").filter({ hasText: "Saved “Shared one, by A”" }).waitFor();
    assert.equal((await apiGet(backend, `api/connections/${c.id}`)).body.version, 2);

    await control(b, "Name your connection").fill("Shared one, by B");
    await control(b, "API token").fill(token(3));
    await saveButton(b).click();
    const alert = inForm(b, ".bcf-alert");
    await alert.filter({ hasText: en.conflict }).waitFor();
    assert.equal(await alert.locator("[data-code]").getAttribute("data-code"), "conflict");
    // Nothing written, every typed value kept.
    assert.equal((await apiGet(backend, `api/connections/${c.id}`)).body.name, "Shared one, by A");
    assert.equal(await control(b, "Name your connection").inputValue(), "Shared one, by B");
    assert.equal(await control(b, "API token").inputValue(), token(3));
    assert.deepEqual(await formState(b), { mode: "edit", dirty: true, valid: true });
    const puts = tabs[1].requests.filter((r) => r.method === "PUT");
    assert.equal(puts.length, 1);
    assert.deepEqual(await axeViolations(b), [], "axe: conflict");

    // French, on the live element: the same message in the catalogue's words.
    await b.locator(FORM).evaluate((f) => f.setAttribute("locale", "fr"));
    await alert.filter({ hasText: fr["ui.conflict"] }).waitFor();
    await alert.getByRole("button", { name: fr["ui.reload"], exact: true }).waitFor();
    await b.locator(FORM).evaluate((f) => f.setAttribute("locale", "en"));
    await alert.filter({ hasText: en.conflict }).waitFor();

    // What to do: reload the saved connection; A's change appears, the heading follows.
    await alert.getByRole("button", { name: en.reload, exact: true }).click();
    await inForm(b, ".bcf-status").filter({ hasText: "Reloaded “Shared one, by A”" }).waitFor();
    assert.equal(await control(b, "Name your connection").inputValue(), "Shared one, by A");
    assert.equal(await control(b, "API token").inputValue(), "", "secrets are re-entered, never loaded");
    assert.equal(await b.locator("#form-heading").textContent(), "Edit “Shared one, by A”");
    assert.equal(await b.evaluate(() => document.activeElement.className), "bcf-status");
    // Saving now carries the new version and succeeds.
    await control(b, "API token").fill(token(4));
    await saveButton(b).click();
    await inForm(b, ".bcf-status").filter({ hasText: "Saved “Shared one, by A”" }).waitFor();
    assert.equal((await apiGet(backend, `api/connections/${c.id}`)).body.version, 3);
    await assertNoLeaks(tabs[1], [token(3), token(4)], { baseUrl: backend.url });
    for (const m of pageConsole(tabs[1].consoleMessages)) assert.match(m, /^error: Failed to load resource.*412/);
    for (const t of tabs) await t.context.close();
  });
});

describe("a save that outlives the client's timeout", () => {
  test("the backend saves but answers late; the message says saving again is safe, and saving again makes one record", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    await pickApiType(page, "spend-expense");
    await control(page, "Name your connection").fill("Late answer");
    await control(page, "API token").fill(token(5));
    await page.locator(FORM).evaluate((f) => { f.timeoutMs = 500; });
    const keys = [];
    let late;
    const handler = async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      keys.push(route.request().headers()["idempotency-key"]);
      // The request reaches the real backend (which saves); its answer comes after the timeout.
      const res = await route.fetch();
      late = new Promise((r) => setTimeout(r, 1200)).then(() => route.fulfill({ response: res }).catch(() => {}));
    };
    await page.route(API_PATH, handler);
    await saveButton(page).click();
    const alert = inForm(page, ".bcf-alert");
    await alert.filter({ hasText: en.timeoutSave }).waitFor();
    assert.match(en.timeoutSave, /cannot create a second connection/);
    await late;
    assert.equal((await apiGet(backend)).body.filter((c) => c.name === "Late answer").length, 1, "the first try was saved");
    assert.equal(await control(page, "API token").inputValue(), token(5), "values kept");

    await page.unroute(API_PATH, handler);
    await page.route(API_PATH, async (route) => {
      if (route.request().method() === "POST") keys.push(route.request().headers()["idempotency-key"]);
      await route.fallback();
    });
    await saveButton(page).click();
    await inForm(page, ".bcf-status").filter({ hasText: "Saved “Late answer”" }).waitFor();
    assert.equal(keys.length, 2);
    assert.ok(keys[0] && keys[0] === keys[1], "the retry carries the same Idempotency-Key");
    const saved = (await apiGet(backend)).body.filter((c) => c.name === "Late answer");
    assert.equal(saved.length, 1, "one record");
    assert.equal(await page.locator(FORM).evaluate((f) => f.connection.id), saved[0].id, "the element holds that record");
    await context.close();
  });
});

describe("the Simple / HTTP view", () => {
  test("shows the crate's HTTP description for every type and environment, never a secret, loaded only when opened", LIMIT, async () => {
    const rec = await openPage(browser, backend.url);
    const { page, context } = rec;
    const contractsLoaded = () => rec.requests.some((r) => new URL(r.url).pathname.endsWith("/contracts.js"));
    assert.equal(contractsLoaded(), false, "contracts.js is not loaded with the form");
    const simple = page.getByRole("button", { name: "Simple", exact: true });
    const http = page.getByRole("button", { name: "HTTP", exact: true });
    const panel = inForm(page, ".bcf-http");
    const secrets = ["Typed PASSWORD zq61", "Typed DEVKEY zq62", "Typed APPKEY zq63", "Typed APITOKEN zq64"];
    const secretOf = { password: secrets[0], devKey: secrets[1], appKey: secrets[2], apiToken: secrets[3] };
    for (const t of pkg.apiTypes()) {
      for (const env of pkg.formSpec(t.id).fields.find((f) => f.id === "environment").options.map((o) => o.value)) {
        await simple.click();
        await pickApiType(page, t.id);
        await control(page, "Environment").selectOption(env);
        for (const f of pkg.formSpec(t.id).fields) if (f.secret) await control(page, f.label).fill(secretOf[f.id]);
        await http.click();
        assert.equal(await http.getAttribute("aria-pressed"), "true");
        assert.equal(await control(page, "Environment").isVisible(), false, "the fields give way to the view");
        const d = node.httpSettings(t.id, env); // the crate's http_settings_for, through the node entry
        await panel.filter({ hasText: d.baseUri }).waitFor();
        const text = await panel.innerText();
        const expected = [d.baseUri, d.mediaType, d.auth, ...Object.entries(d.authenticatedCalls.values).map(([k, v]) => `${k}: ${v}`)];
        for (const r of [d.login, d.ping, d.logout].filter(Boolean)) {
          expected.push(`${r.method} ${r.url}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`));
          for (const [k, v] of Object.entries(r.body ?? {})) expected.push(d.mediaType.includes("json") ? `"${k}": "${v}"` : `${k}=${v}`);
        }
        for (const e of expected) assert.ok(text.includes(e), `${t.id}/${env}: the view shows ${e}\n${text}`);
        assert.equal(!!d.login, text.includes(en.httpLogin), `${t.id}: a login section only when there is a login`);
        for (const s of secrets) assert.ok(!text.includes(s), `${t.id}/${env}: no secret in the view`);
      }
    }
    assert.equal(contractsLoaded(), true);
    assert.deepEqual(await axeViolations(page), [], "axe: HTTP view");
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "fr"));
    await panel.filter({ hasText: fr["ui.httpIntro"] }).waitFor();
    await page.locator(FORM).evaluate((f) => f.setAttribute("locale", "en"));
    // Save with a problem (no name) from the HTTP view: back to the fields, summary focused.
    await saveButton(page).click();
    await page.waitForFunction(() => document.activeElement.classList.contains("bcf-summary"), null, { timeout: 3000 });
    assert.equal(await simple.getAttribute("aria-pressed"), "true");
    assert.equal(await control(page, "Name your connection").isVisible(), true);
    await http.click();
    await panel.filter({ hasText: "Base URI" }).waitFor();
    await simple.click();
    assert.equal(await control(page, "API token").inputValue(), secrets[3], "the typed values are still there");
    assert.equal(await panel.isVisible(), false);
    await assertNoLeaks(rec, secrets, { baseUrl: backend.url });
    await context.close();
  });
});
