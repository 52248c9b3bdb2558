#!/usr/bin/env bash
# Every figure of the model card, from the committed model: SSDD test (all,
# inshore, offshore) on onnxruntime (float) and on the int8 engine, with 95 %
# bootstrap intervals and a paired interval of their difference, and the
# xView3 score on three synthetic Sentinel-1 scenes. Writes JSON to $OUT.
#   train/evaluate-bundled.sh [OUT=eval-results]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-eval-results}
ssdd=${SSDD:-../shared/data/ssdd}
mkdir -p "$out"
for split in test test_inshore test_offshore; do
  echo "SSDD $split: the int8 program (cpu) against the float model (ort)" >&2
  node bin/sarwatch.js eval "$ssdd/JPEGImages" "$ssdd/labels_yolo" --format yolo \
    --list "$ssdd/ImageSets/Main/$split.txt" --backend cpu --against ort --ci 2000 --json > "$out/ssdd-$split.json"
done
for seed in 9001 9002 9003; do
  echo "synthetic scene seed $seed" >&2
  node bin/sarwatch.js synth --out "$out/synthetic-$seed" --size 6000x6000 --seed "$seed" --json > /dev/null
  for backend in ort cpu; do
    node bin/sarwatch.js detect "$out/synthetic-$seed" --out "$out/synthetic-$seed-$backend" --backend "$backend" --json > "$out/synthetic-$seed-$backend-summary.json"
    node bin/sarwatch.js score "$out/synthetic-$seed-$backend/detections.csv" "$out/synthetic-$seed/labels.csv" --json > "$out/synthetic-$seed-$backend-score.json"
  done
  rm -rf "$out/synthetic-$seed"/*.tif
done

node train/metrics-table.mjs "$out" > "$out/metrics.md"
echo "results in $out (tables: $out/metrics.md)" >&2
