#!/usr/bin/env bash
# Trains the shipped default model, models/world-tiny, in two stages as the VideoCoCa paper does:
# image CoCa on single frames with appearance captions, then adaptation to 8-frame clips (full tuning,
# attentional pooler plus the temporal trend of per-frame pooled tokens). At most 20 minutes on two CPU cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/models/world-tiny}
work=${2:-$root/.vcp/train}
mkdir -p "$work"
"$root/vcp" model train --out "$work/image" --size tiny --stage image --steps 200 --batch-size 64 --lr 1e-3 --warmup 25 --seed 1
"$root/vcp" model train --out "$work/video" --init "$work/image" --stage video --tuning full --adaptation attentional-pooler \
  --temporal-embedding false --temporal-trend true --adaptation-lr-scale 1 \
  --steps 800 --batch-size 32 --lr 1e-3 --warmup 50 --seed 2 --checkpoint-every 200
rm -rf "$out" && mkdir -p "$out"
# The shipped folder holds what inference needs; the optimizer state stays in the work folder.
cp "$work/video/"{model.safetensors,config.json,tokenizer.json,labels.json} "$out/"
echo "model written to $out"
