// billcom-connection/node: the same API as the browser entry, ready on import.
export * from "./billcom_connection.js";
export { default } from "./billcom_connection.js";
