// Compiles with lib ES2022 only: the Node entry needs no DOM types.
import { isApiTypeId, normalize, validateSubmission, type ValidationReport } from "billcom-connection/node";

export function check(body: unknown): { status: number; report: ValidationReport } {
  const report = validateSubmission(body);
  return { status: report.valid ? 201 : 422, report };
}

export function clean(settings: Record<string, unknown>): Record<string, string> {
  const type = settings.apiType;
  if (typeof type === "string" && isApiTypeId(type)) {
    return normalize(settings) ?? {};
  }
  return {};
}
