// Generated settings objects for tests/js/property.test.mjs, and their description
// for the native reference (wasm/examples/reference.rs), written independently of
// the package's own reader. Also runnable alone:
//   node tests/js/property-gen.mjs N SEED   -> prints our report for each input, one JSON per line
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = ["name", "apiType", "environment", "organizationId", "username", "password", "devKey", "appKey", "apiToken"];
const API = ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"];
const PIECES = [
  "", " ", "a", "Ops", "008", "00801ABCDEFGHIJKL", "ABC", "x@y.io", "a@b", "@", "sandbox", "production", "Production",
  "\t", "\n", "\u0000", "\u007f", "\u0085", "\u00a0", "\u3000", "\u200b", "\u202e", "\ufeff", "\ufffd", "é", "😀", "\ud83d",
  "\ude00", "\ud800x", "-", "_", "k-1", "tok", "pw with spaces", "spend-expense", "partner", "ap-ar-v2",
];
const KEYS = ["devkey", "organizationID", "extra", "__proto__", "constructor", "toString", "k\ud800", "\ufffd", ""];

export function generate(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const str = () => {
    let s = "";
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) s += pick(PIECES);
    if (r() < 0.03) s += "n".repeat(90 + Math.floor(r() * 300));
    return s;
  };
  const value = () => {
    const x = r();
    if (x < 0.7) return str();
    if (x < 0.75) return undefined;
    if (x < 0.78) return null;
    return pick([1, 0, NaN, true, false, 10n, Symbol("s"), () => 1, [], ["a"], {}, new Proxy({}, {})]);
  };
  if (r() < 0.3) {
    // A valid object of one API type, then maybe one field changed.
    const o = { name: pick(["Ops", " Ops ", "😀".repeat(100)]), apiType: pick(API), environment: pick(["sandbox", "production"]),
      organizationId: " 00801ABCDEFGHIJKL ", username: "a@b.co", password: " pw ", devKey: "k-1", appKey: "app", apiToken: "tok" };
    if (r() < 0.5) o[pick(FIELDS)] = value();
    return o;
  }
  const o = {};
  if (r() < 0.85) o.apiType = r() < 0.8 ? pick(API) : value();
  for (const f of FIELDS) if (f !== "apiType" && r() < 0.75) o[f] = value();
  if (r() < 0.2) o[pick(KEYS)] = value();
  if (r() < 0.05) Object.defineProperty(o, pick(FIELDS), { get() { throw new Error("no"); }, enumerable: true, configurable: true });
  if (r() < 0.05) Object.defineProperty(o, "hidden", { value: 1, enumerable: false });
  return o;
}

const wf = (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** `[[key, tag, value]]` as the reference reads it. */
export function describe(o) {
  return Object.keys(o).map((k) => {
    const key = wf(k) ? k : k.toWellFormed().replaceAll("\ufffd", "?");
    let v;
    try {
      v = o[k];
    } catch {
      return [key, "unreadable", ""];
    }
    if (typeof v === "string") return wf(v) ? [key, "s", v] : [key, "u", ""];
    if (v === undefined || v === null) return [key, "m", ""];
    if (typeof v !== "object") return [key, typeof v, ""];
    return [key, Array.isArray(v) ? "array" : "object", ""];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, seed] = process.argv.slice(2).map(Number);
  const { readFileSync } = await import("node:fs");
  const pkg = await import("billcom-connection");
  pkg.initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) out.push(JSON.stringify(pkg.validate(generate(r))));
  process.stdout.write(out.join("\n") + "\n");
}
