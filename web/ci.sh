#!/usr/bin/env bash
# CI for the classroom page (called by .ci/run): the wasm build, the Node tests of the wasm
# API and the end-to-end tests in Debian's chromium. (blocs-web's native tests, fmt and
# clippy run in .ci/run's root steps: it is a default workspace member.) Installs what it
# needs, idempotently. Screenshots and measured speeds: web/test-output/.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

echo "== web: build (web/build.sh)"
bash web/build.sh

echo "== web: Node tests of the wasm API and end-to-end tests in chromium"
cargo build --release --bin blocs
export BLOCS_BIN="$PWD/target/release/blocs"
cd web
npm ci --no-audit --no-fund
node --test --test-concurrency=1 tests/
