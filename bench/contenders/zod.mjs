// zod 4 (classic API). One strict object per API type plus a fallback for a
// missing or unknown apiType, picked by exact apiType (what a discriminated union
// does, except that a bad tag must still get the common fields checked).
import * as z from "zod";
import { API_TYPES, API_TYPE_IDS, ENVIRONMENTS, CREDENTIALS, TEXT_FIELDS, trimWS, cpLen, wellFormed, NOT_BLANK, NO_CC, NO_WS, ALNUM } from "../rules.mjs";
import { zodFields } from "./common.mjs";

function text({ trim, min, max, rules }) {
  let s = z.string().refine(wellFormed);
  if (trim) s = s.overwrite(trimWS).min(1);
  else s = s.regex(NOT_BLANK);
  s = s.refine((v) => { const n = cpLen(v); return n <= max && (min === undefined || n >= min); });
  if (rules.includes("noCc")) s = s.regex(NO_CC);
  if (rules.includes("noWs")) s = s.regex(NO_WS);
  if (rules.includes("alnum")) s = s.regex(ALNUM);
  if (rules.includes("prefix008")) s = s.startsWith("008");
  return s;
}

const fields = Object.fromEntries(Object.entries(TEXT_FIELDS).map(([k, spec]) => [k, text(spec)]));
const common = { name: fields.name, apiType: z.enum(API_TYPE_IDS), environment: z.enum(ENVIRONMENTS) };
const ignored = z.unknown().optional();
const objectFor = (creds) =>
  z.strictObject({ ...common, ...Object.fromEntries(CREDENTIALS.map((k) => [k, creds.includes(k) ? fields[k] : ignored])) });

const byType = new Map(API_TYPE_IDS.map((id) => [id, objectFor(API_TYPES[id])]));
const fallback = objectFor([]);

export const validate = (settings) => (byType.get(settings?.apiType) ?? fallback).safeParse(settings);
export const flagged = (settings) => { const r = validate(settings); return r.success ? [] : zodFields(r.error.issues); };
