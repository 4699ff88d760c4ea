// webpack 5 with no configuration: the element, plus the validator for a custom check.
import "billcom-connection/element";
import init, { validate } from "billcom-connection";

await init();
const report = validate({ name: "Payables", apiType: "spend-expense", environment: "sandbox" });
document.querySelector("#status").textContent = report.errors.map((e) => `${e.field}: ${e.code}`).join("; ");
