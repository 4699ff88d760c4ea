// The bench's speed loop in a page (bundled by bench/browser.mjs with esbuild): the
// same mix, the same contenders, the same rounds as run.mjs in Node.
import { makeMix } from "./mix.mjs";
import { API_TYPES, COMMON } from "./rules.mjs";
import * as ajv from "./contenders/ajv.mjs";
import * as zod from "./contenders/zod.mjs";
import * as valibot from "./contenders/valibot.mjs";
import standalone from "./.cache/ajv-standalone.mjs";
import initFull, * as full from "../pkg/billcom_connection.js";
import initLean, * as lean from "../pkg/validate.js";

window.runBench = async ({ rounds, roundMs }) => {
  await initFull("/pkg/billcom_connection_bg.wasm");
  await initLean("/pkg/validate_bg.wasm");
  const mix = makeMix();
  const S = mix.map((m) => m.settings);
  const forms = Object.fromEntries(Object.keys(API_TYPES).map((t) => [t, new full.ConnectionForm({ apiType: t })]));
  for (const [t, form] of Object.entries(forms)) {
    const ok = mix.find((m) => m.apiType === t && m.intendedValid).settings;
    for (const f of [...COMMON, ...API_TYPES[t]]) form.set(f, ok[f]);
  }
  const K = mix.map((m) => ({ form: forms[m.apiType], field: m.keystroke.field, value: m.keystroke.value }));
  const contenders = {
    "ours validate()": (i) => full.validate(S[i]).valid,
    "ours validate() (validate entry)": (i) => lean.validate(S[i]).valid,
    "ours keystroke (set + validate)": (i) => {
      const k = K[i];
      k.form.set(k.field, k.value);
      return k.form.validate().valid;
    },
    ajv: (i) => ajv.validate(S[i]),
    "ajv standalone": (i) => standalone(S[i]),
    "zod 4": (i) => zod.validate(S[i]).success,
    "valibot 1": (i) => valibot.validate(S[i]).success,
  };
  let sink = 0;
  const timeOps = (fn, ops) => {
    const t0 = performance.now();
    for (let k = 0; k < ops; k++) if (fn(k % S.length)) sink++;
    return ((performance.now() - t0) * 1e6) / ops;
  };
  const names = Object.keys(contenders);
  const opsPer = {};
  for (const name of names) {
    timeOps(contenders[name], 2 * S.length);
    const ns = timeOps(contenders[name], S.length);
    opsPer[name] = Math.max(1, Math.round((roundMs * 1e6) / ns / S.length)) * S.length;
  }
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      samples[name].push(timeOps(contenders[name], opsPer[name]));
    }
  }
  return { samples, sink, ua: navigator.userAgent };
};
