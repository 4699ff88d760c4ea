// The demo: the saved-connections list beside <billcom-connection-form>. The element
// does the form, its saving and its test; this page lists, edits, tests saved
// connections and deletes them, and asks before unsaved changes are discarded.
// Nothing here sees a secret: the element keeps them in WASM memory.

import "../pkg/element.js";
import { deleteConnection, getConnection, listConnections, testSaved } from "./api.js";
import { failureLines, renderList, showRow } from "./list.js";

const $ = (id) => document.getElementById(id);
const form = $("form");
const list = $("connections");
/** Saved connection id -> its row's test: { busy } or { ok, lines }. */
const rowTests = new Map();
let listSeq = 0;
/** Records per page: the server's default (100), or `?limit=` on the demo's own URL (e.g. for tests). */
const asked = Number(new URLSearchParams(location.search).get("limit"));
const PAGE = asked >= 1 ? Math.min(500, Math.floor(asked)) : null;
/** The connections shown (every page loaded so far) and the next page's URL. */
let shown = [];
let next = null;
const more = $("list-more");

const rowOf = (id) => [...list.children].find((li) => li.dataset.id === id) ?? null;

function listSay(status, alert = "") {
  $("list-status").textContent = status;
  $("list-alert").textContent = alert;
}

/**
 * Reloads the list, as many pages as were shown (at least one); its status and alert
 * stay (a "no longer exists" must be read).
 */
async function loadList() {
  const seq = ++listSeq;
  const want = Math.max(shown.length, 1);
  const rows = [];
  let r;
  let url;
  do {
    r = await listConnections(PAGE, url);
    if (!r.ok || !Array.isArray(r.body)) break;
    rows.push(...r.body);
    url = r.next;
  } while (url && rows.length < want && seq === listSeq);
  await form.ready; // the list's labels come from the package, loaded by the element
  if (seq !== listSeq) return;
  $("list-section").removeAttribute("aria-busy");
  if (!r.ok || !Array.isArray(r.body)) {
    listSay("", "Could not load the saved connections. Reload the page to try again.");
    return;
  }
  const ids = new Set(rows.map((c) => c.id));
  for (const [id, t] of rowTests) if (!ids.has(id) && !t.busy) rowTests.delete(id);
  show(rows, url);
}

function show(rows, nextUrl) {
  shown = rows;
  next = nextUrl;
  $("list-empty").hidden = rows.length > 0;
  more.hidden = !next;
  renderList(list, rows, { test, edit, remove }, (id) => rowTests.get(id), form.connection?.id);
}

/** "Show more": the next page below the rows shown; focus moves to its first row. */
async function showMore() {
  if (!next || more.getAttribute("aria-disabled")) return;
  const seq = ++listSeq;
  more.setAttribute("aria-disabled", "true");
  listSay("Loading more saved connections…");
  const r = await listConnections(PAGE, next);
  more.removeAttribute("aria-disabled");
  if (seq !== listSeq) return;
  if (!r.ok || !Array.isArray(r.body)) {
    listSay("", r.status ? `Could not load more saved connections (status ${r.status}). Try again.` : "Could not load more saved connections: the server could not be reached. Try again.");
    return;
  }
  const have = new Set(shown.map((c) => c.id));
  const added = r.body.filter((c) => !have.has(c.id));
  show([...shown, ...added], r.next);
  listSay(`Showing ${shown.length} saved connections${next ? "; more can be shown" : ", all of them"}.`);
  const first = added.length ? rowOf(added[0].id)?.querySelector("h3") : null;
  (first ?? $("list-heading")).focus();
}

function heading() {
  const c = form.connection;
  $("form-heading").textContent = c ? `Edit “${c.name}”` : "New connection";
  $("new-connection").hidden = !c;
  $("cancel").hidden = !c;
  for (const li of list.children) li.toggleAttribute("aria-current", li.dataset.id === c?.id);
  for (const li of list.querySelectorAll("[aria-current]")) li.setAttribute("aria-current", "true");
}

/** Whether unsaved changes may go (asks only when there are some). */
const mayDiscard = () => !form.dirty || window.confirm("Discard the changes you have not saved?");

function startNew() {
  if (!mayDiscard()) return;
  form.reset();
  heading();
  $("form-heading").focus();
}

async function edit(c) {
  if (!mayDiscard()) return;
  listSay("");
  const r = await getConnection(c.id);
  if (r.status === 404) {
    listSay("", `“${c.name}” no longer exists.`);
    await loadList();
    $("list-heading").focus();
    return;
  }
  if (!r.ok || !r.body) {
    listSay("", r.status ? `Could not load “${c.name}” (status ${r.status}).` : `Could not load “${c.name}”: the server could not be reached.`);
    return;
  }
  try {
    form.connection = r.body;
  } catch {
    listSay("", `Could not load “${c.name}”.`);
    return;
  }
  heading();
  $("form-heading").focus();
}

async function remove(c) {
  if (!window.confirm(`Delete “${c.name}”? Its settings and stored secrets are removed for good.`)) return;
  listSay("");
  const r = await deleteConnection(c.id);
  if (r.ok || r.status === 404) {
    rowTests.delete(c.id);
    if (form.connection?.id === c.id) {
      form.reset();
      heading();
    }
    listSay(`Deleted “${c.name}”.`);
  } else {
    listSay("", r.status ? `Could not delete “${c.name}” (status ${r.status}).` : `Could not delete “${c.name}”: the server could not be reached.`);
  }
  await loadList();
  $("list-heading").focus(); // the row and its button are gone
}

async function test(c) {
  if (rowTests.get(c.id)?.busy) return;
  rowTests.set(c.id, { busy: true });
  showRow(rowOf(c.id), rowTests.get(c.id));
  const r = await testSaved(c.id, form.timeoutMs ?? 15_000);
  let t;
  if (r.reason === "timeout") t = { ok: false, lines: ["Not tested: the server did not answer in time."] };
  else if (r.reason) t = { ok: false, lines: ["Not tested: the server could not be reached."] };
  else if (r.status === 404) {
    rowTests.delete(c.id);
    listSay("", `“${c.name}” no longer exists.`);
    await loadList();
    $("list-heading").focus();
    return;
  } else if (r.ok && typeof r.body?.ok === "boolean") {
    const lines = r.body.ok ? [] : failureLines(c.apiType, r.body.errors);
    const edit = lines.some((l) => l.named) ? [`To change these settings, edit “${c.name}” and enter its secrets again.`] : [];
    t = r.body.ok
      ? { ok: true, lines: [r.body.message || "Connected."] }
      : { ok: false, lines: ["Not connected.", ...(lines.length ? lines : [r.body.message || "BILL refused the connection."]), ...edit] };
  } else t = { ok: false, lines: [`Not tested: the server answered with an error (status ${r.status}).`] };
  rowTests.set(c.id, t);
  showRow(rowOf(c.id), t);
}

$("new-connection").addEventListener("click", startNew);
more.addEventListener("click", showMore);
$("cancel").addEventListener("click", () => {
  const id = form.connection?.id;
  if (!mayDiscard()) return;
  form.reset();
  heading();
  (rowOf(id)?.querySelector("[data-action=edit]") ?? $("form-heading")).focus();
});
form.addEventListener("billcom-saved", () => {
  heading();
  loadList();
});
// A conflict's "Reload the saved connection" may bring another name.
form.addEventListener("billcom-change", () => form.connection && heading());
window.addEventListener("beforeunload", (e) => {
  if (form.dirty) e.preventDefault();
});

form.ready.then(() => heading());
loadList();
