// The demo page: a Bill.com connection form rendered from `formSpec`, backed by the
// package's `ConnectionForm` (WebAssembly), saving to the reference backend's
// /api/connections; with the list of saved connections, edit and delete.
//
// Custody: every value typed goes into the `ConnectionForm` on each input event.
// A secret then lives in WASM memory and, while it is being typed, in its
// password input's `value`; after a successful save every secret input is
// emptied. Values never go into the URL, history, storage, cookies or the
// console; messages come from the validator or the server and never contain
// values. Saved connections come back without secrets (`secretsSet` only), so a
// secret is shown as "set", never as text, and editing means entering it again.

import init, { formSpec, validateField, apiTypes, ConnectionForm } from "../pkg/billcom_connection.js";

const API = "/api/connections";
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
  /** A save is in flight: Save and the controls are disabled. */
  busy: false,
  /** Increments per list load; only the latest answer is rendered. */
  listSeq: 0,
};

/** Field id -> { field, wrap, control, msgs, note?, reenter? }. */
const nodes = new Map();

/** API type id -> { label, description }. */
const types = new Map();

// A hook for tests and for embedding pages: `timeoutMs` (set before Save) bounds
// the save request; `secretsFilled()`/`mode()` report booleans and the mode, never
// a value. Nothing else is read from or written to it.
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
      inputmode: field.kind === "email" ? "email" : null,
      autocomplete: secret ? "new-password" : field.autocomplete || "off",
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
  updateNote(node);
  clearStatus();
  refresh();
}

function showsMessages(fieldId) {
  return state.attempted || state.touched.has(fieldId);
}

function renderMessages(node, items) {
  const key = JSON.stringify(items.map((i) => [i.severity, i.code, i.message]));
  if (key === node.shownKey) return;
  node.shownKey = key;
  node.msgs.replaceChildren(
    ...items.map((item) =>
      el(
        "p",
        { class: `msg msg-${item.severity}`, "data-code": item.code, "data-severity": item.severity },
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

  // Server-side errors do not block Save: the values may be fine by now (a retry).
  const { valid } = state.form.validate();
  $("save").disabled = state.busy || !valid;
  $("save-hint").textContent = state.busy
    ? "Saving…"
    : valid
      ? "Ready to save."
      : "Save becomes available once every field is valid.";
}

/** A Save attempt on an invalid form: show every error and move to the summary. */
function attempt() {
  state.attempted = true;
  refresh();
  $("error-summary").focus();
}

function clearStatus() {
  $("form-status").textContent = "";
}

function clearAlert() {
  $("form-alert").replaceChildren();
}

function showAlert(lines) {
  $("form-alert").replaceChildren(...lines.map((line, i) => el("p", {}, i === 0 ? el("strong", {}, line) : line)));
}

/** While a save is in flight nothing can change the form or switch away from it. */
function setBusy(busy) {
  state.busy = busy;
  const form = $("connection-form");
  if (busy) form.setAttribute("aria-busy", "true");
  else form.removeAttribute("aria-busy");
  $("fields").disabled = busy;
  $("new-connection").disabled = busy;
  for (const button of $("connections").querySelectorAll("button")) button.disabled = busy;
  refresh();
}

/** Submit options: the save timeout may be set through the test hook. */
function submitOptions() {
  const ms = Number(globalThis.__billcomDemo?.timeoutMs);
  return Number.isFinite(ms) && ms > 0 ? { timeoutMs: ms } : {};
}

async function save() {
  if (state.busy) return;
  if (!state.form.validate().valid) return attempt();
  const form = state.form;
  clearStatus();
  clearAlert();
  setBusy(true);
  let result;
  try {
    result = await form.submit(API, submitOptions());
  } catch {
    result = { ok: false, status: 0, reason: "error", message: "", errors: [] };
  } finally {
    setBusy(false);
  }
  if (result.ok) saved(result.connection);
  else notSaved(result);
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
  loadForm(next ?? state.form, name);
  $("form-status").textContent =
    `Saved “${name}”. Its secrets are stored on the server and will never be shown; ` +
    "to change this connection, enter them again.";
  loadList();
}

const clip = (text) => (typeof text === "string" ? text.slice(0, 500) : "");

/** After a failed save: every value stays (form and inputs); say what happened. */
function notSaved(result) {
  if (result.reason === "in_flight") return;
  if (result.reason === "invalid") return attempt();
  const known = new Set(state.spec.fields.map((f) => f.id));
  const byField = new Map();
  const other = [];
  for (const item of Array.isArray(result.errors) ? result.errors : []) {
    if (!item || typeof item.message !== "string") continue;
    if (typeof item.field === "string" && known.has(item.field)) {
      const shown = {
        field: item.field,
        code: typeof item.code === "string" ? item.code : "invalid",
        severity: item.severity === "warning" ? "warning" : "error",
        message: clip(item.message),
      };
      byField.set(item.field, [...(byField.get(item.field) ?? []), shown]);
    } else {
      other.push(clip(item.message));
    }
  }
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
      const edit = el("button", { type: "button", class: "secondary", "aria-label": `Edit ${name}` }, "Edit");
      const del = el("button", { type: "button", class: "danger", "aria-label": `Delete ${name}` }, "Delete");
      edit.disabled = del.disabled = state.busy;
      edit.addEventListener("click", () => editConnection(id));
      del.addEventListener("click", () => deleteConnection(id, name));
      return el(
        "li",
        { class: "conn", "data-id": id },
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
        el("div", { class: "row-actions" }, edit, del),
      );
    }),
  );
  if (state.form) renderMode();
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
