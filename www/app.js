// The demo page: renders the Bill.com connection form from `formSpec`, validates it
// with the package's WebAssembly validator, and shows what Save would send.
//
// Values live only in the form controls: never in the URL, history, storage,
// cookies or the console; messages come from the validator and never contain values.

import init, { formSpec, validate, validateField, apiTypes } from "../pkg/billcom_connection.js";

const $ = (id) => document.getElementById(id);

/** Hints that ask password managers to leave a control alone. */
const IGNORE_PASSWORD_MANAGERS = {
  "data-1p-ignore": "",
  "data-lpignore": "true",
  "data-bwignore": "",
  "data-form-type": "other",
};

const state = {
  apiType: "",
  /** The current FormSpec. */
  spec: null,
  /** Field id -> ReportItem[] for the value the control holds now. */
  items: new Map(),
  /** Fields the user has left at least once. */
  touched: new Set(),
  /** Whether the user tried to save; then every field's errors show. */
  attempted: false,
};

/** Field id -> { field, wrap, control, msgs, note? }. The DOM is the only place values live. */
const nodes = new Map();

/** API type id -> description. */
const descriptions = new Map();

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

function createField(field) {
  const id = controlId(field.id);
  const helpId = `${id}-help`;
  const msgsId = `${id}-msgs`;
  const noteId = `${id}-note`;
  const hasNote = field.kind === "select";

  let control;
  if (field.kind === "select") {
    control = el("select", { id, required: field.required });
  } else {
    const secret = field.secret || field.kind === "password";
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
  control.setAttribute(
    "aria-describedby",
    [msgsId, hasNote ? noteId : null, helpId].filter(Boolean).join(" "),
  );

  const labelRow = el(
    "div",
    { class: "label-row" },
    el("label", { for: id }, field.label),
    field.required ? el("span", { class: "req", "aria-hidden": "true" }, "*") : null,
  );
  const note = hasNote ? el("p", { id: noteId, class: "note" }) : null;
  const msgs = el("div", { id: msgsId, class: "msgs" });
  const help = el("p", { id: helpId, class: "help" }, field.help);
  const wrap = el("div", { class: "field", "data-field": field.id }, labelRow, control, note, msgs, help);

  const node = { field, wrap, control, msgs, note, shownKey: "" };

  if (field.kind === "select") {
    control.addEventListener("change", () => {
      if (field.id === "apiType") {
        state.apiType = control.value;
        state.attempted = false;
        clearResult();
        guard(renderForm);
      } else {
        guard(() => changed(field.id));
      }
    });
  } else {
    control.addEventListener("input", () => guard(() => changed(field.id)));
  }
  control.addEventListener("blur", () =>
    guard(() => {
      state.touched.add(field.id);
      state.items.set(field.id, check(field.id));
      refresh();
    }),
  );
  return node;
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
    node.note.textContent = descriptions.get(node.control.value) ?? "";
  } else {
    const option = node.field.options.find((o) => o.value === node.control.value);
    node.note.replaceChildren();
    if (option?.baseUrl) node.note.append("Base URL: ", el("code", {}, option.baseUrl));
  }
}

/** (Re)builds the fields for `state.apiType`, reusing the controls of shared fields. */
function renderForm() {
  const spec = formSpec(state.apiType);
  state.spec = spec;
  const wanted = new Set(spec.fields.map((f) => f.id));
  const container = $("fields");

  for (const [id, node] of nodes) {
    if (wanted.has(id)) continue;
    // A field the new API type lacks: its value (maybe a secret) goes with it.
    node.control.value = "";
    node.wrap.remove();
    nodes.delete(id);
    state.items.delete(id);
    state.touched.delete(id);
  }
  if (nodes.size === 0) container.replaceChildren();

  spec.fields.forEach((field, i) => {
    let node = nodes.get(field.id);
    if (!node) {
      node = createField(field);
      nodes.set(field.id, node);
    }
    node.field = field;
    if (field.options) syncOptions(node, field);
    if (field.id === "apiType") node.control.value = state.apiType;
    if (container.children[i] !== node.wrap) {
      container.insertBefore(node.wrap, container.children[i] ?? null);
    }
    updateNote(node);
    state.items.set(field.id, check(field.id));
  });
  refresh();
}

/** The settings object: the current API type's fields and what their controls hold. */
function currentSettings() {
  const settings = {};
  for (const field of state.spec.fields) settings[field.id] = nodes.get(field.id).control.value;
  return settings;
}

function check(fieldId) {
  return validateField(state.apiType, fieldId, nodes.get(fieldId).control.value);
}

function changed(fieldId) {
  state.items.set(fieldId, check(fieldId));
  const node = nodes.get(fieldId);
  updateNote(node);
  clearResult();
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
    const items = showsMessages(field.id) ? (state.items.get(field.id) ?? []) : [];
    renderMessages(node, items);
    const invalid = items.some((i) => i.severity === "error");
    if (invalid) node.control.setAttribute("aria-invalid", "true");
    else node.control.removeAttribute("aria-invalid");
    for (const item of items) {
      if (item.severity === "error") errors.push({ fieldId: field.id, item });
    }
  }
  renderSummary(errors);

  const { valid } = validate(currentSettings());
  $("save").disabled = !valid;
  $("save-hint").textContent = valid
    ? "Ready to save."
    : "Save becomes available once every field is valid.";
}

/** A Save attempt on an invalid form: show every error and move to the summary. */
function attempt() {
  state.attempted = true;
  refresh();
  $("error-summary").focus();
}

function clearResult() {
  $("result").textContent = "";
  $("result-section").hidden = true;
}

function save() {
  const settings = currentSettings();
  if (!validate(settings).valid) return attempt();
  const shown = {};
  for (const field of state.spec.fields) {
    shown[field.id] = field.secret ? "[redacted]" : settings[field.id];
  }
  $("result").textContent = JSON.stringify(shown, null, 2);
  $("result-section").hidden = false;
}

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
    guard(save);
  });
  // Enter in a field while Save is disabled counts as a Save attempt.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement && $("save").disabled) {
      event.preventDefault();
      guard(attempt);
    }
  });

  try {
    await init();
  } catch {
    failed("The form could not load (WebAssembly failed to start).");
    return;
  }
  guard(() => {
    const types = apiTypes();
    for (const t of types) descriptions.set(t.id, t.description);
    state.apiType = types[0].id;
    renderForm();
    form.removeAttribute("aria-busy");
  });
}

main();
