// The JS half of the boundary (the Rust half is wasm/src/io.rs). Bundled into each
// entry (scripts/build.sh), so each entry has its own instance and state.
//
// The module imports nothing and exports functions of numbers. This file reads
// the caller's values (never trusting them: Proxies, getters, revoked objects,
// lone surrogates), writes them into the module's IO block (the strings with one
// encodeInto, then tags and lengths as u32 words), calls in, and turns the compact
// findings that come back into fresh report items, from templates whose JSON text
// the module wrote once. No JS value, callback or exception ever enters the
// module, so nothing a caller does can leave it half-way through a call.

// The layout's constants: must equal wasm/src/io.rs (wasm/tests/layout.rs compares
// them). Separate `const`s rather than one object, so esbuild writes each number
// where it is used (measured: 251 B brotli less than an `L.` object).
export const KEY_TEXT = 0x100;
export const KEY_BAD = 0x101;
export const KEY_ID = 0x102;
export const TAG_STRING = 0;
export const TAG_MISSING = 1;
export const TAG_BAD_UNICODE = 2;
export const TAG_NOT_TEXT = 3;
export const ENTRY_WORDS = 4;
export const FINDING_TEMPLATE = 0;
export const FINDING_INLINE = 1;
export const FINDING_UNKNOWN = 2;
export const FINDING_RECEIVED = 3;
export const TEMPLATE_UNKNOWN_KEY = 0xfffffffe;
export const ERR_UNKNOWN_API_TYPE = -1;
export const ERR_UNKNOWN_FIELD = -2;
export const ERR_INVALID_ARGUMENT = -3;
export const ERR_FORM_FREED = -4;
export const PAYLOAD_INVALID = -16;
export const NOT_VALID = -17;
export const NOT_TEXT = ["number", "boolean", "bigint", "symbol", "function", "array", "object", "unreadable"];
/** The codes of ERR_UNKNOWN_API_TYPE, ERR_UNKNOWN_FIELD, ERR_INVALID_ARGUMENT. */
const USAGE = ["unknown_api_type", "unknown_field", "invalid_argument"];
const NONE = 0xffffffff; // an index that names nothing: the module answers with the usage error
const T_ARRAY = TAG_NOT_TEXT + 5;
const T_OBJECT = TAG_NOT_TEXT + 6;
const T_UNREADABLE = TAG_NOT_TEXT + 7;

/** The module's exports, once initialized. */
export let wasm = null;
let memory = null;
let u8 = new Uint8Array(0);
let u32 = new Uint32Array(0);
let DESC = 0; // where the module keeps the block's [address, size]
let IO = 0; // the block's address
let CAP = 0; // its size in bytes
let block = new Uint8Array(0); // the block itself, kept while it stays in place (encodeInto's target)
/** `{ fields: { id: "" } in table order, usage: { code: message }, apiTypes: [ids] }`, from the module. */
export let cat = null;
/** Field id -> index in the module's field table; API type id -> index. */
export const FIELD = new Map();
export const API = new Map();
const templates = [];
/** The unknown_field template (`field` "{key}", its message split around "{key}"),
 *  fetched before the first validate() (fetching writes into the block). */
let unknown = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ------------------------------------------------------------------ errors

function coded(Kind, code, message) {
  const e = new Kind(message);
  e.code = code;
  return e;
}

/** The Error for a negative answer of the module (or a wrapper-side misuse). */
export function usage(n) {
  if (n === ERR_FORM_FREED) return coded(Error, "form_freed", "this ConnectionForm was freed (free() was called)");
  const code = USAGE[-n - 1] ?? "invalid_argument";
  return coded(code === "invalid_argument" ? TypeError : RangeError, code, cat.usage[code]);
}

/** The exports, or a coded Error when neither init() nor initSync() has run. */
export function need() {
  if (wasm === null) throw coded(Error, "not_initialized", "billcom-connection is not initialized: call init() or initSync() first");
  return wasm;
}

// -------------------------------------------------------------------- init

function setup(instance) {
  wasm = instance.exports;
  memory = wasm.memory;
  DESC = wasm.bc_desc() >> 2;
  views();
  cat = JSON.parse(text(wasm.bc_catalogue()));
  cat.apiTypes = apiTypes().map((t) => t.id);
  cat.apiTypes.forEach((id, i) => API.set(id, i));
  Object.keys(cat.fields).forEach((id, i) => FIELD.set(id, i));
  return wasm;
}

/** Instantiates synchronously from a `WebAssembly.Module` or the module's bytes. */
export function initSync(module) {
  if (wasm !== null) return wasm;
  if (module !== undefined && Object.getPrototypeOf(module) === Object.prototype) module = module.module;
  if (!(module instanceof WebAssembly.Module)) module = new WebAssembly.Module(module);
  return setup(new WebAssembly.Instance(module, {}));
}

/** Instantiates from a URL (default: the entry's .wasm beside it), Response, bytes or Module. */
export async function init(input, defaultUrl) {
  if (wasm !== null) return wasm;
  if (input !== undefined && Object.getPrototypeOf(input) === Object.prototype) input = input.module_or_path;
  if (input === undefined) input = defaultUrl();
  // Request, Response and URL are globals wherever this runs (Node >= 20, browsers).
  if (typeof input === "string" || input instanceof Request || input instanceof URL) {
    input = fetch(input);
  }
  input = await input;
  let instance;
  if (input instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(input, {});
  } else if (input instanceof Response) {
    const wasmType = (input.headers.get("Content-Type") || "").toLowerCase().startsWith("application/wasm");
    if (wasmType && typeof WebAssembly.instantiateStreaming === "function") {
      instance = (await WebAssembly.instantiateStreaming(input, {})).instance;
    } else {
      instance = (await WebAssembly.instantiate(await input.arrayBuffer(), {})).instance;
    }
  } else {
    instance = (await WebAssembly.instantiate(input, {})).instance;
  }
  return wasm === null ? setup(instance) : wasm;
}

// ------------------------------------------------------------ the IO block

/** Fresh views after memory grew (a grown memory detaches the old buffer), and
 *  the block's current place (it moves when the module grows it). */
function views() {
  const grew = u8.byteLength === 0;
  if (grew) {
    u8 = new Uint8Array(memory.buffer);
    u32 = new Uint32Array(memory.buffer);
  }
  const io = u32[DESC], cap = u32[DESC + 1];
  if (grew || io !== IO || cap !== CAP) {
    block = u8.subarray(io, io + cap); // moved, grown or detached
    IO = io;
    CAP = cap;
  }
}

function reserve(bytes) {
  views();
  if (bytes > CAP) {
    if (wasm.bc_reserve(bytes) === 0) throw usage(ERR_INVALID_ARGUMENT); // out of memory
    views();
  }
}

/** Writes `s` as UTF-8 at the block's start: its length in bytes. */
export function putText(s) {
  reserve(3 * s.length);
  return encoder.encodeInto(s, u8.subarray(IO, IO + CAP)).written;
}

/** `n` bytes of UTF-8 text the module wrote at the block's start (n < 0: misuse). */
export function text(n) {
  if (n < 0) throw usage(n);
  views();
  return decoder.decode(u8.subarray(IO, IO + n));
}

/** The block's first `n` bytes, copied out; then zeroed in WASM memory. */
export function takeBytes(n) {
  views();
  const out = u8.slice(IO, IO + n);
  u8.fill(0, IO, IO + n);
  return out;
}

// ------------------------------------------------------- reading JS values

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SURROGATES = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;
/** False when the string holds a lone surrogate (String.prototype.isWellFormed, or a regex where it is missing). */
export let wellFormed = typeof "".isWellFormed === "function" ? (s) => s.isWellFormed() : (s) => !LONE.test(s);
/** For tests: force the fallback of engines without isWellFormed. */
export function useWellFormedFallback(on) {
  wellFormed = on || typeof "".isWellFormed !== "function" ? (s) => !LONE.test(s) : (s) => s.isWellFormed();
}

/** The tag of a value that is not a string. */
function tagOf(v) {
  if (v === undefined || v === null) return TAG_MISSING;
  const t = typeof v;
  if (t !== "object") return TAG_NOT_TEXT + NOT_TEXT.indexOf(t); // number, boolean, bigint, symbol, function
  try {
    return Array.isArray(v) ? T_ARRAY : T_OBJECT;
  } catch {
    return T_OBJECT; // a revoked Proxy as a value
  }
}

// The entries being written: their words (key code, key units, tag, value units;
// reused between calls) and their strings, concatenated in entry order as they
// come (dropped as soon as they are written).
let N = 0;
const W = [];
let S = "";

function push(key, keyText, tag, value) {
  const p = ENTRY_WORDS * N++;
  W[p] = key;
  W[p + 1] = keyText.length;
  W[p + 2] = tag;
  W[p + 3] = value.length;
  S += keyText;
  S += value;
}

/** Adds one value under a key code (and key text). */
export function pushValue(key, keyText, v) {
  if (typeof v === "string") {
    // A string built piecewise is a rope: reading one char flattens it in place, so
    // the one encodeInto of all strings does not flatten it again on every call.
    v.charCodeAt(0);
    if (wellFormed(v)) push(key, keyText, TAG_STRING, v);
    else push(key, keyText, TAG_BAD_UNICODE, "");
  } else push(key, keyText, tagOf(v), "");
}

/** Adds one key of a settings object with its value. */
function pushEntry(k, v, readable) {
  const f = FIELD.get(k);
  const key = f !== undefined ? f : wellFormed(k) ? KEY_TEXT : KEY_BAD;
  // A key's lone surrogates go as U+FFFD (what encodeInto writes for them), but
  // replaced here: next to another string's lone surrogate they would make a pair.
  const keyText = f !== undefined ? "" : key === KEY_BAD ? k.replace(SURROGATES, (m) => (m.length > 1 ? m : "\ufffd")) : k;
  if (readable) pushValue(key, keyText, v);
  else push(key, keyText, T_UNREADABLE, "");
}

/** Starts the entries of a call; also forgets pushed entries without writing them
 *  (a call that threw half-way), keeping no reference to the caller's strings. */
export function begin() {
  N = 0;
  S = "";
}

// The keys pushSettings last read (Object.keys' answer), so that validate's
// FINDING_UNKNOWN, which names a key by entry index, finds its text.
let readKeys = null;

/** Adds a settings object's own enumerable string keys; false when it cannot be read. */
export function pushSettings(obj, skipKey) {
  let keys;
  try {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return false;
    readKeys = keys = Object.keys(obj);
  } catch {
    return false; // a Proxy whose ownKeys trap throws, a revoked Proxy
  }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === skipKey) continue;
    let v;
    try {
      v = obj[k];
    } catch {
      pushEntry(k, undefined, false); // a getter or get trap that throws
      continue;
    }
    pushEntry(k, v, true);
  }
  return true;
}

/** Up to this many UTF-16 units, a string is copied by `utf8` rather than
 *  `encodeInto`, whose fixed cost a call is ~300-480 ns in Chromium (~55 in Node)
 *  against ~2 ns a unit for the loop. */
const SHORT = 64;

/** Writes a string's UTF-8 to `b` (room for 3 bytes a unit): its length in bytes,
 *  or -1 at a surrogate (the caller then takes the checked path: emoji and lone
 *  surrogates are rare in short values, and the pair case cost 60 B brotli). */
export function utf8(s, b) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) b[n++] = c;
    else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 63);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 63);
      b[n++] = 0x80 | (c & 63);
    } else return -1;
  }
  return n;
}

/** Writes the pushed entries into the block; the byte offset of their words. */
export function put() {
  const words = ENTRY_WORDS * N;
  try {
    reserve(3 * S.length + 3 + 4 * (1 + words));
  } catch (e) {
    begin(); // out of memory: keep no reference to the caller's strings
    throw e;
  }
  let written = S.length <= SHORT ? utf8(S, block) : -1;
  if (written < 0) written = encoder.encodeInto(S, block).written;
  S = ""; // keep no reference to a caller's string (it may be a secret)
  readKeys = null; // validate took them before this call
  return putWords(written);
}

/** Writes the pushed entries' words after the `written` bytes of their strings:
 *  the byte offset of the words. */
function putWords(written) {
  const at = (written + 3) & ~3;
  const p = (IO + at) >> 2;
  u32[p] = N;
  for (let i = 0; i < ENTRY_WORDS * N; i++) u32[p + 1 + i] = W[i];
  return at;
}

/** Writes one value (validateField, form.set): the byte offset of its words. */
export function putValue(v) {
  // A short string (what a keystroke mostly sends) goes straight into the block:
  // no entry list, no concatenation, no encodeInto and no isWellFormed (the copy
  // stops at a lone surrogate). Measured: keystroke ~8 % faster in Node, ~10 % in
  // Chromium for ASCII; non-ASCII values skip Chromium's encodeInto call too.
  if (typeof v === "string" && v.length <= SHORT) {
    reserve(3 * SHORT + 4 * (1 + ENTRY_WORDS) + 3);
    const n = utf8(v, block);
    if (n >= 0) {
      begin();
      push(KEY_TEXT, "", TAG_STRING, v);
      S = ""; // copied already (and keep no reference to it)
      return putWords(n);
    }
    // Stopped at a surrogate: zero what it copied before it (a value that is not
    // well formed is sent with no text, so nothing would write over it).
    block.fill(0, 0, 3 * SHORT);
  }
  begin();
  pushValue(KEY_TEXT, "", v);
  return put();
}

// ------------------------------------------------------ reading the answers

// The params shapes of the crate's templates, each built by its own object literal
// in `make` (measured: ~20 ns an item against ~50 in Node and ~150 in Chromium
// copying the params key by key); any other shape is copied through JSON (params
// are JSON: the template's text).
const SHAPES = ["min", "max", "rule", "rule,prefix", "allowed", "received"];

/** A template from its JSON text, with the shape of its params noted. */
function template(json) {
  const t = JSON.parse(json)[0];
  t.shape = SHAPES.indexOf(Object.keys(t.params ?? 0).join());
  return t;
}

/** A fresh item from a template (the caller may mutate it freely). */
function make(t) {
  const item = { field: t.field, code: t.code, severity: t.severity, message: t.message };
  const p = t.params, s = t.shape;
  if (p !== undefined) {
    item.params = s === 0 ? { min: p.min } : s === 1 ? { max: p.max } : s === 2 ? { rule: p.rule }
      : s === 3 ? { rule: p.rule, prefix: p.prefix } : s === 4 ? { allowed: p.allowed.slice() }
      : s === 5 ? { received: p.received } : JSON.parse(JSON.stringify(p));
  }
  return item;
}

/** The `n` findings in the block, as fresh report items (`keys`: the entries' keys, for validate). */
export function items(n, keys) {
  if (n < 0) throw usage(n);
  views();
  const p = IO >> 2;
  const out = new Array(n);
  let missing = null, received = null;
  for (let i = 0; i < n; i++) {
    const kind = u32[p + 2 + 3 * i], a = u32[p + 3 + 3 * i], b = u32[p + 4 + 3 * i];
    if (kind === FINDING_UNKNOWN) {
      // An unknown key shown as given (only validate sends these, with `keys`; the
      // template has no params).
      out[i] = unknownItem(keys[a], keys[a]);
    } else if (kind === FINDING_INLINE) {
      // Any other unknown key: as the message shows it, a NUL, as `field` holds it.
      const s = decoder.decode(u8.subarray(IO + a, IO + a + b));
      const cut = s.indexOf("\0");
      out[i] = unknownItem(s.slice(cut + 1), s.slice(0, cut));
    } else {
      const t = templates[a];
      if (t !== undefined) out[i] = make(t);
      else (missing ??= []).push(i, a);
      // invalid_type: the template leaves params.received to the finding.
      if (kind === FINDING_RECEIVED) (received ??= []).push(i, b);
    }
  }
  // Templates not seen before: fetched once each, after the findings are read
  // (fetching writes into the block).
  if (missing !== null) {
    for (let j = 0; j < missing.length; j += 2) {
      const a = missing[j + 1];
      if (templates[a] === undefined) templates[a] = template(text(wasm.bc_template(a)));
      out[missing[j]] = make(templates[a]);
    }
  }
  if (received !== null) {
    for (let j = 0; j < received.length; j += 2) out[received[j]].params.received = NOT_TEXT[received[j + 1]];
  }
  return out;
}

/** The `unknown_field` item of a key (`unknown`: its template, message split at the key). */
function unknownItem(field, shown) {
  return { field, code: unknown.code, severity: unknown.severity, message: unknown.message.join(shown) };
}

/** `{ valid, errors }` from the `n` findings in the block. */
export function report(n, keys) {
  if (n < 0) throw usage(n);
  views();
  const valid = u32[IO >> 2] === 1; // read before items() fetches a template
  return { valid, errors: items(n, keys) };
}

// --------------------------------------------------------------- the API

/** Whether `x` is one of the API type ids (a type guard in the .d.ts). */
export function isApiTypeId(x) {
  need();
  return typeof x === "string" && API.has(x);
}

let apiTypesText = null;

export function apiTypes() {
  const w = need();
  apiTypesText ??= text(w.bc_api_types());
  return JSON.parse(apiTypesText);
}

const specText = [];

export function formSpec(apiType) {
  const w = need();
  if (typeof apiType !== "string") throw usage(ERR_INVALID_ARGUMENT);
  const i = API.get(apiType);
  if (i === undefined) throw usage(ERR_UNKNOWN_API_TYPE);
  specText[i] ??= text(w.bc_form_spec(i));
  return JSON.parse(specText[i]);
}

export function validate(settings) {
  const w = need();
  if (unknown === null) {
    unknown = JSON.parse(text(w.bc_template(TEMPLATE_UNKNOWN_KEY)))[0];
    unknown.message = unknown.message.split("{key}");
  }
  begin();
  if (!pushSettings(settings)) throw usage(ERR_INVALID_ARGUMENT);
  const keys = readKeys; // put() drops them
  return report(w.bc_validate(put()), keys);
}

export function validateField(apiType, fieldId, value) {
  const w = need();
  if (typeof apiType !== "string" || typeof fieldId !== "string") throw usage(ERR_INVALID_ARGUMENT);
  const at = putValue(value);
  return items(w.bc_validate_field(API.get(apiType) ?? NONE, FIELD.get(fieldId) ?? NONE, at));
}

export { NONE };
