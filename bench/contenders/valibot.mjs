// valibot 1, same structure as the zod contender. `objectWithRest(…, never())`
// rather than `strictObject`, which reports only the first unknown key.
import * as v from "valibot";
import { API_TYPES, API_TYPE_IDS, ENVIRONMENTS, CREDENTIALS, TEXT_FIELDS, trimWS, cpLen, wellFormed, NOT_BLANK, NO_CC, NO_WS, ALNUM } from "../rules.mjs";
import { valibotFields } from "./common.mjs";

function text({ trim, min, max, rules }) {
  const actions = [v.string(), v.check(wellFormed)];
  if (trim) actions.push(v.transform(trimWS), v.nonEmpty());
  else actions.push(v.regex(NOT_BLANK));
  actions.push(v.check((s) => { const n = cpLen(s); return n <= max && (min === undefined || n >= min); }));
  if (rules.includes("noCc")) actions.push(v.regex(NO_CC));
  if (rules.includes("noWs")) actions.push(v.regex(NO_WS));
  if (rules.includes("alnum")) actions.push(v.regex(ALNUM));
  if (rules.includes("prefix008")) actions.push(v.startsWith("008"));
  return v.pipe(...actions);
}

const fields = Object.fromEntries(Object.entries(TEXT_FIELDS).map(([k, spec]) => [k, text(spec)]));
const common = { name: fields.name, apiType: v.picklist(API_TYPE_IDS), environment: v.picklist(ENVIRONMENTS) };
const ignored = v.optional(v.unknown());
const objectFor = (creds) =>
  v.objectWithRest({ ...common, ...Object.fromEntries(CREDENTIALS.map((k) => [k, creds.includes(k) ? fields[k] : ignored])) }, v.never());

const byType = new Map(API_TYPE_IDS.map((id) => [id, objectFor(API_TYPES[id])]));
const fallback = objectFor([]);

export const validate = (settings) => v.safeParse(byType.get(settings?.apiType) ?? fallback, settings);
export const flagged = (settings) => { const r = validate(settings); return r.success ? [] : valibotFields(r.issues); };
