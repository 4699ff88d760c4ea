// Reads JS values for the validator in one pass and hands them over as one JSON
// string: ["key", "tag", "value", ...]. One crossing into WASM instead of one per
// key; JSON.stringify escapes lone surrogates (\udXXX) so the Rust side can tell.
// Never throws: a hostile object (a Proxy whose traps throw, a revoked Proxy)
// gives null, a value that cannot be read gives the tag "unreadable".

function tag(v) {
  if (typeof v === "string") return "s";
  if (v === undefined || v === null) return "m";
  try {
    return Array.isArray(v) ? "array" : typeof v;
  } catch {
    return "object"; // a revoked Proxy as a value
  }
}

export function packSettings(settings) {
  try {
    if (settings === null || typeof settings !== "object" || Array.isArray(settings)) return null;
    const keys = Object.keys(settings);
    const out = []; // packed (not holey): JSON.stringify's fast path
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let v;
      let t;
      try {
        v = settings[k];
        t = typeof v === "string" ? "s" : tag(v);
      } catch {
        t = "unreadable";
      }
      out.push(k, t, t === "s" ? v : "");
    }
    return JSON.stringify(out);
  } catch {
    return null;
  }
}

export function packValue(v) {
  const t = tag(v);
  return JSON.stringify(t === "s" ? ["", t, v] : ["", t, ""]);
}

export function isWellFormed(s) {
  return s.isWellFormed();
}

export function parseJson(text) {
  return JSON.parse(text);
}
