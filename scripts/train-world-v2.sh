#!/usr/bin/env bash
# Trains models/world-v2 on the second shapes world (shared/world-v2.md) in two stages, as models/world-tiny is
# trained: image CoCa on single frames (appearance captions, questions that need no motion), then adaptation to
# 4-frame clips (attentional pooler plus the temporal trend of per-frame pooled tokens). The stem sees shape and colour
# apart, and the decoder reads noisy attribute words, so that combinations training never shows are described by their
# parts (docs/model.md, "The second world"). STEM=rgb and WORD_NOISE=0 give the ablations' runs.
# Usage: train-world-v2.sh [OUT_DIR] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/models/world-v2}
work=${2:-$root/.vcp/train-v2}
mkdir -p "$work"

# A stage that dies (libtorch has, rarely, failed in the middle of a long run: docs/model.md) is run again with the
# same options and resumes from its last checkpoint, at most twice.
train() {
  local attempt
  for attempt in 1 2 3; do
    if "$root/vcp" model train "$@"; then return 0; fi
    echo "train-world-v2: attempt $attempt failed; resuming from the last checkpoint" >&2
  done
  return 1
}

train --world 2 --out "$work/image" --size tiny-2 --stem ${STEM:-value-colour} --stage image --steps ${IMAGE_STEPS:-1200} --batch-size 64 \
  --lr 1e-3 --warmup 50 --seed 1 --questions-per-clip 3 --word-noise ${WORD_NOISE:-0.3} --checkpoint-every 200
train --world 2 --out "$work/video" --init "$work/image" --stage video --tuning full --adaptation attentional-pooler \
  --temporal-embedding false --temporal-trend true --adaptation-lr-scale 1 \
  --steps ${VIDEO_STEPS:-3000} --batch-size 32 --lr 1e-3 --warmup 50 --seed 2 --questions-per-clip 3 --word-noise ${WORD_NOISE:-0.3} --checkpoint-every 200
rm -rf "$out" && mkdir -p "$out"
# The shipped folder holds what inference needs; the optimizer state stays in the work folder.
cp "$work/video/"{model.safetensors,config.json,tokenizer.json,labels.json} "$out/"
echo "model written to $out"
