// Our rules (src/spec.rs + src/validate.rs), restated in plain JS for the other
// libraries' schemas. The contenders import these constants; nothing here calls
// the WASM module.
//
// Two details make a naive JS port flag different fields than we do:
// - Rust's `str::trim` / `char::is_whitespace` use Unicode White_Space: that is
//   JS `\s` WITHOUT U+FEFF and WITH U+0085 (NEL). So `String.prototype.trim` is
//   wrong in both directions; `trimWS` below is the Rust one.
// - Lengths count chars (code points), not UTF-16 units: `s.length`, zod's
//   `.max()` and valibot's `maxLength` are wrong for astral characters. Ajv's own
//   `maxLength` counts code points, and a `u`-flag regex quantifier does too.

/** Unicode White_Space, for use inside a regex character class. */
export const WS = "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Unicode Cc (C0, DEL, C1), for use inside a character class. */
export const CC = "\\u0000-\\u001f\\u007f-\\u009f";
/** Lone surrogates (in a `u` regex, a paired surrogate is one code point and does not match). */
export const CS = "\\ud800-\\udfff";

export const API_TYPES = {
  "ap-ar-v2": ["organizationId", "username", "password", "devKey"],
  "ap-ar-v3": ["organizationId", "username", "password", "devKey"],
  partner: ["appKey", "username", "password"],
  "spend-expense": ["apiToken"],
};
export const API_TYPE_IDS = Object.keys(API_TYPES);
export const ENVIRONMENTS = ["production", "sandbox"];
export const COMMON = ["name", "apiType", "environment"];
/** Every credential key some API type has (known keys are COMMON + these). */
export const CREDENTIALS = ["organizationId", "username", "password", "devKey", "appKey", "apiToken"];

/** Per text field: normalization, char limits, format rules (errors only). */
export const TEXT_FIELDS = {
  name: { trim: true, max: 100, rules: ["noCc"] },
  organizationId: { trim: true, min: 15, max: 20, rules: ["noCc", "alnum", "prefix008"] },
  // The email shape is a warning only, so it flags nothing.
  username: { trim: true, max: 254, rules: ["noCc"] },
  password: { trim: false, max: 256, rules: ["noCc"] },
  devKey: { trim: true, max: 256, rules: ["noCc", "noWs"] },
  appKey: { trim: true, max: 256, rules: ["noCc", "noWs"] },
  apiToken: { trim: true, max: 1024, rules: ["noCc", "noWs"] },
};

const TRIM_RE = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");
/** Rust's `str::trim`. */
export const trimWS = (s) => (s.length === 0 ? s : s.replace(TRIM_RE, ""));
/** Length in chars (code points); the string is well formed by then. */
export const cpLen = (s) => {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
};
export const wellFormed = (s) => s.isWellFormed();
export const NOT_BLANK = new RegExp(`[^${WS}]`);
export const NO_CC = new RegExp(`^[^${CC}]*$`);
export const NO_WS = new RegExp(`^[^${WS}]*$`);
export const ALNUM = /^[A-Za-z0-9]*$/;
