// Checks a module as cargo linked it (names kept): it must import nothing (so no
// JS runs inside one of its calls) and hold no panic machinery: no core::fmt and no
// panic-message code (std's panic handler, core::panicking's formatting).
//   node scripts/check-wasm.mjs target/.../billcom_connection_wasm.wasm
import { readFileSync } from "node:fs";

const file = process.argv[2];
const buf = readFileSync(file);
const mod = new WebAssembly.Module(buf);
const fail = (msg) => {
  console.error(`check-wasm: ${file}: ${msg}`);
  process.exit(1);
};
if (WebAssembly.Module.imports(mod).length) fail(`imports ${JSON.stringify(WebAssembly.Module.imports(mod))}`);
const names = WebAssembly.Module.customSections(mod, "name");
if (names.length === 0) fail("no name section to check (build with strip = \"debuginfo\", not true)");
const text = Buffer.from(names[0]).toString("latin1");
// std's panic runtime (hook, message formatting, backtrace): none of it may be there.
const std = ["std9panicking", "default_hook", "begin_panic_handler", "rust_panic_with_hook"].filter((b) => text.includes(b));
if (std.length) fail(`std's panic machinery linked in: ${std.join(", ")}`);
// core::fmt: none (with LTO, the panic sites that would format a message reach only
// the trapping handler, so their formatting code is dropped).
const fmt = [...new Set(text.match(/[A-Za-z0-9_$]*core3fmt[A-Za-z0-9_$]*/g) ?? [])];
if (fmt.length) fail(`core::fmt linked in (${fmt.length} functions): ${fmt.join(" ")}`);
console.log(`check-wasm: ${file}: no imports, no std panic machinery, no core::fmt`);
