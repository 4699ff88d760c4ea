// <billcom-connection-form>: the Bill.com connection form as a custom element.
//
// Light DOM (labels, password managers and the page's CSS reach the controls), no
// framework, built only on the package's public API. Every value goes into a
// ConnectionForm on each input event; a secret lives in its input while typed and in
// WASM memory, never in a property, attribute, dataset or closure of this element.
// No inline styles (classes and `hidden` only) and no eval: strict-CSP safe.

import init, { apiTypes, formSpec, validateField, ConnectionForm } from "./billcom_connection.js";

/** The element's own words. Labels, help and messages come from the crate. */
export const en = {
  loading: "Loading the form…",
  allRequired: "Every field is required.",
  save: "Save",
  test: "Test connection",
  show: "Show {label}",
  more: "Where to find it",
  baseUrl: "Base URL:",
  editNote: "Saved secrets are never shown. To save a change, enter every secret again.",
  secretSaved: "Saved, not shown",
  replace: "Saving replaces the stored {old} credentials with these {new} ones.",
  summaryOne: "There is 1 problem to fix",
  summaryMany: "There are {n} problems to fix",
  error: "Error:",
  warning: "Warning:",
  saving: "Saving…",
  testing: "Testing the connection with BILL…",
  saved: "Saved “{name}”.",
  fixFirst: "Fix the problems listed above first.",
  rejected422: "The server did not accept these settings: see the marked fields.",
  inFlight: "A request is already under way.",
  network: "Could not reach the server. Nothing was lost: check your connection and try again.",
  timeoutSave: "No answer in time; it may have been saved. Saving again is safe: it cannot create a second connection.",
  timeoutTest: "The server did not answer in time. Nothing was lost: test again.",
  http: "The server answered with status {status}. Nothing was lost: try again.",
  failed: "That did not work ({reason}). Nothing was lost: try again.",
  refused: "BILL refused these credentials: see the marked fields.",
  refusedLogin: "BILL refused the login: {message}",
  couldNotTest: "Could not test: {message}",
  crashed: "Something went wrong in the form. Nothing was lost: try again.",
  conflict: "Not saved: this connection was changed elsewhere after you opened it. Your changes are still in the form. To see the current version, reload the saved connection (this discards your changes here).",
  reload: "Reload the saved connection",
  reloaded: "Reloaded “{name}” as it is saved now.",
  view: "View",
  simple: "Simple",
  httpView: "HTTP",
  httpIntro: "How a universal HTTP connector reaches BILL with these settings. Values in double braces come from the form; no secret is ever shown here.",
  httpBase: "Base URI",
  httpAuth: "Authentication",
  httpMedia: "Media type",
  httpLogin: "Login request",
  httpCarry: "Later calls carry ({carry})",
  httpPing: "Connection check",
  httpLogout: "Logout",
};

/** Check codes that mean "the test could not run", not "BILL said no". */
const NOT_RUN = ["timeout", "upstream_error", "unreachable", "invalid_response", "rate_limited"];

/** Hints that ask password managers to leave a control alone. */
const IGNORE = { "data-1p-ignore": "", "data-lpignore": "true", "data-bwignore": "", "data-form-type": "other" };

let ready;
/** Loads the WASM module once, on first use. */
const load = () => (ready ??= init());
const locales = { fr: () => import("./locales/fr.js") };
let contracts;
/** The HTTP view's data (generated from the crate), loaded only when that view opens. */
const http = () => (contracts ??= import("./contracts.js"));
let count = 0;

const fill = (text, params = {}) => text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) e.setAttribute(k, v === true ? "" : v);
  e.append(...children.filter((c) => c != null));
  return e;
}

export class BillcomConnectionForm extends HTMLElement {
  static observedAttributes = ["action", "api-type", "locale"];

  /** Extra request headers (e.g. a CSRF token), sent with every save and test. */
  headers = undefined;
  /** Abandon a save or test after this many milliseconds (ConnectionForm's default: 15 s). */
  timeoutMs = undefined;

  #uid = `bcf${++count}`;
  #form = null;
  #saved = null;
  #base = "";
  #cat = null;
  #lang = "en";
  #nodes = new Map();
  #items = new Map();
  #server = new Map();
  #touched = new Set();
  #attempted = false;
  #busy = "";
  #root = null;
  #ui = {};
  #start = null;

  connectedCallback() {
    if (this.#root) return;
    this.#root = el("p", { class: "bcf-loading" }, en.loading);
    this.setAttribute("aria-busy", "true");
    this.replaceChildren(this.#root);
    this.#start = Promise.all([load(), this.#loadLocale()]).then(
      () => this.#build(),
      () => (this.#root.textContent = en.crashed),
    );
  }

  disconnectedCallback() {
    // A detached form may come back; its secrets stay in WASM until reset() or a save.
  }

  attributeChangedCallback(name, old, value) {
    if (!this.#form || old === value) return;
    if (name === "locale") this.#loadLocale().then(() => this.#texts());
    if (name === "api-type" && this.#form.mode === "create" && value) this.#guard(() => this.#switchType(value));
  }

  get action() {
    return this.getAttribute("action") || "/api/connections";
  }
  set action(v) {
    this.setAttribute("action", v);
  }

  /** The saved connection being edited, or null in create mode. */
  get connection() {
    return this.#saved;
  }
  set connection(saved) {
    if (!this.#form) {
      this.#saved = saved ?? null;
      return;
    }
    this.#load(saved ? ConnectionForm.edit(saved) : this.#blank(), saved ?? null);
  }

  get dirty() {
    return !!this.#form && (this.#state() !== this.#base || Object.values(this.#form.secretsFilled()).some(Boolean));
  }
  get valid() {
    return !!this.#form && this.#form.validate().valid;
  }
  /** Resolves once the WASM module is loaded and the form is drawn. */
  get ready() {
    return this.#start ?? Promise.resolve();
  }

  /** Back to an empty create form (secrets zeroized). */
  reset() {
    this.connection = null;
  }

  async save() {
    return this.#request("save");
  }

  async test() {
    return this.#request("test");
  }

  // ------------------------------------------------------------ building

  #t(key, params) {
    return fill(this.#cat?.[`ui.${key}`] ?? en[key], params);
  }

  /** A crate text by catalogue key, in the element's language; English from the crate. */
  #c(key, english) {
    return (this.#cat && this.#cat[key]) || english;
  }

  async #loadLocale() {
    const lang = (this.getAttribute("locale") || this.closest("[lang]")?.lang || "en").toLowerCase().split("-")[0];
    this.#cat = locales[lang] ? (await locales[lang]()).default : null;
    this.#lang = this.#cat ? lang : "en";
  }

  #blank() {
    const type = this.getAttribute("api-type");
    return new ConnectionForm({ apiType: apiTypes().some((t) => t.id === type) ? type : apiTypes()[0].id });
  }

  #build() {
    const id = this.#uid;
    const fields = new Map();
    for (const t of apiTypes()) for (const f of formSpec(t.id).fields) fields.set(f.id, f);
    const ui = (this.#ui = {
      simple: el("button", { type: "button", class: "bcf-view-simple", "aria-pressed": "true" }),
      http: el("button", { type: "button", class: "bcf-view-http", "aria-pressed": "false" }),
      panel: el("section", { class: "bcf-http", hidden: true }),
      intro: el("p", { class: "bcf-intro" }),
      edit: el("p", { class: "bcf-edit-note", hidden: true }),
      summary: el("div", { class: "bcf-summary", tabindex: "-1", hidden: true }),
      fields: el("div", { class: "bcf-fields" }),
      replace: el("p", { class: "bcf-replace", hidden: true }),
      save: el("button", { type: "submit", class: "bcf-save" }),
      test: el("button", { type: "button", class: "bcf-test" }),
      status: el("p", { class: "bcf-status", role: "status", tabindex: "-1" }),
      alert: el("div", { class: "bcf-alert", role: "alert", tabindex: "-1" }),
    });
    for (const f of fields.values()) this.#nodes.set(f.id, this.#field(f, `${id}-${f.id}`));
    ui.fields.append(...[...this.#nodes.values()].map((n) => n.wrap));
    const form = el(
      "form",
      { class: "bcf-form", novalidate: true, autocomplete: "off", "data-form-type": "other" },
      (ui.views = el("div", { class: "bcf-views", role: "group" }, ui.simple, ui.http)),
      ui.intro,
      ui.edit,
      ui.summary,
      ui.fields,
      ui.replace,
      ui.panel,
      el("div", { class: "bcf-actions" }, ui.save, ui.test),
      ui.status,
      ui.alert,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    ui.test.addEventListener("click", () => this.test());
    ui.simple.addEventListener("click", () => this.#view(false));
    ui.http.addEventListener("click", () => this.#view(true));
    ui.alert.addEventListener("click", (e) => e.target.closest(".bcf-reload") && this.#reload());
    ui.summary.addEventListener("click", (e) => {
      const a = e.target.closest("a");
      if (!a) return;
      e.preventDefault(); // no fragment in the URL or history
      this.#nodes.get(a.dataset.field)?.control.focus();
    });
    this.#root = form;
    this.replaceChildren(form);
    const saved = this.#saved;
    this.#load(saved ? ConnectionForm.edit(saved) : this.#blank(), saved);
    this.removeAttribute("aria-busy");
  }

  #field(f, id) {
    const n = { id: f.id, secret: f.secret };
    n.control =
      f.kind === "select"
        ? el("select", { id, required: true })
        : el("input", {
            id,
            type: f.secret ? "password" : "text",
            inputmode: f.inputMode,
            autocomplete: f.autocomplete || "off",
            spellcheck: "false",
            autocapitalize: "off",
            autocorrect: "off",
            required: true,
            ...IGNORE,
          });
    n.control.name = f.id;
    n.label = el("label", { for: id, class: "bcf-label" });
    n.help = el("p", { id: `${id}-help`, class: "bcf-help" });
    n.note = el("p", { id: `${id}-note`, class: "bcf-note", hidden: true });
    n.msgs = el("div", { id: `${id}-msgs`, class: "bcf-msgs" });
    n.control.setAttribute("aria-describedby", `${n.msgs.id} ${n.help.id} ${n.note.id}`);
    const box = el("div", { class: "bcf-control" }, n.control);
    if (f.secret) {
      n.toggle = el("button", { type: "button", class: "bcf-toggle", "aria-pressed": "false" });
      n.toggle.addEventListener("click", () => this.#reveal(n, n.control.type === "password"));
      box.append(n.toggle);
    }
    if (f.details) {
      n.summary = el("summary");
      n.details = el("p");
      n.more = el("details", { class: "bcf-details" }, n.summary, n.details);
    }
    n.wrap = el("div", { class: "bcf-field", "data-field": f.id }, n.label, n.help, n.more, box, n.note, n.msgs);
    const on = f.kind === "select" ? "change" : "input";
    n.control.addEventListener(on, () => this.#guard(() => this.#changed(n)));
    n.control.addEventListener("blur", (e) => {
      if (!this.#form || n.wrap.hidden) return;
      this.#touched.add(f.id);
      // Leaving for Save or Test: that click shows everything; a message appearing now
      // would move the button from under the pointer and swallow the click.
      if (!e.relatedTarget?.closest?.(".bcf-actions")) this.#refresh();
    });
    return n;
  }

  #reveal(n, shown) {
    n.control.type = shown ? "text" : "password";
    n.toggle.setAttribute("aria-pressed", String(shown));
  }

  /** Installs a ConnectionForm (the previous one is freed, its secrets zeroized). */
  #load(next, saved) {
    const previous = this.#form;
    this.#form = next;
    if (previous && previous !== next) previous.free();
    this.#saved = saved;
    const values = next.values();
    for (const n of this.#nodes.values()) {
      if (n.control.tagName === "INPUT") n.control.value = n.secret ? "" : (values[n.id] ?? "");
      if (n.toggle) this.#reveal(n, false);
    }
    if (!values.environment) next.set("environment", "production");
    this.#items.clear();
    this.#server.clear();
    this.#touched.clear();
    this.#attempted = false;
    this.#say("", "");
    this.#base = this.#state();
    this.#texts();
    this.#emit("change");
  }

  /** The non-secret state `dirty` compares against. */
  #state() {
    const v = this.#form.values();
    return JSON.stringify([this.#form.apiType, Object.keys(v).sort().filter((k) => v[k] !== "").map((k) => [k, v[k]])]);
  }

  /** (Re)writes every text in the current language, and shows the current type's fields. */
  #texts() {
    const ui = this.#ui;
    const form = this.#form;
    if (!form) return;
    const spec = formSpec(form.apiType);
    const editing = form.mode === "edit";
    const values = form.values();
    this.#root.lang = this.#lang;
    ui.intro.textContent = this.#t("allRequired");
    ui.edit.textContent = this.#t("editNote");
    ui.edit.hidden = !editing;
    ui.save.textContent = this.#t("save");
    ui.views.setAttribute("aria-label", this.#t("view"));
    ui.simple.textContent = this.#t("simple");
    ui.http.textContent = this.#t("httpView");
    if (!ui.panel.hidden) this.#view(true);
    ui.test.textContent = this.#t("test");
    const shown = new Set(spec.fields.map((f) => f.id));
    const active = document.activeElement;
    for (const f of spec.fields) {
      const n = this.#nodes.get(f.id);
      const k = `field.${f.id}.`;
      const label = this.#c(`${k}label`, f.label);
      n.label.textContent = label;
      n.help.textContent = this.#c(`${k}help`, f.help);
      if (n.more) {
        n.summary.textContent = this.#t("more");
        n.details.textContent = this.#c(`${k}details`, f.details);
      }
      if (n.toggle) {
        n.toggle.textContent = this.#t("show", { label: "" }).trim();
        n.toggle.setAttribute("aria-label", this.#t("show", { label }));
        n.control.placeholder = editing && !n.control.value ? this.#t("secretSaved") : "";
      } else if (f.placeholder) n.control.placeholder = f.placeholder;
      if (f.options) {
        const opts = f.options.map((o) => {
          const text = f.id === "apiType" ? this.#c(`apiType.${o.value}.shortLabel`, o.shortLabel) : this.#c(`environment.${o.value}.label`, o.label);
          return [o.value, text];
        });
        if (JSON.stringify(opts) !== JSON.stringify([...n.control.options].map((o) => [o.value, o.text]))) {
          n.control.replaceChildren(...opts.map(([value, text]) => el("option", { value }, text)));
        }
        n.control.value = f.id === "apiType" ? form.apiType : values[f.id];
        this.#note(n, f, spec);
      }
      ui.fields.append(n.wrap); // display order
      n.wrap.hidden = false;
    }
    for (const n of this.#nodes.values()) if (!shown.has(n.id)) n.wrap.hidden = true;
    if (active && this.contains(active) && active.closest("[hidden]")) this.#nodes.get("apiType").control.focus();
    const old = this.#saved?.apiType;
    ui.replace.hidden = !(editing && old && old !== form.apiType);
    if (!ui.replace.hidden) {
      const name = (id) => this.#c(`apiType.${id}.shortLabel`, apiTypes().find((t) => t.id === id)?.shortLabel ?? id);
      ui.replace.textContent = this.#t("replace", { old: name(old), new: name(form.apiType) });
    }
    for (const f of spec.fields) if (!this.#items.has(f.id)) this.#items.set(f.id, this.#check(this.#nodes.get(f.id)));
    this.#shownKey = "";
    this.#refresh();
    if (this.#busy) this.#say(this.#t(this.#busy === "save" ? "saving" : "testing"), "");
    else this.#say(...this.#said);
  }

  #note(n, f, spec) {
    const value = n.control.value;
    const parts = [];
    if (f.id === "apiType") {
      const t = apiTypes().find((t) => t.id === value);
      if (t) parts.push(el("strong", {}, this.#c(`apiType.${t.id}.label`, t.label)), " ", this.#c(`apiType.${t.id}.description`, t.description));
    } else {
      const o = f.options.find((o) => o.value === value);
      if (o?.baseUrl) parts.push(`${this.#t("baseUrl")} `, el("code", {}, o.baseUrl));
      if (spec.environmentNote) {
        parts.push(el("span", { class: "bcf-env-note" }, this.#c(`apiType.${spec.apiType}.environmentNote`, spec.environmentNote)));
      }
    }
    n.note.replaceChildren(...parts);
    n.note.hidden = parts.length === 0;
  }

  // ------------------------------------------------------------ behaviour

  /** Shows the simple form, or (read-only) the HTTP view of the chosen type and environment. */
  async #view(on) {
    const ui = this.#ui;
    ui.simple.setAttribute("aria-pressed", String(!on));
    ui.http.setAttribute("aria-pressed", String(on));
    ui.intro.hidden = ui.fields.hidden = on;
    ui.panel.hidden = !on;
    if (!on) return;
    let d;
    try {
      d = (await http()).httpSettings(this.#form.apiType, this.#form.values().environment);
    } catch {
      return this.#say("", this.#t("crashed"));
    }
    const code = (text) => el("pre", { class: "bcf-code" }, el("code", {}, text));
    const req = (r) => {
      if (!r) return null;
      const h = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`);
      const b = r.body && (d.mediaType.includes("json") ? JSON.stringify(r.body, null, 2) : new URLSearchParams(r.body).toString().replace(/%7B%7B(\w+)%7D%7D/g, "{{$1}}"));
      return code([`${r.method} ${r.url}`, ...h, ...(b ? ["", b] : [])].join("\n"));
    };
    const part = (key, r) => r && [el("h3", {}, this.#t(key)), req(r)];
    const dl = el("dl", {}, ...[["httpBase", d.baseUri], ["httpMedia", d.mediaType], ["httpAuth", d.auth]].flatMap(([k, v]) => [el("dt", {}, this.#t(k)), el("dd", {}, el("code", {}, v))]));
    const carry = Object.entries(d.authenticatedCalls.values).map(([k, v]) => `${k}: ${v}`).join("\n");
    ui.panel.replaceChildren(
      el("p", {}, this.#t("httpIntro")),
      dl,
      ...(part("httpLogin", d.login) ?? []),
      el("h3", {}, this.#t("httpCarry", { carry: d.authenticatedCalls.carry })),
      code(carry),
      ...(part("httpPing", d.ping) ?? []),
      ...(part("httpLogout", d.logout) ?? []),
    );
  }

  /** After a conflict: loads the connection as it is saved now (typed changes go). */
  async #reload() {
    const u = new URL(this.action, location.href);
    u.pathname = u.pathname.replace(/\/?$/, `/${encodeURIComponent(this.#saved?.id ?? "")}`);
    const h = new Headers(this.headers);
    h.set("Accept", "application/json");
    let r;
    try {
      r = await fetch(u, { headers: h, cache: "no-store", credentials: "same-origin", redirect: "error", referrerPolicy: "no-referrer" });
      if (r.ok) {
        const saved = await r.json();
        this.connection = saved;
        this.#say(() => this.#t("reloaded", { name: saved.name }), "");
        this.#ui.status.focus();
        return;
      }
    } catch {}
    this.#say("", () => this.#line(this.#t(r ? "http" : "network", { status: r?.status }), { code: r ? "http" : "network" }));
  }

  #guard(fn) {
    try {
      fn();
    } catch {
      this.#say("", this.#t("crashed"));
    }
  }

  #check(n) {
    return n.control.tagName === "SELECT" && n.id === "apiType" ? [] : validateField(this.#form.apiType, n.id, n.control.value);
  }

  #changed(n) {
    if (n.id === "apiType") return this.#switchType(n.control.value);
    this.#items.set(n.id, this.#form.set(n.id, n.control.value));
    this.#server.delete(n.id);
    if (n.id === "environment") this.#note(n, formSpec(this.#form.apiType).fields.find((f) => f.id === n.id), formSpec(this.#form.apiType));
    // A success is stale once something changes; "see the marked fields" goes with the marks.
    if (!this.#busy && this.#ui.status.textContent) this.#say("", this.#said[1], this.#alertFields);
    if (this.#alertFields && this.#server.size === 0) this.#say(this.#said[0], "");
    this.#refresh();
    this.#emit("change");
  }

  #switchType(type) {
    this.#form.setApiType(type);
    this.#items.clear();
    this.#server.clear();
    this.#attempted = false;
    this.#say("", "");
    this.#texts();
    this.#emit("change");
  }

  /** A field's items translated: the crate's English, or the catalogue's template. */
  #message(item) {
    if (!this.#cat) return item.message;
    const p = item.params ?? {};
    const label = item.field ? this.#c(`field.${item.field}.label`, item.field) : "";
    const keys = [
      p.billCode && `bill.${p.billCode}`,
      item.code === "rejected" && p.rule && `test.rejected.${p.rule}`,
      `msg.${item.code}${item.code === "invalid_format" ? `.${p.rule}` : ""}`,
      `test.${item.code}`,
    ];
    const key = keys.find((k) => k && this.#cat[k]);
    return key ? fill(this.#cat[key], { label, ...p }) : item.message;
  }

  #shownKey = "";
  #alertFields = false;
  #said = ["", ""];

  /** Shows each shown field's items, the summary, and the buttons' state. */
  #refresh() {
    const spec = formSpec(this.#form.apiType);
    const errors = [];
    for (const f of spec.fields) {
      const n = this.#nodes.get(f.id);
      const own = this.#attempted || this.#touched.has(f.id) ? (this.#items.get(f.id) ?? []) : [];
      const server = (this.#server.get(f.id) ?? []).filter((s) => !own.some((o) => o.code === s.code));
      const items = [...own, ...server];
      const key = JSON.stringify(items.map((i) => [i.code, i.severity, i.params]));
      if (n.shown !== key + this.#lang) {
        n.shown = key + this.#lang;
        n.msgs.replaceChildren(
          ...items.map((i) =>
            el("p", { class: `bcf-msg bcf-${i.severity}`, "data-code": i.code, "data-severity": i.severity, "data-bill-code": i.params?.billCode }, el("span", { class: "bcf-sr" }, `${this.#t(i.severity)} `), this.#message(i)),
          ),
        );
      }
      const invalid = items.some((i) => i.severity === "error");
      if (invalid) n.control.setAttribute("aria-invalid", "true");
      else n.control.removeAttribute("aria-invalid");
      n.wrap.classList.toggle("bcf-invalid", invalid);
      for (const i of items) if (i.severity === "error") errors.push([f.id, this.#c(`field.${f.id}.label`, f.label), i]);
    }
    // The summary follows a Save or Test (GOV.UK), not every field left.
    this.#summary(this.#attempted || this.#server.size ? errors : []);
    for (const b of [this.#ui.save, this.#ui.test]) {
      if (this.#busy) b.setAttribute("aria-disabled", "true");
      else b.removeAttribute("aria-disabled");
    }
    if (this.#busy) this.#root.setAttribute("aria-busy", "true");
    else this.#root.removeAttribute("aria-busy");
  }

  #summary(errors) {
    const seen = new Set();
    const list = el("ul");
    for (const [field, label, item] of errors) {
      if (seen.has(field + item.code)) continue;
      seen.add(field + item.code);
      const msg = this.#message(item);
      const text = msg.startsWith(label) ? msg : `${label}: ${msg}`;
      list.append(el("li", {}, el("a", { href: `#${this.#nodes.get(field).control.id}`, "data-field": field }, text)));
    }
    const key = list.innerHTML + this.#lang;
    if (key === this.#shownKey) return;
    this.#shownKey = key;
    const n = seen.size;
    const s = this.#ui.summary;
    s.hidden = n === 0;
    s.replaceChildren(...(n ? [el("h2", {}, n === 1 ? this.#t("summaryOne") : this.#t("summaryMany", { n })), list] : []));
  }

  /** Sets the status (success, busy) and alert (failure) texts; both regions always exist. */
  /** Sets the status (success, busy) and the alert (failure; text or a `<p>`); both regions always exist. */
  #say(status, alert, aboutFields = false) {
    // Functions are kept and called again when the locale changes.
    this.#said = [status, alert, aboutFields];
    const text = (x) => (typeof x === "function" ? x() : x);
    this.#ui.status.textContent = text(status);
    this.#ui.alert.replaceChildren(text(alert));
    this.#alertFields = aboutFields;
  }

  /** A failure line carrying the item's code (and BILL's), for styling and tests. */
  #line(text, item) {
    return el("p", { "data-code": item?.code, "data-bill-code": item?.params?.billCode }, text);
  }

  #emit(what, detail) {
    const d = detail ?? { apiType: this.#form.apiType, dirty: this.dirty, valid: this.valid };
    this.dispatchEvent(new CustomEvent(`billcom-${what}`, { bubbles: true, composed: true, detail: d }));
  }

  async #request(kind) {
    await this.ready;
    const form = this.#form;
    if (!form) return { ok: false, status: 0, reason: "network", message: en.crashed, errors: [] };
    if (this.#busy) return { ok: false, status: 0, reason: "in_flight", message: this.#t("inFlight"), errors: [] };
    const report = form.validate();
    if (!report.valid) {
      if (!this.#ui.panel.hidden) this.#view(false); // the summary's links lead to the fields
      this.#attempted = true;
      this.#refresh();
      this.#say("", () => this.#t("fixFirst"));
      this.#ui.summary.focus();
      return { ok: false, status: 0, reason: "invalid", message: this.#t("fixFirst"), errors: report.errors };
    }
    this.#busy = kind;
    this.#say(this.#t(kind === "save" ? "saving" : "testing"), "");
    this.#refresh();
    const options = { headers: this.headers, timeoutMs: this.timeoutMs };
    if (options.timeoutMs === undefined) delete options.timeoutMs;
    if (options.headers === undefined) delete options.headers;
    let result;
    try {
      result = kind === "save" ? await form.submit(this.action, options) : await form.test(`${this.action}/test`, options);
    } finally {
      this.#busy = "";
    }
    if (form !== this.#form) {
      // Replaced while in flight (reset, another connection): only the busy state to undo,
      // and a save that did happen is still announced to the page.
      this.#say("", "");
      this.#refresh();
      if (kind === "save" && result.ok) this.#emit("saved", { connection: result.connection });
      return result;
    }
    if (kind === "save") this.#saveDone(result);
    else this.#testDone(result);
    return result;
  }

  #saveDone(r) {
    if (r.ok) {
      this.#load(ConnectionForm.edit(r.connection), r.connection);
      this.#say(() => this.#t("saved", { name: r.connection.name }), "");
      this.#ui.status.focus();
      this.#emit("saved", { connection: r.connection });
      return;
    }
    this.#failed(r, "save");
  }

  #testDone(r) {
    this.#server.clear();
    if (r.ok === true) {
      this.#say(() => this.#c("test.ok", r.message), "");
      this.#refresh();
    } else if ("reason" in r) this.#failed(r, "test");
    else {
      const onFields = (r.errors ?? []).filter((i) => i.field);
      for (const i of onFields) this.#server.set(i.field, [...(this.#server.get(i.field) ?? []), i]);
      const general = (r.errors ?? []).find((i) => !i.field);
      this.#refresh();
      if (onFields.length) {
        this.#say("", () => this.#t("refused"), true);
        this.#ui.summary.focus();
      } else {
        const key = general && NOT_RUN.includes(general.code) ? "couldNotTest" : "refusedLogin";
        this.#say("", () => this.#line(this.#t(key, { message: general ? this.#message(general) : r.message }), general));
      }
    }
    this.#emit("tested", { result: r });
  }

  #failed(r, kind) {
    const items = (r.errors ?? []).filter((i) => i.field && this.#nodes.has(i.field));
    for (const i of items) this.#server.set(i.field, [...(this.#server.get(i.field) ?? []), i]);
    if (items.length) this.#attempted = true;
    this.#refresh();
    const key =
      r.reason === "invalid"
        ? "fixFirst"
        : r.reason === "conflict"
          ? "conflict"
          : items.length
          ? "rejected422"
          : r.reason === "timeout"
            ? kind === "save"
              ? "timeoutSave"
              : "timeoutTest"
            : ["network", "http"].includes(r.reason)
              ? r.reason
              : r.reason === "in_flight"
                ? "inFlight"
                : "failed";
    const general = (r.errors ?? []).filter((i) => !items.includes(i));
    const line = () => {
      const text = this.#t(key, { status: r.status, reason: r.reason });
      const message = kind === "test" && r.reason !== "invalid" && !items.length ? this.#t("couldNotTest", { message: text }) : text;
      const p = this.#line([message, ...general.map((i) => this.#message(i))].join(" "), { code: r.reason });
      if (key === "conflict") p.append(" ", el("button", { type: "button", class: "bcf-reload" }, this.#t("reload")));
      return p;
    };
    this.#say("", line, items.length > 0);
    if (items.length) this.#ui.summary.focus();
  }
}

if (!customElements.get("billcom-connection-form")) customElements.define("billcom-connection-form", BillcomConnectionForm);
