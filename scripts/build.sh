#!/usr/bin/env bash
# Builds pkg/: cargo (release, size-tuned profile) -> wasm-bindgen --target web ->
# wasm-opt from npm `binaryen` (Debian's wasm-opt corrupts wasm-bindgen output).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --lib --release --target wasm32-unknown-unknown
rm -rf pkg
wasm-bindgen --target web --out-dir pkg \
  target/wasm32-unknown-unknown/release/billcom_connection.wasm
# The features rustc enabled for wasm32; wasm-opt must be told, since the
# target_features section is stripped with the debug info.
./node_modules/.bin/wasm-opt -Oz \
  --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  --enable-mutable-globals \
  -o pkg/billcom_connection_bg.wasm pkg/billcom_connection_bg.wasm
rm -f pkg/.gitignore pkg/package.json
# wasm-bindgen types the raw wasm exports of its InitOutput interface as `any`;
# they are numbers and handles nobody should touch, so say `unknown`.
sed -i -E 's/\bany\b/unknown/g' pkg/billcom_connection.d.ts pkg/billcom_connection_bg.wasm.d.ts
# wasm-bindgen cannot mark an overridden parameter type optional; submit's options are.
sed -i -E 's/(submit|test)\(url: string, options: SubmitOptions\)/\1(url: string, options?: SubmitOptions)/' pkg/billcom_connection.d.ts
[ "$(grep -c 'options?: SubmitOptions' pkg/billcom_connection.d.ts)" = 2 ] || { echo "[build] d.ts fix-up failed" >&2; exit 1; }
# The element (issue 10): hand-written JS/CSS from js/, copied beside the glue it imports.
mkdir -p pkg/locales
# The element is minified (esbuild, no bundling: it keeps importing ./billcom_connection.js).
./node_modules/.bin/esbuild js/element.js --minify --format=esm --log-level=warning --outfile=pkg/element.js
cp js/element.d.ts js/style.css pkg/ && cp js/locales/fr.js pkg/locales/
echo "[build] pkg/ ready: $(wc -c < pkg/billcom_connection_bg.wasm) bytes wasm, $(wc -c < pkg/billcom_connection.js) bytes glue" >&2
