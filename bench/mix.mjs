// One deterministic mix of settings objects: 25 % per API type, half valid, half
// with 1-3 broken fields; trimmed-whitespace (valid after trim) and unknown-key
// cases included. Seeded PRNG, so every run and every machine sees the same mix.
import { API_TYPES, API_TYPE_IDS, ENVIRONMENTS } from "./rules.mjs";

/** mulberry32: small, fast, good enough for a test mix. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  const chance = (p) => next() < p;
  const shuffle = (xs) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  return { next, int, pick, chance, shuffle };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEYCHARS = ALNUM + "-_";
const TOKENCHARS = ALNUM + "-_.~+/=";
const PRINTABLE = ALNUM + " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
// Trimmed by us (Unicode White_Space), including NEL, which is also a control char.
const EDGE_WS = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2003", "\u0085"];
const UNKNOWN_KEYS = ["devkey", "apikey", "organizationID", "orgId", "ApiToken", "extra", "user_name"];

function makeGen(r) {
  const str = (chars, n) => {
    let s = "";
    for (let i = 0; i < n; i++) s += chars[Math.floor(r.next() * chars.length)];
    return s;
  };
  const pad = (s) => r.pick(EDGE_WS) + s + r.pick(EDGE_WS);
  const maybePad = (s, p = 0.25) => (r.chance(p) ? pad(s) : s);

  const valid = {
    name: () => {
      const roll = r.next();
      if (roll < 0.05) return "😀".repeat(100); // 100 chars, 200 UTF-16 units: valid
      if (roll < 0.1) return str(ALNUM + " ", 99) + "x"; // exactly 100
      const base = r.pick(["BILL production", "AP team", "Ops – München", "Cards 💳", "Receivables", "Partner ✓"]);
      return maybePad(`${base} ${r.int(1, 999)}`);
    },
    apiType: (type) => type,
    environment: () => r.pick(ENVIRONMENTS),
    organizationId: () => maybePad("008" + str(ALNUM, r.int(12, 17))),
    username: () => {
      const roll = r.next();
      // A sync token's name is not an email: a warning, not an error.
      if (roll < 0.2) return maybePad(`sync-token-${r.int(1, 99)}`);
      if (roll < 0.25) return str(ALNUM, 242) + "@example.com"; // 254
      return maybePad(`user${r.int(1, 9999)}@example${r.int(1, 9)}.com`);
    },
    password: () => {
      const roll = r.next();
      if (roll < 0.05) return str(PRINTABLE, 255) + "x"; // 256
      if (roll < 0.08) return "🔑".repeat(256); // 256 chars
      if (roll < 0.2) return `  ${str(PRINTABLE, r.int(8, 20))} `; // spaces kept, still valid
      if (roll < 0.3) return `pässwörd ✓ ${r.int(1, 99)}`;
      return str(PRINTABLE, r.int(8, 40));
    },
    devKey: () => (r.chance(0.05) ? str(KEYCHARS, 256) : maybePad(str(KEYCHARS, r.int(20, 64)))),
    appKey: () => (r.chance(0.05) ? str(KEYCHARS, 256) : maybePad(str(KEYCHARS, r.int(20, 64)))),
    apiToken: () => (r.chance(0.05) ? str(TOKENCHARS, 1024) : maybePad(str(TOKENCHARS, r.int(40, 200)))),
  };

  const generic = [
    () => undefined, // key deleted (handled by caller) or present as undefined
    () => null,
    () => "",
    () => r.pick(["   ", "\t", " \n ", "\u3000"]),
    () => r.pick([42, 0, true, false, {}, [], ["x"], { v: "x" }]),
    () => "ab\ud800cd", // lone surrogate
  ];
  const broken = {
    name: [
      () => str(ALNUM, 101),
      () => "😀".repeat(101),
      () => r.pick(["Ops\u0000team", "Ops\tteam", "a\u007fb", "AP\u0085team", "x\u009fy"]),
    ],
    apiType: [() => r.pick(["AP-AR-V2", " partner", "partner ", "v2", "spend_expense", "Partner"])],
    environment: [() => r.pick(["prod", "Sandbox", " sandbox", "staging", "production\n"])],
    organizationId: [
      () => "008" + str(ALNUM, 11), // 14: too short
      () => "008" + str(ALNUM, 18), // 21: too long
      () => "009" + str(ALNUM, 14), // wrong prefix
      () => "008-" + str(ALNUM, 13), // not alphanumeric
      () => "008" + "١٢٣٤٥٦٧٨٩٠١٢", // non-ASCII digits
      () => "0080 " + str(ALNUM, 12), // inner space
      () => "008\u0000" + str(ALNUM, 12),
    ],
    username: [
      () => str(ALNUM, 243) + "@example.com", // 255
      () => r.pick(["user\u0000@example.com", "user\n@example.com", "a\u0007b"]),
    ],
    password: [
      () => str(PRINTABLE, 257),
      () => "🔑".repeat(257),
      () => r.pick(["pass\u0000word", "pass\tword", "\tpassword", "password\n", "p\u0085w"]), // not trimmed: Cc anywhere
    ],
    devKey: [() => str(KEYCHARS, 257), () => r.pick(["abc def", "abc\u00a0def", "abc\u0000def", "key\u2028key"])],
    appKey: [() => str(KEYCHARS, 257), () => r.pick(["abc def", "abc\u3000def", "abc\u0001def"])],
    apiToken: [() => str(TOKENCHARS, 1025), () => r.pick(["tok en", "tok\ten", "tok\u0000en"])],
  };
  return { valid, generic, broken, str, pad };
}

/**
 * @returns {{ settings: object, apiType: string, intendedValid: boolean,
 *   keystroke: { field: string, value: unknown } }[]}
 */
export function makeMix({ size = 1000, seed = 0x5eed6 } = {}) {
  const r = prng(seed);
  const g = makeGen(r);
  // Exactly 25 % per API type and exactly half valid within each.
  const plan = [];
  for (let i = 0; i < size; i++) plan.push({ apiType: API_TYPE_IDS[i % 4], intendedValid: Math.floor(i / 4) % 2 === 0 });
  r.shuffle(plan);

  return plan.map(({ apiType, intendedValid }) => {
    const fields = ["name", "apiType", "environment", ...API_TYPES[apiType]];
    const settings = {};
    for (const f of fields) settings[f] = g.valid[f](apiType);
    // Sometimes a field of another API type rides along: ignored, even when odd.
    if (r.chance(0.1)) {
      const others = ["organizationId", "devKey", "appKey", "apiToken"].filter((k) => !fields.includes(k));
      settings[r.pick(others)] = r.pick(["leftover", 42, null, " x "]);
    }
    let targets = [];
    if (!intendedValid) {
      const n = r.int(1, 3);
      const pool = [...fields, "<unknown>"];
      targets = r.shuffle(pool).slice(0, n);
      for (const t of targets) {
        if (t === "<unknown>") {
          settings[r.pick(UNKNOWN_KEYS)] = r.pick(["x", g.str(ALNUM, 30), 1]);
          continue;
        }
        const specific = g.broken[t];
        const useGeneric = r.chance(0.4) || !specific;
        const value = useGeneric ? r.pick(g.generic)() : r.pick(specific)();
        if (value === undefined && r.chance(0.5)) delete settings[t];
        else settings[t] = value;
      }
    }
    // The keystroke: one field of this API type (never apiType, which would switch
    // the form), preferring a broken one, with the value this object holds.
    const editable = fields.filter((f) => f !== "apiType");
    const brokenEditable = targets.filter((t) => editable.includes(t));
    const field = brokenEditable.length ? r.pick(brokenEditable) : r.pick(editable);
    return { settings, apiType, intendedValid, keystroke: { field, value: settings[field] } };
  });
}

const TRIM_RE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
const UNKNOWN = new Set(UNKNOWN_KEYS);
const TRIMMED = new Set(["name", "organizationId", "username", "devKey", "appKey", "apiToken"]);

/** Counts for the printed mix summary. */
export function describeMix(mix) {
  const perType = {};
  let valid = 0, trimmed = 0, unknown = 0, nonString = 0, astral = 0;
  for (const { settings, apiType, intendedValid } of mix) {
    perType[apiType] = (perType[apiType] ?? 0) + 1;
    if (intendedValid) valid++;
    const vals = Object.values(settings);
    const trimmedFields = Object.entries(settings).filter(([k]) => TRIMMED.has(k)).map(([, v]) => v);
    if (intendedValid && trimmedFields.some((v) => typeof v === "string" && TRIM_RE.test(v))) trimmed++;
    if (Object.keys(settings).some((k) => UNKNOWN.has(k))) unknown++;
    if (vals.some((v) => v !== undefined && typeof v !== "string")) nonString++;
    if (vals.some((v) => typeof v === "string" && /[\u{10000}-\u{10ffff}]/u.test(v))) astral++;
  }
  return { size: mix.length, perType, valid, trimmed, unknown, nonString, astral };
}
