// JSX typing for the custom element: its attributes, as React 19 passes them.
import type { DetailedHTMLProps, HTMLAttributes } from "react";

type BillcomFormProps = DetailedHTMLProps<HTMLAttributes<HTMLElement>, HTMLElement> & {
  action?: string;
  "api-type"?: string;
  locale?: string;
};

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "billcom-connection-form": BillcomFormProps;
    }
  }
}
