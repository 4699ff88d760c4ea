// JSX typing for the custom element, as React 19 passes it: attributes as strings,
// `onbillcom-*` as event listeners.
import type { DetailedHTMLProps, HTMLAttributes } from "react";

type BillcomFormProps = DetailedHTMLProps<HTMLAttributes<HTMLElement>, HTMLElement> & {
  action?: string;
  "api-type"?: string;
  locale?: string;
  "onbillcom-saved"?: (event: CustomEvent<{ connection: { id: string; name: string } }>) => void;
};

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "billcom-connection-form": BillcomFormProps;
    }
  }
}
