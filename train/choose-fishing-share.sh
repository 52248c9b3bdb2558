#!/usr/bin/env bash
# The model's fishing share (ONNX metadata sarwatch_fishing_share; src/model/decode.ts,
# FishingSplit): the share that maximises the mean xView3 fishing F1 of the float model over
# synthetic validation scenes seeded 101-112 (SEEDS), at the model's operating threshold. Never
# the 9001+ seeds the model card reports on. The int8 program's figures are printed beside.
#   train/choose-fishing-share.sh MODEL.onnx OUT        (MODEL.swp beside it: the int8 program)
#   SCENES=DIR reuses scenes made earlier (DIR/val-<seed>, from `sarwatch synth`)
# Prints one row per share (the best class, then each of SHARES) and the chosen one; export
# again with --fishing-share BEST.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: train/choose-fishing-share.sh MODEL.onnx OUT}
out=${2:?usage: train/choose-fishing-share.sh MODEL.onnx OUT}
swp=${model%.onnx}.swp
[ -f "$swp" ] || { echo "choose-fishing-share: $swp: no int8 program beside $model (sarwatch compile)" >&2; exit 2; }
shares=${SHARES:-"0.1 0.15 0.2 0.25 0.3 0.35 0.4"}
seeds=${SEEDS:-$(seq -s ' ' 101 112)}
scenes=${SCENES:-$out/scenes}
mkdir -p "$out" "$scenes"
printf '%-6s %-12s %-12s %-12s %-12s\n' share fishing_ort fishing_cpu detect_ort detect_cpu | tee "$out/rows.txt"
for share in argmax $shares; do
  # Each backend's scenes detected (once; a rerun reuses them) and scored once.
  for backend in ort cpu; do
    file=$model; [ "$backend" = cpu ] && file=$swp
    det="$out/$backend-$share"
    for seed in $seeds; do
      [ -f "$scenes/val-$seed/labels.csv" ] || node bin/sarwatch.js synth --out "$scenes/val-$seed" --size 4000x3000 --seed "$seed" --json > /dev/null
      if [ ! -f "$det/det-$seed/detections.csv" ]; then
        opt=(--fishing-share "$share"); [ "$share" = argmax ] && opt=(--fishing-share 0)  # not the model's own share
        node bin/sarwatch.js detect "$scenes/val-$seed" --out "$det/det-$seed" --model "$file" --backend "$backend" \
          "${opt[@]}" --no-quicklook --json > /dev/null
      fi
      node bin/sarwatch.js score "$det/det-$seed/detections.csv" "$scenes/val-$seed/labels.csv" --json
    done > "$det.scores"
  done
  row="$share"
  for field in f1_fishing f1_detection; do
    for backend in ort cpu; do row="$row $(node train/score-mean.mjs "$field" < "$out/$backend-$share.scores")"; done
  done
  printf '%-6s %-12s %-12s %-12s %-12s\n' $row | tee -a "$out/rows.txt"
done
# Best float fishing F1; among equals, the share nearest 0.5 (the least change from the best class).
awk 'NR > 1 && $1 != "argmax" { d = ($1 > 0.5 ? $1 - 0.5 : 0.5 - $1)
       if (best == "" || $2 > bestf || ($2 == bestf && d < bestd)) { best = $1; bestf = $2; bestd = d } }
     END { print "BEST: share " best " (float fishing F1 " bestf ")" }' "$out/rows.txt"
