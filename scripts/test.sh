#!/usr/bin/env bash
# `npm test`: set up what is missing, build, and run every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "lint: cargo fmt --check, cargo clippy --all-targets -D warnings"
cargo fmt --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "native: cargo test (rules, tables, secrets, backend)"
cargo test --workspace --quiet

step "native: the backend's API and storage suites against PostgreSQL (throwaway server, loopback)"
bash scripts/with-postgres.sh cargo test --quiet -p billcom-connection-server \
  --test api --test backends --test limits --test test_connection

step "build: pkg/"
bash scripts/build.sh

step "types: the generated .d.ts under tsc --strict (tests/types/usage.ts)"
./node_modules/.bin/tsc -p tests/types && echo "types: ok"

step "js: the package contract (Node) and the demo end to end (Chromium, real backend)"
cargo build --quiet -p billcom-connection-server   # no-op after cargo test: the e2e backend
node --test --test-concurrency=1 tests/js/ tests/e2e/

step "examples: the packed tarball in examples/plain (no bundler), webpack and react (Vite + React 19), in Chromium"
node scripts/examples.mjs

step "consumers: a Node ESM backend (billcom-connection/node), Next.js 16 (client page + route handler), TypeScript (tsc --strict, browser and Node-only) on the packed tarball"
bash scripts/consumers.sh examples/node examples/typescript examples/next
node --test --test-concurrency=1 tests/consumers/

step "bench: smoke run (proves it runs; never gates on timing) and the size budget"
node bench/run.mjs --smoke
# The backend's load and crash checks, short and bounded, on SQLite and PostgreSQL:
# gates on nothing lost, duplicated, torn or undecryptable, never on timing.
bash scripts/with-postgres.sh node bench/server.mjs --smoke
# The size is deterministic, so it gates. The goal (issue 6) is 15360 bytes; the
# budget in package.json's "size" script is a ratchet just above what ships today:
# lower it as the module shrinks.
npm run -s size
node scripts/element-size.mjs   # the element's own entry (issue 10): <= 6 KB brotli

echo
echo "npm test: all layers passed in $(( $(date +%s) - start ))s"
