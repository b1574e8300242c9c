#!/usr/bin/env bash
# Results are identical on every target (issue 17, item 15): the glibc and the musl
# builds of this commit run the same scenarios and must write byte-identical files.
# The maths the model uses comes from the pure-Rust `libm` crate, not the platform's.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
fi
# Rust's musl target links with its own self-contained CRT and linker; musl-tools is only
# needed if that fails on this machine.
if ! cargo build --release --target "$target" --quiet; then
    if ! command -v musl-gcc >/dev/null; then
        apt-get update -qq && apt-get install -y -qq musl-tools
    fi
    cargo build --release --target "$target" --quiet
fi
cargo build --release --quiet
glibc=target/release/blocs
musl=target/$target/release/blocs
ldd "$musl" 2>&1 | grep -q "statically linked\|not a dynamic" \
    || { echo "the musl binary is not static: not a musl build?"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for scenario in "" configs/world2025.ron configs/walled_customs_unions.ron experiments/world2025/tariff_wave.ron; do
    name=${scenario:-default}
    name=$(basename "$name" .ron)
    for build in glibc musl; do
        bin=${!build}
        # Several worlds, so that worlds on other streams are compared too (tariff_wave
        # worlds are slow: one).
        worlds=4
        [ "$name" = tariff_wave ] && worlds=1
        "$bin" run $scenario --worlds "$worlds" --threads 2 --out "$out/$build/$name" --no-plots -q
    done
    for f in "$out/glibc/$name"/*; do
        file=$(basename "$f")
        if [ "$file" = manifest.ron ]; then
            # The manifest records the command line and the time; everything else must match.
            diff <(grep -v -e created_unix -e '^        "' "$f") \
                 <(grep -v -e created_unix -e '^        "' "$out/musl/$name/$file") >/dev/null \
                || { echo "$name/$file differs beyond the command line and time"; status=1; }
        elif ! cmp -s "$f" "$out/musl/$name/$file"; then
            echo "$name/$file differs between the glibc and the musl build"
            status=1
        fi
    done
    echo "  $name: $(ls "$out/glibc/$name" | wc -l) files compared"
done
exit $status
