// ConnectionForm: a handle on a form whose secret values live only in WASM memory
// (wasm/src/forms.rs, custody in src/form.rs). This file adds the one request that
// carries them to the backend: the body leaves WASM once, as bytes copied out of
// its memory, is handed to `fetch` (which copies a BufferSource body at once) and
// is zeroed right after, so no JS string ever holds a secret.
import { KEY_ID, ERR_INVALID_ARGUMENT, ERR_UNKNOWN_API_TYPE, ERR_FORM_FREED, PAYLOAD_INVALID, NONE, API, FIELD, cat, need, usage, text, takeBytes, items, report, begin, pushSettings, pushValue, put, putValue, formSpec } from "./core.js";

/** The default time a request may take before it is abandoned. */
const DEFAULT_TIMEOUT_MS = 15000;
const SAVE = 0;
const TEST = 1;
/** Lets `edit()` make an instance around a handle; unreachable from outside. */
const HANDLE = Symbol("handle");

// A form the page dropped without free() is freed when collected.
const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry((h) => {
    try {
      need().bc_form_free(h);
    } catch {
      // never throw from a finalizer
    }
  })
  : null;

function isObject(v) {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

/** `Reflect.get`, or undefined when the read throws (a hostile getter or Proxy). */
function get(obj, key) {
  try {
    return obj[key];
  } catch {
    return undefined;
  }
}

function failure(status, reason, message, errors) {
  return { ok: false, status, reason, message, errors: Array.isArray(errors) ? errors : [] };
}

/** `{ method?, headers?, timeoutMs? }`; anything malformed is misuse. */
function submitOptions(v) {
  if (v === undefined || v === null) return { method: undefined, headers: undefined, timeoutMs: DEFAULT_TIMEOUT_MS };
  if (!isObject(v)) throw usage(ERR_INVALID_ARGUMENT);
  const read = (k) => {
    try {
      return v[k];
    } catch {
      throw usage(ERR_INVALID_ARGUMENT);
    }
  };
  let method = read("method");
  if (method !== undefined) {
    method = typeof method === "string" ? method.toUpperCase() : "";
    if (method !== "POST" && method !== "PUT" && method !== "PATCH") throw usage(ERR_INVALID_ARGUMENT);
  }
  let timeoutMs = read("timeoutMs");
  if (timeoutMs === undefined) timeoutMs = DEFAULT_TIMEOUT_MS;
  else if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw usage(ERR_INVALID_ARGUMENT);
  return { method, headers: read("headers"), timeoutMs };
}

/** In edit mode a save goes to the connection's own URL: `url` may be the
 *  collection (`/api/connections?tenant=7`) or already end with the id. The same
 *  rule as the crate's `wire::target_url` (query and fragment kept at the end, no
 *  doubled slash, an id already there not added again), written here because
 *  calling into the module for it cost 1.4 KB brotli; tests/vectors/target-url.json
 *  holds the cases both are tested against. */
export function targetUrl(url, id) {
  const hash = url.indexOf("#");
  const beforeFragment = hash < 0 ? url : url.slice(0, hash);
  const q = beforeFragment.indexOf("?");
  const path = (q < 0 ? beforeFragment : beforeFragment.slice(0, q)).replace(/\/+$/, "");
  const last = path.slice(path.lastIndexOf("/") + 1);
  let decoded = null;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // a broken escape is not a match
  }
  const hasId = path !== "" && (last === id || decoded === id);
  return path + (hasId ? "" : `/${encodeURIComponent(id)}`) + (q < 0 ? "" : beforeFragment.slice(q)) + (hash < 0 ? "" : url.slice(hash));
}

/** A fresh key for one save and its retries (`Idempotency-Key`). */
function newKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Pages served over plain HTTP (not localhost) have no randomUUID.
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * A Bill.com connection form whose secret values never leave WASM memory except
 * in the body of `submit()`'s (or `test()`'s) request.
 */
export class ConnectionForm {
  #h = 0;
  #inFlight = false;
  /** The saved connection's version (edit mode): sent as `If-Match`. */
  #version = undefined;
  /** The key of the save under way and its retries, until one succeeds. */
  #key = undefined;
  /** The saved connection's id in edit mode. Not a secret: the module keeps the
   *  same, but JS hands it over, so JS answers `mode` and `connectionId` itself
   *  (two exports fewer; measured: 84 B brotli). */
  #id = undefined;

  /** A new, empty form in create mode. Throws `unknown_api_type`. */
  constructor(options, token, h) {
    const w = need();
    if (token === HANDLE) {
      this.#h = h;
    } else {
      if (!isObject(options)) throw usage(ERR_INVALID_ARGUMENT);
      const api = get(options, "apiType");
      if (typeof api !== "string") throw usage(ERR_INVALID_ARGUMENT);
      const r = w.bc_form_new(API.get(api) ?? NONE);
      if (r < 0) throw usage(r);
      this.#h = r;
    }
    registry?.register(this, this.#h, this);
  }

  /** A form for a saved connection (a GET response): its non-secret values are
   *  loaded; every secret starts empty and is required again. */
  static edit(saved) {
    const w = need();
    begin();
    const id = get(saved, "id");
    const nested = get(saved, "settings");
    const readable = pushSettings(saved, "settings") && typeof id === "string" && (nested === undefined || pushSettings(nested));
    if (!readable) {
      begin(); // forget what was pushed: keep no reference to the caller's strings
      throw usage(ERR_INVALID_ARGUMENT);
    }
    pushValue(KEY_ID, "", id);
    const version = get(saved, "version");
    const r = w.bc_form_edit(put());
    if (r < 0) throw usage(r);
    const form = new ConnectionForm(undefined, HANDLE, r);
    form.#id = id;
    if (Number.isSafeInteger(version)) form.#version = version;
    return form;
  }

  #handle() {
    const w = need();
    if (this.#h === 0) throw usage(ERR_FORM_FREED);
    return w;
  }

  /** Sets one field of the current API type; returns that field's report items.
   *  Setting `apiType` switches the API type. Throws `unknown_field`. */
  set(field, value) {
    const w = this.#handle();
    if (typeof field !== "string") throw usage(ERR_INVALID_ARGUMENT);
    const at = putValue(value);
    return items(w.bc_form_set(this.#h, FIELD.get(field) ?? NONE, at));
  }

  /** Switches API type; every value typed is kept for switching back. */
  setApiType(apiType) {
    const w = this.#handle();
    if (typeof apiType !== "string") throw usage(ERR_INVALID_ARGUMENT);
    if (!API.has(apiType)) throw usage(ERR_UNKNOWN_API_TYPE);
    // Setting the apiType field to a known id is the switch (one export fewer).
    const r = w.bc_form_set(this.#h, FIELD.get("apiType"), putValue(apiType));
    if (r < 0) throw usage(r);
  }

  /** The current API type id. */
  get apiType() {
    const r = this.#handle().bc_form_api_type(this.#h);
    if (r < 0) throw usage(r);
    return cat.apiTypes[r];
  }

  /** `"create"` or `"edit"`. */
  get mode() {
    this.#handle();
    return this.#id === undefined ? "create" : "edit";
  }

  /** The saved connection's id in edit mode, else `undefined`. */
  get connectionId() {
    this.#handle();
    return this.#id;
  }

  /** The non-secret values of the current API type's fields. */
  values() {
    return JSON.parse(text(this.#handle().bc_form_values(this.#h)));
  }

  /** For each secret field of the current API type, whether it holds a value. */
  secretsFilled() {
    const bits = this.#handle().bc_form_secrets_filled(this.#h);
    if (bits < 0) throw usage(bits);
    const out = {};
    for (const f of formSpec(this.apiType).fields) if (f.secret) out[f.id] = ((bits >> FIELD.get(f.id)) & 1) === 1;
    return out;
  }

  /** The same report as `validate()` for the form's current settings. */
  validate() {
    return report(this.#handle().bc_form_validate(this.#h));
  }

  /** Zeroizes and forgets every secret value. */
  clearSecrets() {
    const r = this.#handle().bc_form_clear_secrets(this.#h);
    if (r < 0) throw usage(r);
  }

  /** Zeroizes every value and releases the form; later calls throw `form_freed`. */
  free() {
    const h = this.#h;
    if (h === 0) return;
    this.#h = 0;
    registry?.unregister(this);
    need().bc_form_free(h);
  }

  /** Validates, then sends the settings to the backend in one `fetch`: POST in
   *  create mode, PUT to the connection's URL in edit mode. */
  submit(url, options) {
    return this.#start(SAVE, url, options);
  }

  /** Asks the backend to log in to BILL with these (unsaved) settings: one POST of
   *  the same body as a save. Every value is kept whatever the answer. */
  test(url, options) {
    return this.#start(TEST, url, options);
  }

  #start(purpose, url, options) {
    const w = this.#handle();
    if (typeof url !== "string") throw usage(ERR_INVALID_ARGUMENT);
    const opts = submitOptions(options);
    if (this.#inFlight) return Promise.resolve(failure(0, "in_flight", "A request is already in progress."));
    const h = this.#h;
    const n = w.bc_form_payload(h);
    if (n === PAYLOAD_INVALID) {
      return Promise.resolve(failure(0, "invalid", "Some settings need fixing first.", report(w.bc_form_validate(h)).errors));
    }
    if (n < 0) throw usage(n);
    const edit = this.#id !== undefined;
    const body = takeBytes(n); // copied out of WASM memory, zeroed there
    let request, controller;
    try {
      const method = opts.method ?? (purpose === SAVE && edit ? "PUT" : "POST");
      const target = purpose === SAVE && edit ? targetUrl(url, this.#id) : url;
      let headers;
      try {
        headers = new Headers(opts.headers);
      } catch {
        throw usage(ERR_INVALID_ARGUMENT);
      }
      headers.set("Content-Type", "application/json");
      headers.set("Accept", "application/json");
      if (purpose === SAVE && !edit) {
        // One key for this save and every retry of it: a retry after a timeout can
        // never create a second record (the backend answers with the first).
        this.#key ??= newKey();
        headers.set("Idempotency-Key", this.#key);
      }
      if (purpose === SAVE && edit && this.#version !== undefined && method === "PUT") {
        headers.set("If-Match", `"${this.#version}"`);
      }
      controller = new AbortController();
      try {
        request = new Request(target, {
          method, headers, body, signal: controller.signal,
          cache: "no-store", credentials: "same-origin", redirect: "error", referrerPolicy: "no-referrer",
        });
      } catch {
        throw usage(ERR_INVALID_ARGUMENT);
      }
    } finally {
      body.fill(0); // the Request holds its own copy
    }
    this.#inFlight = true;
    return send(request, controller, opts.timeoutMs, purpose, (connection) => {
      this.#key = undefined;
      this.#version = Number.isSafeInteger(connection?.version) ? connection.version : undefined;
      // The form may have been freed while the request was in flight.
      if (this.#h === 0) return;
      this.#saved(typeof connection?.id === "string" ? connection.id : undefined);
    }).finally(() => {
      this.#inFlight = false;
    });
  }

  /** After a 2xx save: secrets zeroized, and the form now edits the saved record. */
  #saved(id) {
    if (typeof id === "string") this.#id = id;
    need().bc_form_clear_secrets(this.#h);
  }
}

if (typeof Symbol.dispose === "symbol") {
  ConnectionForm.prototype[Symbol.dispose] = ConnectionForm.prototype.free;
}

/** The status and parsed JSON body (undefined when not JSON). */
async function exchange(request) {
  const response = await fetch(request);
  const body = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  return [response.status, parsed];
}

/** Sends the request, abandoning it after `timeoutMs`, and turns the answer into a
 *  result. Never rejects. */
async function send(request, controller, timeoutMs, purpose, onSaved) {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let status, body;
  try {
    [status, body] = await exchange(request);
  } catch {
    if (!timedOut) {
      return failure(0, "network", "Could not reach the server. Nothing was lost: check your connection and try again.");
    }
    return purpose === SAVE
      ? failure(0, "timeout", "No answer in time; the connection may have been saved. Nothing was lost: saving again is safe, it is never saved twice.")
      : failure(0, "timeout", "The server did not answer in time. Nothing was lost: try again.");
  } finally {
    clearTimeout(timer);
  }
  const ok = status >= 200 && status < 300;
  const obj = typeof body === "object" && body !== null;
  if (ok && purpose === TEST) {
    if (obj && typeof body.ok === "boolean") {
      body.status = status;
      return body;
    }
    return failure(status, "http", "The server's answer was not a test result.");
  }
  if (ok) {
    onSaved(obj ? body : undefined);
    return { ok: true, status, connection: body };
  }
  if (status === 412) {
    return failure(status, "conflict", "This connection was changed elsewhere since it was loaded. Nothing was lost: load it again, then save.", obj ? body.errors : undefined);
  }
  const message = obj && typeof body.message === "string"
    ? body.message
    : `The server answered with status ${status}. Nothing was lost: try again.`;
  return failure(status, "http", message, obj ? body.errors : undefined);
}
