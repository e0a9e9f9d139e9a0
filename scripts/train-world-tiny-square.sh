#!/usr/bin/env bash
# Trains models/world-tiny-square, the platform's second model version: the recipe of models/world-tiny
# (scripts/train-world-tiny.sh) on 64x64 frames stretched from the world's 4:3 videos, with other seeds and fewer
# steps. Its input size differs from the shipped model's, so switching versions makes the platform extract frames
# again from the stored original videos; its weights differ, so the two versions' results differ in places.
# On 2026-11-30, with the machine's 2 cores shared at a load average of 15-35, stage one took 13 min 40 s and stage
# two 27 min 35 s of wall time, stage two using 626 CPU-seconds (user + sys): about 6 minutes for both on two idle cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/models/world-tiny-square}
work=${2:-$root/.vcp/train-square}
mkdir -p "$work"
"$root/vcp" model train --out "$work/image" --size tiny --image-size 64x64 --stage image --steps 150 --batch-size 64 --lr 1e-3 --warmup 25 --seed 3
"$root/vcp" model train --out "$work/video" --init "$work/image" --stage video --tuning full --adaptation attentional-pooler \
  --temporal-embedding false --temporal-trend true --adaptation-lr-scale 1 \
  --steps 320 --batch-size 32 --lr 1e-3 --warmup 30 --seed 4 --checkpoint-every 80
rm -rf "$out" && mkdir -p "$out"
# The shipped folder holds what inference needs; the optimizer state stays in the work folder.
cp "$work/video/"{model.safetensors,config.json,tokenizer.json,labels.json} "$out/"
echo "model written to $out"
