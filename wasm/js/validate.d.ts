// billcom-connection/validate: the tables and the validator, without ConnectionForm.
import type { ApiTypeId, ApiTypeInfo, FieldId, FormSpec, InitInput, InitOutput, ReportItem, Settings, SyncInitInput, ValidationReport } from "./billcom_connection.js";
export type {
  ApiTypeId, ApiTypeInfo, BillcomUsageError, EnvironmentId, FieldId, FieldOption, FieldSpec, FormatRule, FormSpec,
  InitInput, InitOutput, ReportCode, ReportItem, ReportParams, Settings, SyncInitInput, UsageErrorCode, ValidationReport,
} from "./billcom_connection.js";

/** The API types, in the order the form lists them. */
export function apiTypes(): ApiTypeInfo[];
/** Whether `x` is one of the API type ids. */
export function isApiTypeId(x: unknown): x is ApiTypeId;
/** The fields to render for an API type, in display order (throws `unknown_api_type`). */
export function formSpec(apiType: ApiTypeId): FormSpec;
/** Validates a whole settings object and returns every problem at once. */
export function validate(settings: Settings): ValidationReport;
/** Validates one field's value as typed; the items about it (`[]` when fine). */
export function validateField(apiType: ApiTypeId, fieldId: FieldId, value: unknown): ReportItem[];
/** Instantiates the module synchronously (e.g. in Node, from the .wasm file's bytes). */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;
/** Instantiates the module: from `validate_bg.wasm` beside this file by default. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;
export { init };
