#!/usr/bin/env bash
# Stage 1 with and without copy-paste on every fold of a 3-fold split of SSDD's train.txt,
# then both scored on the images each fold held out, pooled (train/README.md, "Copy-paste").
#   train/kfold-copy-paste.sh        resumable: finished stages and records are skipped
# Stage 1 without copy-paste is the joint/harbour k-fold's own (train/runs/kfold3), so that run
# reuses it; with copy-paste it goes to train/runs/kfold3-cp. About 80 min a stage 1 on this
# project's two cores with nothing else running, so about 5 h 20 min for the four left after fold 0.
# CP_ARGS are the candidate's options (default "--copy-paste 0.5"; with rows, e.g.
# CP_ARGS="--copy-paste 0.5 --copy-paste-rows 0.5" KFOLD_CP=train/runs/kfold3-cprows).
# TRAIN_ARGS adds options to every training run, as in kfold.sh (e.g. on a lent GPU; then give both
# runs their own folders with KFOLD and KFOLD_CP, since a GPU draws another random stream).
set -euo pipefail
cd "$(dirname "$0")/.."
plain=$(realpath -m "${KFOLD:-train/runs/kfold3}") cp=$(realpath -m "${KFOLD_CP:-train/runs/kfold3-cp}")
train/kfold.sh 3 "$plain" ssdd
TRAIN_ARGS="${CP_ARGS:---copy-paste 0.5} ${TRAIN_ARGS:-}" train/kfold.sh 3 "$cp" ssdd
cd train
. ./record-once.sh
record_once "$cp/compare-oof-vs-stage1.txt" "${PYTHON:-/usr/bin/python3}" -m sarwatch_train.compare oof --score both \
  --folds 3 "ssdd=$plain/fold-{fold}/ssdd/best.pt" "copy_paste=$cp/fold-{fold}/ssdd/best.pt"
