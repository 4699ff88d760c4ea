#!/usr/bin/env bash
# Installs everything a fresh machine lacks to build and test billcom-connection.
# Idempotent: every step checks first and is skipped when already done, so a warm
# run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned here, in Cargo.toml (wasm-bindgen = "=…") and in Cargo.lock: keep all three equal.
WASM_BINDGEN_VERSION=0.2.130

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. The wasm32 target for the Rust toolchain.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, exactly the crate's version (no --locked: see TOOLCHAIN notes).
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (was: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 3. Debian's Chromium + ChromeDriver (browser tests) and brotli (size report).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
# PostgreSQL 15 for the backend's second storage (scripts/with-postgres.sh).
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || as_root apt-get update
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 4. npm dependencies, reinstalled only when package-lock.json changed.
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
log "ready"
