#!/usr/bin/env bash
# `npm start`: set up what is missing, build the package and the reference backend,
# and serve the demo against it (http://127.0.0.1:8080 unless --listen/BILLCOM_LISTEN).
# Extra arguments go to the server, e.g. `npm start -- --listen 127.0.0.1:9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cargo build --quiet --profile server -p billcom-connection-server
exec target/server/billcom-connection-server --static-dir . "$@"
