// What takes the bytes in our module, by twiggy (a Rust crate: `cargo install twiggy`).
// Not a run-time dependency: without twiggy on PATH this prints how to get it.
//
// The shipped module has no name section, so twiggy is run on a names-kept copy
// built the same way as scripts/build.sh (wasm-opt with its flags) with
// `--debuginfo` added, from the cargo output build.sh keeps in target/. The copy's
// code (all but custom sections) is compared with pkg/ to show it is the same module.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);
const CACHE = new URL("bench/.cache/names/", ROOT);
const CARGO_WASM = new URL("target/wasm32-unknown-unknown/wasm/names-billcom_connection_bg.wasm", ROOT);
const SHIPPED = new URL("pkg/billcom_connection_bg.wasm", ROOT);
const WASM_OPT = new URL("node_modules/.bin/wasm-opt", ROOT);
/** scripts/build.sh's WASM_OPT_FLAGS, minus the stripping of names. */
const FLAGS = ["-Oz", "--converge", "--strip-producers", "--strip-target-features", "--debuginfo"];

const run = (cmd, args) => spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
const onPath = (cmd) => !run(cmd, ["--version"]).error;

/** Section sizes of a wasm module: { custom: {name: bytes}, other: bytes }. */
export function sections(buf) {
  let p = 8, other = 0;
  const custom = {};
  const leb = () => {
    let r = 0, shift = 0, b;
    do { b = buf[p++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return r >>> 0;
  };
  while (p < buf.length) {
    const start = p, id = buf[p++], size = leb(), body = p;
    if (id === 0) {
      const n = leb();
      const name = buf.subarray(p, p + n).toString("utf8");
      custom[name] = body + size - start;
    } else other += body + size - start;
    p = body + size;
  }
  return { custom, other: other + 8 };
}

function namesKept(log) {
  if (!existsSync(CARGO_WASM)) return null;
  if (statSync(CARGO_WASM).mtimeMs + 60_000 < statSync(SHIPPED).mtimeMs) {
    log(`  note: ${CARGO_WASM.pathname} is older than pkg/: the profile may not match what ships`);
  }
  if (!existsSync(WASM_OPT)) return { file: CARGO_WASM.pathname, raw: true };
  mkdirSync(CACHE, { recursive: true });
  const out = new URL("names.wasm", CACHE).pathname;
  const r = run(WASM_OPT.pathname, [...FLAGS, "-o", out, CARGO_WASM.pathname]);
  if (r.status !== 0) return { file: CARGO_WASM.pathname, raw: true, why: r.stderr };
  return { file: out, raw: false };
}

/** The crate (and, for ours, core, alloc and std, the module) an item's name belongs to. */
function groupOf(name) {
  if (/^"(function|data|local|global|type|table|memory|elem|module|label|field|tag) names" subsection$/.test(name)) return "name section (not shipped)";
  if (/ (externref|multivalue) shim/.test(name)) return "export shims (bodies inlined here by wasm-opt)";
  if (name.startsWith("data segment")) return "data segments (strings, tables)";
  if (name.startsWith("import ")) return "imports";
  if (name.startsWith("export ")) return "exports";
  if (name.startsWith("custom section")) return "custom sections";
  if (/^(code|elem|table|global|type|memory)\[/.test(name) || /^(table|type|elem)/.test(name)) return "unnamed / tables / types";
  let n = name.replace(/\[[0-9a-f]{16}\]/g, "");
  // <A as B>::f -> A's crate, or B's when A is a primitive; <A>::f -> A's crate.
  const impl = n.match(/^<([^<>]*?(?:<.*?>)?)(?: as ([^>]+))?>::/);
  if (impl) n = impl[1].includes("::") ? impl[1] : (impl[2] ?? impl[1]);
  n = n.replace(/^&(mut )?/, "");
  const parts = n.split("::");
  if (parts.length < 2) return /^__(wbindgen|externref|wbg)/.test(n) ? "wasm-bindgen runtime" : n;
  const deep = ["core", "alloc", "std", "billcom_connection"].includes(parts[0]);
  return deep && parts.length > 2 ? `${parts[0]}::${parts[1].replace(/<.*$/, "")}` : parts[0];
}

function byGroup(items) {
  const groups = new Map();
  for (const { name, shallow_size } of items) {
    const key = groupOf(name);
    groups.set(key, (groups.get(key) ?? 0) + shallow_size);
  }
  return [...groups.entries()].sort((a, b) => b[1] - a[1]);
}

export function twiggyReport(log) {
  log(`\nwhat takes the bytes in our module (twiggy)`);
  if (!onPath("twiggy")) {
    log(`  twiggy not on PATH: skipped (install with \`cargo install twiggy --version 0.8.0\`, ~1 min)`);
    return;
  }
  const src = namesKept(log);
  if (!src) {
    log(`  ${CARGO_WASM.pathname} missing: run \`npm run build\` first`);
    return;
  }
  if (src.raw) {
    log(`  profiling the cargo output as is (before wasm-opt)${src.why ? `: ${src.why.trim()}` : ""}`);
  } else {
    const kept = sections(readFileSync(src.file)), ship = sections(readFileSync(SHIPPED));
    const same = kept.other === ship.other;
    log(`  profiled: ${src.file.replace(ROOT.pathname, "")} = the shipped build steps + \`wasm-opt --debuginfo\`;`);
    log(`  its non-custom sections are ${kept.other} bytes vs ${ship.other} shipped${same ? " (identical size)" : " (DIFFERENT: pkg/ and target/ are out of step, or -g changed codegen)"};`);
    log(`  its name section (${kept.custom.name ?? 0} bytes) is not shipped.`);
  }
  const top = run("twiggy", ["top", "-n", "25", src.file]);
  if (top.status !== 0) return log(`  twiggy failed: ${top.stderr}`);
  log(top.stdout.trimEnd());
  const all = run("twiggy", ["top", "-f", "json", src.file]);
  if (all.status === 0) {
    const items = JSON.parse(all.stdout).filter((i) => !/^"[a-z]+ names" subsection$/.test(i.name));
    const total = items.reduce((s, i) => s + i.shallow_size, 0);
    log(`\n  shallow bytes by crate / module (all ${items.length} items but the name section: ${total} bytes):`);
    for (const [k, b] of byGroup(items).slice(0, 20)) {
      log(`  ${String(b).padStart(8)}  ${((100 * b) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
}
