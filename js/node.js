// billcom-connection/node: the same API, ready on import in Node 20+.
//
// The module's bytes are read from the file beside this one, synchronously, with no
// network and no fetch: Node's `fetch` cannot load a file: URL, and a server must not
// depend on one. Instantiating takes about a millisecond.
import { readFileSync } from "node:fs";
import { initSync } from "./billcom_connection.js";

initSync({ module: readFileSync(new URL("./billcom_connection_bg.wasm", import.meta.url)) });

export * from "./billcom_connection.js";
