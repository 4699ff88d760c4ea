// Compiles under default `tsc --strict`: the browser entry, its results and errors.
import init, { apiTypes, ConnectionForm, formSpec, isApiTypeId, validate, type ReportItem } from "billcom-connection";

export async function main(tokenInput: HTMLInputElement): Promise<string> {
  await init();
  const first = apiTypes()[0];
  const spec = formSpec(first.id);
  const labels: string[] = spec.fields.map((f) => f.label);

  const report = validate({ name: "Ops", apiType: "spend-expense", environment: "sandbox" });
  const fields: (string | null)[] = report.errors.map((item: ReportItem) => item.field);

  const wanted: string = tokenInput.dataset.type ?? "spend-expense";
  if (!isApiTypeId(wanted)) return "unknown type";
  const form = new ConnectionForm({ apiType: wanted });
  form.set("apiToken", tokenInput.value);
  tokenInput.value = "";
  const result = await form.submit("/api/connections", { headers: { "X-CSRF-Token": "t" } });
  form.free();
  if (result.ok) {
    // Narrowed: a saved connection is there, and no reason.
    return `${result.connection.id} ${labels.length} ${fields.length}`;
  }
  // Narrowed: a reason and the items.
  return `${result.reason}: ${result.errors.map((e) => e.code).join(",")}`;
}
