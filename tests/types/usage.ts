// Compiled with `tsc --noEmit --strict` by `npm test`: the generated .d.ts must
// type every export precisely enough for this file to compile, and the
// `@ts-expect-error` lines prove that wrong uses are rejected (no `any` anywhere).
import init, {
  apiTypes,
  formSpec,
  validate,
  validateField,
  ConnectionForm,
  type ApiTypeId,
  type FieldSpec,
  type ReportItem,
  type SubmitResult,
  type TestResult,
  type ValidationReport,
  type UsageErrorCode,
} from "billcom-connection";
import initValidate, { validate as validateOnly, formSpec as formSpecOnly, type ValidationReport as Report2 } from "billcom-connection/validate";

async function main(): Promise<void> {
  await init();
  const ids: ApiTypeId[] = apiTypes().map((t) => t.id);
  const fields: FieldSpec[] = formSpec(ids[0]).fields;
  const secret: boolean = fields[0].secret;
  const report: ValidationReport = validate({ name: "x", apiType: "partner", extra: 1 });
  const first: ReportItem | undefined = report.errors[0];
  const code: "required" | "too_short" | "too_long" | "invalid_format" | "invalid_option" | "invalid_type" | "unknown_field" | undefined = first?.code;
  const items: ReportItem[] = validateField("ap-ar-v3", "organizationId", "008");

  const form = new ConnectionForm({ apiType: "spend-expense" });
  const setItems: ReportItem[] = form.set("apiToken", "t");
  const filled: boolean | undefined = form.secretsFilled().apiToken;
  const mode: "create" | "edit" = form.mode;
  const saved: SubmitResult = await form.submit("/api/connections");
  if (saved.ok) {
    const id: string = saved.connection.id;
    void id;
  } else {
    const reason: "invalid" | "in_flight" | "network" | "timeout" | "http" | "conflict" = saved.reason;
    void reason;
  }
  const tested: TestResult = await form.test("/api/connections/test", { timeoutMs: 5000 });
  void [secret, code, items, setItems, filled, mode, tested];

  await initValidate();
  const lean: Report2 = validateOnly({ apiType: "partner" });
  const leanFields: FieldSpec[] = formSpecOnly("partner").fields;
  const freed: UsageErrorCode = "form_freed";
  const early: UsageErrorCode = "not_initialized";
  void [lean, leanFields, freed, early];
  // @ts-expect-error the validate entry has no form
  import("billcom-connection/validate").then((m) => m.ConnectionForm);

  // @ts-expect-error an API type id that does not exist
  formSpec("ap-ar-v4");
  // @ts-expect-error a field id that does not exist
  validateField("partner", "devkey", "x");
  // @ts-expect-error the report's `valid` is a boolean, not a string
  const wrong: string = report.valid;
  // @ts-expect-error the form never hands a secret back
  form.secrets();
  void wrong;
  form.free();
}
void main;
