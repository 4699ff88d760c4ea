#!/usr/bin/env bash
# Packs billcom-connection as npm would publish it, installs the tarball into each
# consumer project under examples/, and builds it. The Chromium/Node tests in
# tests/consumers/ then run against what was built here.
#
# Offline-safe: each example's own dependencies come from its committed lockfile (npm
# ci, from the npm registry only, skipped when the lockfile is unchanged); the package
# itself comes from the tarball, installed with --no-save so no lockfile records a
# hash of a build that changes every time (npm would then serve a stale copy from
# its cache).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[consumers] %s\n' "$*" >&2; }

mkdir -p target/pack
rm -f target/pack/billcom-connection-*.tgz
# pkg/ is already built by scripts/test.sh; prepack would build it again.
tgz=$(npm pack --ignore-scripts --silent --pack-destination target/pack)
tgz="$PWD/target/pack/$tgz"
log "packed $(basename "$tgz"): $(wc -c < "$tgz") bytes"

for dir in "${@:-examples/*/}"; do
  dir=${dir%/}
  [ -f "$dir/package.json" ] || continue
  name=$(basename "$dir")
  start=$(date +%s)
  (
    cd "$dir"
    stamp=node_modules/.package-lock.sha
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
      npm ci --no-audit --no-fund --silent
      mkdir -p node_modules && echo "$want" > "$stamp"
    fi
    npm install --no-save --no-audit --no-fund --silent "$tgz"
    if node -e 'process.exit(require("./package.json").scripts?.build ? 0 : 1)'; then
      npm run -s build > build.log 2>&1 || { cat build.log; exit 1; }
    fi
  )
  log "$name: installed and built in $(( $(date +%s) - start ))s"
done
