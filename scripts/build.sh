#!/usr/bin/env bash
# Builds pkg/: the two entries, each a WebAssembly module and one ES module.
#   pkg/billcom_connection.js + billcom_connection_bg.wasm   (everything, ConnectionForm included)
#   pkg/validate.js           + validate_bg.wasm             (tables + validator, no form)
# cargo (the `wasm` size profile) -> wasm-opt from npm `binaryen` (Debian's corrupts
# modules) ; esbuild bundles the wrapper (wasm/js/) into one file per entry, so every
# shipped file has a stable name and can be copied into a vendor folder as is.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/wasm32-unknown-unknown/wasm/billcom_connection_wasm.wasm
# bench/twiggy.mjs repeats these to profile a names-kept copy: keep them in step.
WASM_OPT_FLAGS="-Oz --converge --strip-debug --strip-producers --strip-target-features"
build() { # $1: output name, rest: cargo flags
  local name=$1
  shift
  # `cargo rustc --crate-type cdylib`: the crate is also an rlib (for its native
  # tests), and cargo drops LTO for a lib that is both (measured: 1.4 KB brotli).
  cargo rustc --quiet -p billcom-connection-wasm --lib --profile wasm --target wasm32-unknown-unknown \
    --crate-type cdylib "$@"
  # The browser modules only: node_bg.wasm may hold serde_json's formatting.
  [ "$name" = node_bg.wasm ] || node scripts/check-wasm.mjs "$OUT"
  cp "$OUT" "target/wasm32-unknown-unknown/wasm/names-$name" # names kept, for bench/twiggy.mjs
  ./node_modules/.bin/wasm-opt $WASM_OPT_FLAGS -o "pkg/$name" "$OUT"
}

rm -rf pkg
mkdir -p pkg
build billcom_connection_bg.wasm
build validate_bg.wasm --no-default-features
# billcom-connection/node: never shipped to a browser, so not size-gated; it carries
# serde_json to read submission bodies (validateSubmission), hence no check-wasm.
build node_bg.wasm --features node

bundle() { # $1: source entry, $2: output file, rest: esbuild flags
  local src=$1 out=$2
  shift 2
  ./node_modules/.bin/esbuild "wasm/js/$src" --bundle --format=esm --platform=neutral --minify \
    --legal-comments=none --log-level=warning --outfile="pkg/$out" "$@"
}
bundle index.js billcom_connection.js
bundle validate.js validate.js
bundle node.js node.js --external:node:fs
cp wasm/js/billcom_connection.d.ts wasm/js/validate.d.ts wasm/js/node.d.ts pkg/
# The element (issue 10): hand-written JS/CSS from js/, minified (esbuild, no bundling:
# it keeps importing ./billcom_connection.js).
mkdir -p pkg/locales
./node_modules/.bin/esbuild js/element.js --minify --format=esm --log-level=warning --outfile=pkg/element.js
cp js/element.d.ts js/style.css pkg/ && cp js/locales/fr.js pkg/locales/
# billcom-connection/contracts: the HTTP view and JSON Schema as plain data, printed
# natively from the crate (examples/contracts.rs); the element imports it only when
# its HTTP view is opened, so the main entry does not grow.
cargo run --quiet --example contracts > pkg/contracts.js
cp js/contracts.d.ts pkg/

echo "[build] pkg/ ready: $(cd pkg && for f in *.wasm *.js; do printf '%s %s B; ' "$f" "$(wc -c < "$f")"; done)" >&2
