#!/usr/bin/env bash
# The validation figures a candidate is judged on (train/README.md), for its float model and
# its int8 program together: SSDD's validation tenth (AP50 of the int8 program against the
# float model, paired interval) and F1 per threshold on synthetic validation scenes seeded
# 101-112, through train/choose-threshold.sh with each backend, and the mean xView3 fishing F1
# of those scenes at the operating threshold (FISHING_CONF, 0.15). Validation data only.
#   train/validate-candidate.sh MODEL.onnx OUT       (MODEL.swp beside it: the int8 program)
# SCENES=DIR reuses scenes made earlier (DIR/val-<seed>, from `sarwatch synth`).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: train/validate-candidate.sh MODEL.onnx OUT}
out=${2:?usage: train/validate-candidate.sh MODEL.onnx OUT}
swp=${model%.onnx}.swp
[ -f "$swp" ] || { echo "validate-candidate: $swp: no int8 program beside $model (sarwatch compile)" >&2; exit 2; }
ssdd=${SSDD:-../shared/data/ssdd}
seeds=${SEEDS:-$(seq -s ' ' 101 112)}
mkdir -p "$out"
awk 'NR % 10 == 1' "$ssdd/ImageSets/Main/train.txt" > "$out/ssdd-val.txt"
node bin/sarwatch.js eval "$ssdd/JPEGImages" "$ssdd/labels_yolo" --format yolo --list "$out/ssdd-val.txt" \
  --model "$model" --backend cpu --against ort --ci 2000 --json > "$out/ssdd-val.json"
for backend in ort cpu; do
  mkdir -p "$out/$backend"
  if [ -n "${SCENES:-}" ]; then
    for seed in $seeds; do [ -e "$out/$backend/val-$seed" ] || ln -s "$(realpath "$SCENES/val-$seed")" "$out/$backend/val-$seed"; done
  fi
  file=$model; [ "$backend" = cpu ] && file=$swp
  SEEDS="$seeds" BACKEND=$backend THRESHOLDS=${THRESHOLDS:-"0.1 0.15 0.2"} SYNTH_FLOOR=0 \
    train/choose-threshold.sh "$file" "$out/$backend" > "$out/$backend/thresholds.txt"
  echo "$backend:" && cat "$out/$backend/thresholds.txt"
done
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])), d = r.against.ap50_diff_ci;
  console.log(`SSDD validation AP50: int8 ${r.ap50.toFixed(4)}, float ${r.against.ap50.toFixed(4)}, int8 - float ${r.against.ap50_diff.toFixed(4)} [${d.lo.toFixed(4)}, ${d.hi.toFixed(4)}]`)' "$out/ssdd-val.json"
# `fishing` is learned from synthetic chips only; its F1 is over the true vessels (xView3's is_fishing).
t=${FISHING_CONF:-0.15}
n=$(wc -w <<< "$seeds")
for backend in ort cpu; do
  f=$(for seed in $seeds; do
    node bin/sarwatch.js score "$out/$backend/det-$seed/at-$t.csv" "$out/$backend/val-$seed/labels.csv" --json
  done | node train/score-mean.mjs f1_fishing --each)
  echo "$backend: fishing F1 at conf $t, mean of $n scenes: $f"
done
