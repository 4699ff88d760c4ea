// Bundled by tests/e2e/rjsf.test.mjs (esbuild) into one script for Chromium: rjsf 6
// rendering the JSON Schema the package ships (billcom-connection/contracts).
import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { flushSync } from "react-dom";
import Form from "@rjsf/core";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020.js";
import { jsonSchema } from "../../pkg/contracts.js";

const validator = customizeValidator({ AjvClass: Ajv2020 });
const root = createRoot(document.getElementById("root"));

/** Renders the schema of one API type (or all, with apiType undefined). */
window.renderSchema = (apiType, formData) => {
  const schema = jsonSchema(apiType);
  flushSync(() => root.render(h(Form, { schema, validator, formData, key: `${apiType}-${Date.now()}` })));
  return document.querySelectorAll("#root input, #root select").length;
};
