// Types for `billcom-connection/element` (<billcom-connection-form>).
import type { SavedConnection, SubmitResult, TestResult, ApiTypeId } from "./billcom_connection.js";

export interface BillcomChangeDetail {
  apiType: ApiTypeId;
  dirty: boolean;
  valid: boolean;
}

export declare const en: Record<string, string>;

export declare class BillcomConnectionForm extends HTMLElement {
  /** The connections endpoint (attribute `action`, default `/api/connections`). */
  action: string;
  /** A saved connection to edit, or null for an empty create form. */
  connection: SavedConnection | null;
  /** Extra request headers, e.g. a CSRF token. */
  headers: HeadersInit | undefined;
  /** Abandon a save or test after this many milliseconds (default 15000). */
  timeoutMs: number | undefined;
  /** Whether something was changed since the form was loaded or saved. */
  readonly dirty: boolean;
  /** Whether the current API type's settings pass the validator. */
  readonly valid: boolean;
  /** Resolves once the WebAssembly module is loaded and the form is drawn. */
  readonly ready: Promise<void>;
  save(): Promise<SubmitResult>;
  test(): Promise<TestResult>;
  reset(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "billcom-connection-form": BillcomConnectionForm;
  }
  interface HTMLElementEventMap {
    "billcom-saved": CustomEvent<{ connection: SavedConnection }>;
    "billcom-tested": CustomEvent<{ result: TestResult }>;
    "billcom-change": CustomEvent<BillcomChangeDetail>;
  }
}
