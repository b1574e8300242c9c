#!/usr/bin/env bash
# Builds the classroom page: web/dist/ (index.html, app.js, style.css, worker.js, the glue
# blocs_web.js and blocs_web_bg.wasm, for any static host) and web/dist/blocs-classroom.html
# (everything inlined, opens from file:// with no network).
#
# Needs: rustup, cargo, node. Installs the wasm32 target and the pinned wasm-bindgen CLI
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pin=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' web/crate/Cargo.toml)
test -n "$pin" || { echo "build.sh: no exact wasm-bindgen pin in web/crate/Cargo.toml" >&2; exit 2; }
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$pin" ]; then
  cargo install wasm-bindgen-cli --version "$pin" --locked
fi

cargo build -p blocs-web --lib --target wasm32-unknown-unknown --profile wasm
out="$root/web/dist"
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target no-modules --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm/blocs_web.wasm
# No wasm-opt: Debian's binaryen (108) shrinks the module by 10 % (1.31 -> 1.18 MB) but
# breaks wasm-bindgen's externref table ("failed to grow table"), and 1.3 MB is well under
# the 3 MB budget.
cp web/static/index.html web/static/app.js web/static/style.css web/static/worker.js "$out/"
node web/tools/inline.mjs "$out" "$out/blocs-classroom.html"

echo "web/dist/ (static folder):"
ls -l "$out" | awk 'NR > 1 {print "  " $5 "\t" $9}'
