#!/usr/bin/env bash
# The one-stage `mix` against `ssdd,joint` on folds of a 3-fold split of SSDD's train.txt, scored
# on the images those folds held out, pooled over them only (train/README.md, "One mixed stage").
#   train/kfold-mix.sh [FOLD ...]     default: 1 2, the replication of fold 0's result
# Resumable: finished stages and records are skipped. `ssdd,joint` is the k-fold's own run
# (train/runs/kfold3, trained as kfold.sh trains it); `mix` trains from scratch into
# train/runs/kfold3-mix/fold-I. On the AMD EPYC VM of 2026-11-24: about 80 min a fold
# (`ssdd` 25, `joint` 12, `mix` 42 min of epochs); on the earlier Xeon VM about 2.8 times that.
# TRAIN_ARGS adds options to every training run, as in kfold.sh.
set -euo pipefail
cd "$(dirname "$0")"
py=${PYTHON:-/usr/bin/python3}
plain=$(realpath -m "${KFOLD:-runs/kfold3}") mix=$(realpath -m "${KFOLD_MIX:-runs/kfold3-mix}")
folds=("$@")
[ ${#folds[@]} -gt 0 ] || folds=(1 2)
. ./record-once.sh
for i in "${folds[@]}"; do
  echo "fold $i of 3: ssdd,joint, then mix" >&2
  # shellcheck disable=SC2086 # TRAIN_ARGS is split into options on purpose
  "$py" -m sarwatch_train.train --folds 3 --fold "$i" --out "$plain/fold-$i" --stages ssdd,joint --no-crop-first ${TRAIN_ARGS:-}
  # shellcheck disable=SC2086
  "$py" -m sarwatch_train.train --folds 3 --fold "$i" --out "$mix/fold-$i" --stages mix --epochs 85 --no-crop-first ${TRAIN_ARGS:-}
  mkdir -p "$mix/fold-$i"
  record_once "$mix/fold-$i/compare-val-vs-joint.txt" "$py" -m sarwatch_train.compare val --score both --folds 3 --fold "$i" \
    "ssdd=$plain/fold-$i/ssdd/best.pt" "joint=$plain/fold-$i/joint/best.pt" "mix=$mix/fold-$i/mix/best.pt"
done
pool=$(IFS=,; echo "${folds[*]}")
record_once "$mix/compare-oof-folds-${pool//,/-}.txt" "$py" -m sarwatch_train.compare oof --score both --folds 3 --pool "$pool" \
  "joint=$plain/fold-{fold}/joint/best.pt" "mix=$mix/fold-{fold}/mix/best.pt"
