// The demo page: a Bill.com connection form rendered from `formSpec`, backed by the
// package's `ConnectionForm` (WebAssembly), saving to the reference backend's
// /api/connections; with the list of saved connections, edit and delete; and
// "Test connection": the backend logs in to BILL with the typed settings
// (`form.test()`, POST /api/connections/test) or with a saved connection's
// stored secrets (POST /api/connections/{id}/test, from the list).
//
// Custody: every value typed goes into the `ConnectionForm` on each input event.
// A secret then lives in WASM memory and, while it is being typed, in its
// password input's `value`; after a successful save every secret input is
// emptied. Values never go into the URL, history, storage, cookies or the
// console; messages come from the validator or the server and never contain
// values. Saved connections come back without secrets (`secretsSet` only), so a
// secret is shown as "set", never as text, and editing means entering it again.
// A connection test sends the secrets the way a save does (only in that
// request's body, from WASM) and keeps every value whatever the answer; a saved
// connection's test sends no secret at all.

import init, { formSpec, validateField, apiTypes, ConnectionForm } from "../pkg/billcom_connection.js";

const API = "/api/connections";
const TEST_API = `${API}/test`;
const CONNECTED = "Connected: BILL accepted these credentials.";
const REENTER = "Enter this again: saved secrets are never shown.";

const $ = (id) => document.getElementById(id);

/** Hints that ask password managers to leave a control alone. */
const IGNORE_PASSWORD_MANAGERS = {
  "data-1p-ignore": "",
  "data-lpignore": "true",
  "data-bwignore": "",
  "data-form-type": "other",
};

const state = {
  /** The ConnectionForm holding every value (secrets in WASM memory). */
  form: null,
  /** The name of the connection being edited, as saved. */
  editingName: "",
  /** The current FormSpec. */
  spec: null,
  /** Field id -> ReportItem[] for the value the control holds now. */
  items: new Map(),
  /** Field id -> ReportItem[] the server gave (a 422), until the field changes. */
  serverItems: new Map(),
  /** Fields the user has left at least once. */
  touched: new Set(),
  /** Whether the user tried to save; then every field's errors show. */
  attempted: false,
  /** A save or a test is in flight: Save, Test and the controls are disabled. */
  busy: false,
  /** What is in flight: "save" or "test". */
  busyWith: "",
  /** Increments per list load; only the latest answer is rendered. */
  listSeq: 0,
};

/** Saved connection id -> its row's test: { pending } or { ok, lines, codes }. */
const rowTests = new Map();

/** Field id -> { field, wrap, control, msgs, note?, reenter? }. */
const nodes = new Map();

/** API type id -> { label, description }. */
const types = new Map();

// A hook for tests and for embedding pages: `timeoutMs` (set before Save or a
// test) bounds that request; `secretsFilled()`/`mode()` report booleans and the
// mode, never a value. Nothing else is read from or written to it.
const hooks = (globalThis.__billcomDemo ??= {});
hooks.secretsFilled = () => (state.form ? state.form.secretsFilled() : {});
hooks.mode = () => state.form?.mode;

/** Creates an element; `attrs` become attributes (null/undefined/false are skipped). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c);
  }
  return e;
}

const controlId = (fieldId) => `f-${fieldId}`;

function optionText(option) {
  return option.baseUrl ? `${option.label} — ${option.baseUrl}` : option.label;
}

/** The options to send with every request of this page: nothing cached, no referrer. */
function api(url, init = {}) {
  return fetch(url, {
    cache: "no-store",
    credentials: "same-origin",
    redirect: "error",
    referrerPolicy: "no-referrer",
    headers: { Accept: "application/json" },
    ...init,
  });
}

// ---------------------------------------------------------------- the form

function createField(field) {
  const id = controlId(field.id);
  const hasNote = field.kind === "select";
  const secret = field.secret || field.kind === "password";

  let control;
  if (field.kind === "select") {
    control = el("select", { id, required: field.required });
  } else {
    control = el("input", {
      id,
      type: secret ? "password" : "text",
      inputmode: field.inputMode ?? null,
      autocomplete: field.autocomplete || "off",
      placeholder: field.placeholder,
      required: field.required,
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
      ...IGNORE_PASSWORD_MANAGERS,
    });
  }
  control.dataset.field = field.id;

  const labelRow = el(
    "div",
    { class: "label-row" },
    el("label", { for: id }, field.label),
    field.required ? el("span", { class: "req", "aria-hidden": "true" }, "*") : null,
  );
  const note = hasNote ? el("p", { id: `${id}-note`, class: "note" }) : null;
  const reenter = secret ? el("p", { id: `${id}-reenter`, class: "reenter", hidden: true }, REENTER) : null;
  const msgs = el("div", { id: `${id}-msgs`, class: "msgs" });
  const help = el("p", { id: `${id}-help`, class: "help" }, field.help);
  const wrap = el("div", { class: "field", "data-field": field.id }, labelRow, control, reenter, note, msgs, help);

  const node = { field, wrap, control, msgs, note, reenter, help, shownKey: "" };
  describe(node, false);

  if (field.kind === "select") {
    control.addEventListener("change", () => {
      if (field.id === "apiType") {
        guard(() => {
          state.form.setApiType(control.value);
          state.attempted = false;
          state.serverItems.clear();
          clearStatus();
          renderForm();
        });
      } else {
        guard(() => changed(field.id));
      }
    });
  } else {
    control.addEventListener("input", () => guard(() => changed(field.id)));
  }
  control.addEventListener("blur", () =>
    guard(() => {
      if (!nodes.has(field.id) || !state.spec) return;
      state.touched.add(field.id);
      state.items.set(field.id, check(field.id));
      refresh();
    }),
  );
  return node;
}

/** Links a control to its messages, notes and help (the re-enter hint only while shown). */
function describe(node, reenterShown) {
  const ids = [node.msgs.id, reenterShown ? node.reenter?.id : null, node.note?.id, node.help.id];
  node.control.setAttribute("aria-describedby", ids.filter(Boolean).join(" "));
}

/** Replaces a select's options when the spec's differ, keeping the choice. */
function syncOptions(node, field) {
  const select = node.control;
  const wanted = field.options.map((o) => [o.value, optionText(o)]);
  const have = [...select.options].map((o) => [o.value, o.text]);
  if (JSON.stringify(wanted) !== JSON.stringify(have)) {
    const keep = select.value;
    select.replaceChildren(...wanted.map(([value, text]) => el("option", { value }, text)));
    if (wanted.some(([v]) => v === keep)) select.value = keep;
  }
  node.field = field;
}

/** Updates the note under a select: the API type's description, the base URL. */
function updateNote(node) {
  if (!node.note) return;
  if (node.field.id === "apiType") {
    node.note.textContent = types.get(node.control.value)?.description ?? "";
  } else {
    const option = node.field.options.find((o) => o.value === node.control.value);
    node.note.replaceChildren();
    if (option?.baseUrl) node.note.append("Base URL: ", el("code", {}, option.baseUrl));
  }
}

/** (Re)builds the fields for the form's API type, reusing the controls of shared fields. */
function renderForm() {
  const form = state.form;
  const spec = formSpec(form.apiType);
  state.spec = spec;
  const values = form.values();
  const editing = form.mode === "edit";
  const wanted = new Set(spec.fields.map((f) => f.id));
  const container = $("fields");

  for (const [id, node] of nodes) {
    if (wanted.has(id)) continue;
    // A field the new API type lacks: its value (maybe a secret) goes with it,
    // as it went from the ConnectionForm.
    node.control.value = "";
    node.wrap.remove();
    nodes.delete(id);
    state.items.delete(id);
    state.serverItems.delete(id);
    state.touched.delete(id);
  }
  if (nodes.size === 0) container.replaceChildren();

  spec.fields.forEach((field, i) => {
    let node = nodes.get(field.id);
    if (!node) {
      node = createField(field);
      nodes.set(field.id, node);
      if (field.kind !== "select" && !field.secret) node.control.value = values[field.id] ?? "";
    }
    node.field = field;
    if (field.options) syncOptions(node, field);
    if (field.id === "apiType") {
      node.control.value = form.apiType;
    } else if (field.kind === "select") {
      const saved = values[field.id];
      if (saved !== undefined && field.options.some((o) => o.value === saved)) node.control.value = saved;
      // The select shows a choice from the start: the form holds that choice too.
      if (node.control.value !== saved) form.set(field.id, node.control.value);
    }
    if (container.children[i] !== node.wrap) {
      container.insertBefore(node.wrap, container.children[i] ?? null);
    }
    if (node.reenter) {
      node.reenter.hidden = !editing;
      describe(node, editing);
    }
    updateNote(node);
    state.items.set(field.id, check(field.id));
  });
  renderMode();
  refresh();
}

/** The heading and the "New connection" button follow the form's mode. */
function renderMode() {
  const editing = state.form.mode === "edit";
  $("form-heading").textContent = editing ? `Edit “${state.editingName}”` : "New connection";
  $("new-connection").hidden = !editing;
  const current = state.form.connectionId;
  for (const li of $("connections").children) {
    if (li.dataset.id === current) li.setAttribute("aria-current", "true");
    else li.removeAttribute("aria-current");
  }
}

/** Replaces the form: the old one is freed (its secrets zeroized), the controls reloaded. */
function loadForm(next, name = "") {
  const previous = state.form;
  state.form = next;
  if (previous && previous !== next) previous.free();
  state.editingName = name;
  const values = next.values();
  for (const node of nodes.values()) {
    if (node.field.kind === "select") continue;
    node.control.value = node.field.secret ? "" : (values[node.field.id] ?? "");
  }
  state.items.clear();
  state.serverItems.clear();
  state.touched.clear();
  state.attempted = false;
  clearAlert();
  renderForm();
}

function check(fieldId) {
  return validateField(state.form.apiType, fieldId, nodes.get(fieldId).control.value);
}

function changed(fieldId) {
  const node = nodes.get(fieldId);
  state.items.set(fieldId, state.form.set(fieldId, node.control.value));
  state.serverItems.delete(fieldId);
  // A test's "fix the fields marked above" goes once no field is marked any more.
  if (state.serverItems.size === 0 && $("test-alert").dataset.fields === "true") clearAlert();
  updateNote(node);
  clearStatus();
  refresh();
}

function showsMessages(fieldId) {
  return state.attempted || state.touched.has(fieldId);
}

function renderMessages(node, items) {
  const key = JSON.stringify(items.map((i) => [i.severity, i.code, i.message, i.billCode]));
  if (key === node.shownKey) return;
  node.shownKey = key;
  node.msgs.replaceChildren(
    ...items.map((item) =>
      el(
        "p",
        {
          class: `msg msg-${item.severity}`,
          "data-code": item.code,
          "data-severity": item.severity,
          "data-bill-code": item.billCode,
        },
        el("span", { class: "sr-only" }, item.severity === "error" ? "Error: " : "Warning: "),
        item.message,
      ),
    ),
  );
}

let summaryKey = "";

function renderSummary(errors) {
  const key = JSON.stringify(errors.map(({ item }) => [item.field, item.code, item.message]));
  if (key === summaryKey) return;
  summaryKey = key;
  const summary = $("error-summary");
  if (errors.length === 0) {
    summary.replaceChildren();
    return;
  }
  const list = el("ul");
  for (const { fieldId, item } of errors) {
    const link = el("a", { href: `#${controlId(fieldId)}` }, item.message);
    // Focus the control without touching the URL (no fragment in history).
    link.addEventListener("click", (event) => {
      event.preventDefault();
      nodes.get(fieldId)?.control.focus();
    });
    list.append(el("li", {}, link));
  }
  const heading =
    errors.length === 1 ? "There is 1 problem to fix" : `There are ${errors.length} problems to fix`;
  summary.replaceChildren(el("h2", {}, heading), list);
}

/** Shows the messages of shown fields, the summary, and whether Save is enabled. */
function refresh() {
  const errors = [];
  for (const field of state.spec.fields) {
    const node = nodes.get(field.id);
    const own = showsMessages(field.id) ? (state.items.get(field.id) ?? []) : [];
    const fromServer = (state.serverItems.get(field.id) ?? []).filter(
      (s) => !own.some((o) => o.code === s.code && o.message === s.message),
    );
    const items = [...own, ...fromServer];
    renderMessages(node, items);
    const invalid = items.some((i) => i.severity === "error");
    if (invalid) node.control.setAttribute("aria-invalid", "true");
    else node.control.removeAttribute("aria-invalid");
    for (const item of items) {
      if (item.severity === "error") errors.push({ fieldId: field.id, item });
    }
  }
  renderSummary(errors);

  // Server-side errors (a 422, or what BILL refused) block neither Save nor Test:
  // the values may be fine by now (a retry).
  const { valid } = state.form.validate();
  $("save").disabled = state.busy || !valid;
  $("test-connection").disabled = state.busy || !valid;
  $("save-hint").textContent = state.busy
    ? state.busyWith === "test"
      ? "Testing the connection with BILL…"
      : "Saving…"
    : valid
      ? "Ready to save or test."
      : "Save and Test connection become available once every field is valid.";
}

/** A Save attempt on an invalid form: show every error and move to the summary. */
function attempt() {
  state.attempted = true;
  refresh();
  $("error-summary").focus();
}

/** Clears the save's and the test's success messages (they may be stale now). */
function clearStatus() {
  $("form-status").textContent = "";
  $("test-status").textContent = "";
}

function clearAlert() {
  $("form-alert").replaceChildren();
  $("test-alert").replaceChildren();
  delete $("test-alert").dataset.fields;
}

function showAlert(lines) {
  $("form-alert").replaceChildren(...lines.map((line, i) => el("p", {}, i === 0 ? el("strong", {}, line) : line)));
}

/** While a save or test is in flight nothing can change the form or switch away from it. */
function setBusy(busy, what = "save") {
  state.busy = busy;
  state.busyWith = busy ? what : "";
  const form = $("connection-form");
  if (busy) form.setAttribute("aria-busy", "true");
  else form.removeAttribute("aria-busy");
  $("fields").disabled = busy;
  $("new-connection").disabled = busy;
  syncListButtons();
  refresh();
}

/** Submit and test options: the timeout may be set through the test hook. */
function submitOptions() {
  const ms = Number(globalThis.__billcomDemo?.timeoutMs);
  return Number.isFinite(ms) && ms > 0 ? { timeoutMs: ms } : {};
}

/**
 * Runs one request of the current form (`kind` is "save" or "test"): nothing while
 * another is in flight or the form is invalid; busy meanwhile; never throws.
 * Resolves to the form it ran for and its result, or null when it did not run.
 */
async function runRequest(kind, call) {
  if (state.busy) return null;
  if (!state.form.validate().valid) {
    attempt();
    return null;
  }
  const form = state.form;
  clearStatus();
  clearAlert();
  setBusy(true, kind);
  try {
    return { form, result: await call(form) };
  } catch {
    return { form, result: { ok: false, status: 0, reason: "error", message: "", errors: [] } };
  } finally {
    setBusy(false);
  }
}

async function save() {
  const run = await runRequest("save", (form) => form.submit(API, submitOptions()));
  if (!run) return;
  if (run.result.ok) saved(run.result.connection);
  else notSaved(run.result);
}

/** After a successful save: secrets leave the DOM; the form now edits the saved record. */
function saved(connection) {
  for (const node of nodes.values()) {
    if (node.field.secret) node.control.value = "";
  }
  const name = typeof connection?.name === "string" ? connection.name : (state.form.values().name ?? "");
  let next = null;
  try {
    next = ConnectionForm.edit(connection);
  } catch {
    // An answer without a usable connection: keep the form (its secrets are gone).
  }
  if (next === null) state.form.clearSecrets();
  // An earlier test of this record tested the settings it had before.
  if (typeof connection?.id === "string") rowTests.delete(connection.id);
  loadForm(next ?? state.form, name);
  $("form-status").textContent =
    `Saved “${name}”. Its secrets are stored on the server and will never be shown; ` +
    "to change this connection, enter them again.";
  loadList();
}

const clip = (text) => (typeof text === "string" ? text.slice(0, 500) : "");

/**
 * Splits a server's items into those of this form's fields (to show beside them)
 * and the rest (form-level, or a field this API type does not have).
 */
function splitItems(errors) {
  const known = new Set(state.spec.fields.map((f) => f.id));
  const byField = new Map();
  const other = [];
  for (const item of Array.isArray(errors) ? errors : []) {
    if (!item || typeof item.message !== "string") continue;
    const code = typeof item.code === "string" ? item.code.slice(0, 64) : "invalid";
    const billCode = typeof item.params?.billCode === "string" ? item.params.billCode.slice(0, 32) : null;
    if (typeof item.field === "string" && known.has(item.field)) {
      const shown = {
        field: item.field,
        code,
        severity: item.severity === "warning" ? "warning" : "error",
        message: clip(item.message),
        billCode,
      };
      byField.set(item.field, [...(byField.get(item.field) ?? []), shown]);
    } else {
      other.push({ code, billCode, message: clip(item.message) });
    }
  }
  return { byField, other };
}

/** After a failed save: every value stays (form and inputs); say what happened. */
function notSaved(result) {
  if (result.reason === "in_flight") return;
  if (result.reason === "invalid") return attempt();
  const { byField, other: otherItems } = splitItems(result.errors);
  const other = otherItems.map((o) => o.message);
  state.serverItems = byField;
  const kept = "Everything you typed, secrets included, is still in the form: save again to retry.";
  if (result.status === 422 || byField.size > 0) {
    showAlert([
      "Not saved: the server did not accept some settings.",
      ...other,
      byField.size > 0 ? "Fix the fields marked below, then save again." : kept,
    ]);
  } else if (result.reason === "network") {
    showAlert(["Not saved: the server could not be reached.", kept]);
  } else if (result.reason === "timeout") {
    showAlert(["Not saved: the server did not answer in time.", kept]);
  } else if (result.reason === "http") {
    showAlert([`Not saved: the server answered with an error (status ${result.status}).`, clip(result.message), kept]);
  } else {
    showAlert(["Not saved: something went wrong while saving.", kept]);
  }
  refresh();
  if (byField.size > 0) $("error-summary").focus();
  else $("save").focus();
}

// ---------------------------------------------------------------- test connection

/** "Test connection": the backend logs in to BILL with the settings as typed. */
async function testConnection() {
  const run = await runRequest("test", (form) => form.test(TEST_API, submitOptions()));
  if (run && run.form === state.form) tested(run.result);
}

/** Shows a test's answer; every value stays in the form and the inputs, whatever it is. */
function tested(result) {
  if (result?.reason === "in_flight") return;
  if (result?.reason === "invalid") return attempt();
  const { byField, other } = splitItems(result?.errors);
  state.serverItems = byField;
  if (result?.ok === true && !result.reason) {
    $("test-status").textContent = clip(result.message) || CONNECTED;
    refresh();
    $("test-connection").focus();
    return;
  }
  const kept = "Everything you typed, secrets included, is still in the form.";
  const fix = "Fix the fields marked above, then test again.";
  let lines;
  if (!result?.reason) {
    // The test ran: BILL (or the server's limit in front of it) said no.
    const said = other.length > 0 ? other : byField.size > 0 ? [] : [{ message: clip(result?.message) || "BILL refused the connection." }];
    lines = [
      { text: byField.size > 0 ? "Not connected: BILL did not accept the settings marked above." : "Not connected." },
      ...said.map((o) => ({ text: o.message, code: o.code, billCode: o.billCode })),
      { text: byField.size > 0 ? fix : kept },
    ];
  } else if (result.status === 422 || byField.size > 0) {
    lines = [
      { text: "Not tested: the server did not accept some settings." },
      ...other.map((o) => ({ text: o.message, code: o.code })),
      { text: byField.size > 0 ? fix : kept },
    ];
  } else if (result.reason === "network") {
    lines = [{ text: "Not tested: the server could not be reached." }, { text: kept }];
  } else if (result.reason === "timeout") {
    lines = [{ text: "Not tested: the server did not answer in time." }, { text: kept }];
  } else if (result.reason === "http") {
    lines = [
      { text: `Not tested: the server answered with an error (status ${result.status}).` },
      { text: clip(result.message) },
      { text: kept },
    ];
  } else {
    lines = [{ text: "Not tested: something went wrong while testing." }, { text: kept }];
  }
  const alert = $("test-alert");
  if (byField.size > 0) alert.dataset.fields = "true";
  else delete alert.dataset.fields;
  alert.replaceChildren(
    ...lines
      .filter((l) => l.text)
      .map((l, i) => el("p", { "data-code": l.code, "data-bill-code": l.billCode }, i === 0 ? el("strong", {}, l.text) : l.text)),
  );
  refresh();
  if (byField.size > 0) $("error-summary").focus();
  else $("test-connection").focus();
}

function newConnection() {
  if (state.busy) return;
  clearStatus();
  loadForm(new ConnectionForm({ apiType: state.form.apiType }));
  $("form-heading").focus();
}

// ---------------------------------------------------------------- the list

function listStatus(text) {
  $("list-status").textContent = text;
}

function listAlert(text, retry = false) {
  const alert = $("list-alert");
  if (!text) return alert.replaceChildren();
  const button = retry ? el("button", { type: "button", class: "secondary" }, "Try again") : null;
  button?.addEventListener("click", () => loadList());
  alert.replaceChildren(el("p", {}, text), button);
}

async function loadList() {
  const seq = ++state.listSeq;
  const section = $("list-section");
  section.setAttribute("aria-busy", "true");
  let list = null;
  try {
    const res = await api(API);
    if (res.ok) {
      const body = await res.json();
      if (Array.isArray(body)) list = body;
    }
  } catch {
    list = null;
  }
  if (seq !== state.listSeq) return;
  section.removeAttribute("aria-busy");
  if (list === null) {
    listAlert("Could not load the saved connections.", true);
    return;
  }
  listAlert("");
  renderList(list);
}

function environmentLabel(c) {
  try {
    const env = formSpec(c.apiType).fields.find((f) => f.id === "environment");
    return env.options.find((o) => o.value === c.environment)?.label ?? String(c.environment ?? "");
  } catch {
    return String(c.environment ?? "");
  }
}

/** Each secret the connection has, by label, shown only as "set". */
function secretsItem(c) {
  let secretFields = [];
  try {
    secretFields = formSpec(c.apiType).fields.filter((f) => f.secret);
  } catch {
    // An API type this package does not know: no labels to show.
  }
  const set = new Set(Array.isArray(c.secretsSet) ? c.secretsSet : []);
  const shown = secretFields.filter((f) => set.has(f.id));
  if (shown.length === 0) return el("dd", {}, "None set");
  return el(
    "dd",
    {},
    el("ul", { class: "secrets" }, ...shown.map((f) => el("li", { "data-secret": f.id }, `${f.label}: `, el("span", { class: "set" }, "set")))),
  );
}

function renderList(list) {
  const ul = $("connections");
  $("list-empty").hidden = list.length > 0;
  ul.replaceChildren(
    ...list.map((c) => {
      const name = typeof c.name === "string" ? c.name : "";
      const id = typeof c.id === "string" ? c.id : "";
      const test = el("button", { type: "button", class: "secondary", "aria-label": `Test ${name}`, "data-action": "test" }, "Test");
      const edit = el("button", { type: "button", class: "secondary", "aria-label": `Edit ${name}` }, "Edit");
      const del = el("button", { type: "button", class: "danger", "aria-label": `Delete ${name}` }, "Delete");
      test.addEventListener("click", () => testSaved(id, name));
      edit.addEventListener("click", () => editConnection(id));
      del.addEventListener("click", () => deleteConnection(id, name));
      const li = el(
        "li",
        { class: "conn", "data-id": id, "data-api-type": typeof c.apiType === "string" ? c.apiType : "" },
        el("h3", {}, name),
        el(
          "dl",
          {},
          el("dt", {}, "API type"),
          el("dd", {}, types.get(c.apiType)?.label ?? String(c.apiType ?? "")),
          el("dt", {}, "Environment"),
          el("dd", {}, environmentLabel(c)),
          el("dt", {}, "Base URL"),
          el("dd", {}, el("code", {}, String(c.baseUrl ?? ""))),
          el("dt", {}, "Secrets"),
          secretsItem(c),
        ),
        el("div", { class: "row-actions" }, test, edit, del),
        el("p", { class: "status status-ok row-status", role: "status" }),
        el("div", { class: "banner row-alert", role: "alert" }),
      );
      renderRowTest(li);
      return li;
    }),
  );
  // Forget the results of connections that are gone (a test still running finishes unseen).
  const ids = new Set(list.map((c) => c.id));
  for (const [id, t] of rowTests) if (!ids.has(id) && !t.pending) rowTests.delete(id);
  syncListButtons();
  if (state.form) renderMode();
}

/** The list's buttons: all disabled while the form is busy; a row's Test while it runs. */
function syncListButtons() {
  for (const button of $("connections").querySelectorAll("button")) {
    const id = button.closest("li")?.dataset.id;
    button.disabled = state.busy || (button.dataset.action === "test" && rowTests.get(id)?.pending === true);
  }
}

function rowOf(id) {
  return [...$("connections").children].find((li) => li.dataset.id === id) ?? null;
}

/** Shows a row's test: running, connected, or what went wrong. */
function renderRowTest(li) {
  const t = rowTests.get(li.dataset.id);
  const status = li.querySelector(".row-status");
  const alert = li.querySelector(".row-alert");
  if (!t) {
    status.textContent = "";
    alert.replaceChildren();
  } else if (t.pending) {
    status.textContent = "Testing with BILL…";
    alert.replaceChildren();
  } else if (t.ok) {
    status.textContent = t.lines[0];
    alert.replaceChildren();
  } else {
    status.textContent = "";
    alert.replaceChildren(
      ...t.lines.map((line, i) =>
        el("p", { "data-code": t.codes[i] }, i === 0 ? el("strong", {}, line) : line)),
    );
  }
  const button = li.querySelector("button[data-action='test']");
  if (button) button.disabled = state.busy || t?.pending === true;
}

/** A saved connection's answer, as lines: field items are named by their label. */
function rowFailure(apiType, errors) {
  let labels = new Map();
  try {
    labels = new Map(formSpec(apiType).fields.map((f) => [f.id, f.label]));
  } catch {
    // An API type this package does not know: the items keep their messages only.
  }
  // One line per message: BDC_1101 blames username and password with one message.
  const byMessage = new Map();
  for (const item of Array.isArray(errors) ? errors : []) {
    if (!item || typeof item.message !== "string") continue;
    const message = clip(item.message);
    const entry = byMessage.get(message) ?? { labels: [], code: typeof item.code === "string" ? item.code.slice(0, 64) : null };
    if (typeof item.field === "string" && labels.has(item.field)) entry.labels.push(labels.get(item.field));
    byMessage.set(message, entry);
  }
  const lines = [];
  const codes = [];
  for (const [message, { labels: named, code }] of byMessage) {
    lines.push(named.length > 0 ? `${named.join(", ")}: ${message}` : message);
    codes.push(code);
  }
  return { lines, codes, fields: [...byMessage.values()].some((e) => e.labels.length > 0) };
}

/** A saved connection's "Test": the server logs in with its stored secrets; no secret is sent. */
async function testSaved(id, name) {
  if (state.busy || rowTests.get(id)?.pending) return;
  const apiType = rowOf(id)?.dataset.apiType ?? "";
  rowTests.set(id, { pending: true });
  const show = () => {
    const li = rowOf(id);
    if (li) renderRowTest(li);
  };
  show();
  const ms = Number(globalThis.__billcomDemo?.timeoutMs);
  let res = null;
  let body = null;
  let reason = "";
  try {
    res = await api(`${API}/${encodeURIComponent(id)}/test`, {
      method: "POST",
      signal: AbortSignal.timeout(Number.isFinite(ms) && ms > 0 ? ms : 15_000),
    });
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  } catch (e) {
    reason = e?.name === "TimeoutError" ? "timeout" : "network";
  }
  let outcome;
  if (reason === "timeout") {
    outcome = { ok: false, lines: [`Not tested: the server did not answer in time.`], codes: [] };
  } else if (reason) {
    outcome = { ok: false, lines: [`Not tested: the server could not be reached.`], codes: [] };
  } else if (res.status === 404) {
    outcome = { ok: false, lines: [`“${name}” no longer exists.`], codes: [] };
    loadList();
  } else if (res.ok && typeof body?.ok === "boolean") {
    if (body.ok) {
      outcome = { ok: true, lines: [clip(body.message) || CONNECTED], codes: [] };
    } else {
      const failure = rowFailure(apiType, body.errors);
      if (failure.lines.length === 0) failure.lines.push(clip(body.message) || "BILL refused the connection.");
      outcome = {
        ok: false,
        lines: [
          "Not connected.",
          ...failure.lines,
          ...(failure.fields ? [`To change these settings, edit “${name}” and enter its secrets again.`] : []),
        ],
        codes: [null, ...failure.codes],
      };
    }
  } else {
    const message = typeof body?.message === "string" ? clip(body.message) : "";
    outcome = {
      ok: false,
      lines: [`Not tested: the server answered with an error (status ${res.status}).`, ...(message ? [message] : [])],
      codes: [],
    };
  }
  rowTests.set(id, outcome);
  show();
}

async function editConnection(id) {
  if (state.busy) return;
  listStatus("");
  listAlert("");
  let res;
  try {
    res = await api(`${API}/${encodeURIComponent(id)}`);
  } catch {
    listAlert("Could not load that connection: the server could not be reached.");
    return;
  }
  if (res.status === 404) {
    listAlert("That connection no longer exists.");
    loadList();
    return;
  }
  let next;
  try {
    if (!res.ok) throw new Error("status");
    const saved = await res.json();
    next = ConnectionForm.edit(saved);
    if (state.busy) {
      next.free();
      return;
    }
    clearStatus();
    loadForm(next, typeof saved.name === "string" ? saved.name : "");
  } catch {
    next?.free();
    listAlert("Could not load that connection.");
    return;
  }
  $("form-heading").focus();
}

async function deleteConnection(id, name) {
  if (state.busy) return;
  listStatus("");
  listAlert("");
  if (!window.confirm(`Delete “${name}”? Its settings and stored secrets are removed for good.`)) return;
  let res;
  try {
    res = await api(`${API}/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch {
    listAlert(`Could not delete “${name}”: the server could not be reached.`);
    return;
  }
  if (res.ok || res.status === 404) {
    rowTests.delete(id);
    if (state.form.connectionId === id && !state.busy) {
      clearStatus();
      loadForm(new ConnectionForm({ apiType: state.form.apiType }));
    }
    listStatus(`Deleted “${name}”.`);
  } else {
    listAlert(`Could not delete “${name}” (status ${res.status}).`);
  }
  loadList();
}

// ---------------------------------------------------------------- start

/** Runs `fn`; a failure shows a generic banner (the error could echo input, so it is not shown or logged). */
function guard(fn) {
  try {
    fn();
  } catch {
    failed("Something went wrong while checking the form. Reload the page and try again.");
  }
}

function failed(text) {
  const form = $("connection-form");
  form.removeAttribute("aria-busy");
  $("save").disabled = true;
  $("test-connection").disabled = true;
  $("fields").replaceChildren(el("p", { class: "banner", role: "alert" }, text));
  nodes.clear();
}

async function main() {
  const form = $("connection-form");
  // Attached before any field exists: the form never submits natively.
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save().catch(() => showAlert(["Not saved: something went wrong while saving."]));
  });
  // Enter in a field while Save is disabled counts as a Save attempt.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement && $("save").disabled) {
      event.preventDefault();
      if (!state.busy) guard(attempt);
    }
  });
  $("new-connection").addEventListener("click", () => guard(newConnection));
  $("test-connection").addEventListener("click", () =>
    testConnection().catch(() => $("test-alert").replaceChildren(el("p", {}, "Not tested: something went wrong while testing."))),
  );

  try {
    await init();
  } catch {
    failed("The form could not load (WebAssembly failed to start).");
    $("list-section").removeAttribute("aria-busy");
    listAlert("The saved connections cannot be shown: the page did not load. Reload it to try again.");
    return;
  }
  guard(() => {
    for (const t of apiTypes()) types.set(t.id, t);
    state.form = new ConnectionForm({ apiType: apiTypes()[0].id });
    renderForm();
    form.removeAttribute("aria-busy");
  });
  loadList();
}

main();
