#!/usr/bin/env bash
# Redraws the gallery images (docs/gallery.md) from fresh runs; needs ImageMagick's
# /usr/bin/convert. Images are shrunk to 960 px and 96 colours to keep the repository small.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
b=target/release/blocs
cargo build --release --quiet
$b run --out "$out/default" --quiet
$b run configs/world2025.ron --out "$out/world2025" --quiet
$b reproduce e05_critical_mass --quick --out "$out" > /dev/null
$b reproduce e01_gridlock --quick --out "$out" > /dev/null
sed -e 's|base_samples: 512|base_samples: 16|; s|replications: 4|replications: 1|' \
    -e "s|File(\"../configs/default.ron\")|File(\"$PWD/configs/default.ron\")|" \
    experiments/sensitivity.ron > "$out/sensitivity.ron"
$b sweep "$out/sensitivity.ron" --out "$out/sens" > /dev/null
$b dock --out "$out/dock" > /dev/null
slice="e01_gridlock/phase_by_multilateral.decision_rule/Consensus/figures"
g=assets/gallery
mkdir -p "$g"
while read -r src name; do
    /usr/bin/convert "$out/$src" -resize 960x -strip -colors 96 "PNG8:$g/$name.png"
done <<LIST
default/figures/map.png map_default
world2025/figures/map.png map_world2025
world2025/figures/convergence.png convergence_ensemble
default/figures/gridlock.png gridlock
e05_critical_mass/figures/outcomes.png outcomes
e05_critical_mass/figures/check.png check
e01_gridlock/figures/convergence.png convergence_experiment
$slice/phase.png phase
$slice/phase_networked.png phase_networked
sens/figures/sensitivity.png sensitivity
dock/krugman1991/figures/welfare_vs_blocs.png dock_welfare_vs_blocs
dock/krugman1991/figures/nash_tariffs.png dock_nash_tariffs
dock/krishna1998/figures/gains_vs_tariff.png dock_gains_vs_tariff
LIST
/usr/bin/convert "$out/default/figures/map.gif" -coalesce -resize 480x -layers optimize "$g/map.gif"
rm -rf "$out"
