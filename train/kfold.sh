#!/usr/bin/env bash
# k-fold hold-out over SSDD's train.txt, to choose between adaptation candidates with
# every training image as validation (out of fold) instead of one tenth of them.
#   train/kfold.sh K OUT STAGE [STAGE ...]      e.g. train/kfold.sh 3 train/runs/kfold3 joint harbour
#   train/kfold.sh K OUT ssdd                   stage 1 alone in every fold
# Fold i trains stage `ssdd` without the ids at positions i, i+K, i+2K ... of train.txt,
# then each candidate stage from that checkpoint (one --out per fold, so `ssdd` runs
# once per fold), and `compare oof` scores every candidate, and stage 1, on the images
# its own fold held out, pooled over folds, with paired bootstrap intervals.
# Each fold, once done, also gets its own `compare val` in OUT/fold-i/compare-val.txt (a record;
# compare-val-ssdd.txt for stage 1 alone, so that a later run with candidates still writes its own).
# Stage-1 variants (TRAIN_ARGS, e.g. "--copy-paste 0.5") run as `ssdd` into their own OUT and are
# compared with `compare oof` naming both OUTs (train/README.md, "Copy-paste").
# Both compares use `--score both`: each model is also scored by its vessel kinds' own score
# (rows NAME:vessel), to measure how many held-out ships the synthetic non_vessel class takes
# (one forward pass for both rules; the decision rows are the plain NAME ones).
# Resumable: run it again and finished stages are skipped. Never reads test.txt.
# TRAIN_ARGS adds options to every training run, e.g. TRAIN_ARGS="--device cuda --workers 4"
# where a GPU is lent (another random stream than the CPU's: give it its own OUT).
# Time: K x (stage 1 + the candidates) on (K-1)/K of the images. Measured on this
# project's 2-core CPU for K=3 (fold 0, 2026-11-22): stage 1 about 1 h 45 min, `joint`
# 51 min, `harbour` 44 min; `distil` about an eighth more than `joint` per epoch (the
# teacher's forward pass; 321 s against 280-290 s): about 4 h 20 min a fold, 13 h for K=3.
# That was the Xeon VM; on the AMD EPYC VM of 2026-11-24 fold 0's stage 1 took 24.5 min and
# `joint` 12 min of epochs (about 2.8 times faster).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: train/kfold.sh K OUT STAGE [STAGE ...]" >&2
  exit 2
fi
k=$1 out=$(realpath -m "$2")
shift 2
cd "$(dirname "$0")"
py=${PYTHON:-/usr/bin/python3}
. ./record-once.sh
specs=("ssdd=$out/fold-{fold}/ssdd/best.pt")
record=compare-val.txt
if [ "$*" = ssdd ]; then
  record=compare-val-ssdd.txt
else
  for stage in "$@"; do specs+=("$stage=$out/fold-{fold}/$stage/best.pt"); done
fi
for ((i = 0; i < k; i++)); do
  for stage in "$@"; do
    stages="ssdd,$stage"
    [ "$stage" = ssdd ] && stages=ssdd
    echo "fold $i of $k: $stages" >&2
    # --no-crop-first: the augmentation the k-fold runs started with (before 2026-11-23), so that a
    # resumed run stays on one random stream.
    # shellcheck disable=SC2086 # TRAIN_ARGS is split into options on purpose
    "$py" -m sarwatch_train.train --folds "$k" --fold "$i" --out "$out/fold-$i" --stages "$stages" --no-crop-first ${TRAIN_ARGS:-}
  done
  # Each fold's own figures as soon as it is done (a record, not a decision: the rules pool
  # all folds), so that a tree lost before the end still leaves the folds finished in the log.
  mkdir -p "$out/fold-$i"
  record_once "$out/fold-$i/$record" \
    "$py" -m sarwatch_train.compare val --score both --folds "$k" --fold "$i" "${specs[@]//\{fold\}/$i}"
done
record_once "$out/${record/val/oof}" "$py" -m sarwatch_train.compare oof --score both --folds "$k" "${specs[@]}"
