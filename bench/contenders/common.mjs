// Turning each library's error list into the set of flagged fields (errors only).
const sorted = (set) => [...set].sort();

/** Our report: items with severity "error". */
export function oursFields(report) {
  const out = new Set();
  for (const e of report.errors) if (e.severity === "error") out.add(e.field);
  return sorted(out);
}

/** Ajv (runtime or standalone) `errors`. */
export function ajvFields(errors) {
  const out = new Set();
  for (const e of errors ?? []) {
    if (e.keyword === "required") out.add(e.params.missingProperty);
    else if (e.keyword === "additionalProperties") out.add(e.params.additionalProperty);
    else if (e.instancePath) out.add(e.instancePath.slice(1).split("/")[0].replace(/~1/g, "/").replace(/~0/g, "~"));
    // else: an `if` failure at the root, which names no field
  }
  return sorted(out);
}

/** Zod 4 `issues`. */
export function zodFields(issues) {
  const out = new Set();
  for (const i of issues ?? []) {
    if (i.code === "unrecognized_keys") for (const k of i.keys) out.add(k);
    else if (i.path.length) out.add(String(i.path[0]));
  }
  return sorted(out);
}

/** Valibot `issues`. */
export function valibotFields(issues) {
  const out = new Set();
  for (const i of issues ?? []) if (i.path?.length) out.add(String(i.path[0].key));
  return sorted(out);
}
