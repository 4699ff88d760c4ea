#!/usr/bin/env bash
# Installs everything a fresh machine lacks to build and test billcom-connection.
# Idempotent: every step checks first and is skipped when already done, so a warm
# run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. The wasm32 target for the Rust toolchain.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. Debian's Chromium (browser tests, driven by playwright-core) and brotli (size
# report). No wasm-bindgen-cli: the module has raw exports (ARCHITECTURE.md).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v brotli >/dev/null || missing+=(brotli)
# PostgreSQL 15 for the backend's second storage (scripts/with-postgres.sh).
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || as_root apt-get update
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 3. npm dependencies, reinstalled only when package-lock.json changed.
stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
log "ready"
