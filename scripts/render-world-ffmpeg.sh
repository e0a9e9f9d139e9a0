#!/usr/bin/env bash
# Renders a labelled shapes-world set with ffmpeg's own filters (color sources, overlay with a moving
# position), none of the project's code: a model that passes on it has learnt the world, not our renderer.
# Usage: render-world-ffmpeg.sh OUT_DIR COUNT SEED [WIDTH HEIGHT DURATION]
set -euo pipefail
out=${1:?usage: render-world-ffmpeg.sh OUT_DIR COUNT SEED [WIDTH HEIGHT DURATION]}
count=${2:?count}
seed=${3:?seed}
width=${4:-320}
height=${5:-240}
duration=${6:-4}
mkdir -p "$out"
RANDOM=$seed
sizes=(small large); colors=(red green blue yellow white); backgrounds=(black gray); motions=(left right up down still)
declare -A hex=([red]=0xFF0000 [green]=0x00FF00 [blue]=0x0000FF [yellow]=0xFFFF00 [white]=0xFFFFFF [black]=0x000000 [gray]=0x404040)
rand_below() { echo $(( (RANDOM * 32768 + RANDOM) % $1 )); }
: > "$out/labels.jsonl"
for ((i = 0; i < count; i++)); do
  size=${sizes[$(rand_below 2)]}; color=${colors[$(rand_below 5)]}
  background=${backgrounds[$(rand_below 2)]}; motion=${motions[$(rand_below 5)]}
  if [ "$size" = small ]; then side=$((height / 8)); else side=$((height / 4)); fi
  free_x=$((width - side)); free_y=$((height - side))
  travel_x=$((free_x / 2)); travel_y=$((free_y / 2))
  dx=0; dy=0
  case $motion in
    left) dx=-$travel_x ;; right) dx=$travel_x ;; up) dy=-$travel_y ;; down) dy=$travel_y ;;
  esac
  # A start that keeps the whole path inside the frame.
  if [ "$dx" -ge 0 ]; then x0=$(rand_below $((free_x - dx + 1))); else x0=$(( -dx + $(rand_below $((free_x + dx + 1))) )); fi
  if [ "$dy" -ge 0 ]; then y0=$(rand_below $((free_y - dy + 1))); else y0=$(( -dy + $(rand_below $((free_y + dy + 1))) )); fi
  file=$(printf 'ff%03d.mp4' "$i")
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i "color=c=${hex[$background]}:s=${width}x${height}:r=25:d=${duration}" \
    -f lavfi -i "color=c=${hex[$color]}:s=${side}x${side}:r=25:d=${duration}" \
    -filter_complex "[0:v][1:v]overlay=x='${x0}+(${dx})*t/${duration}':y='${y0}+(${dy})*t/${duration}':shortest=1,format=yuv420p" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p "$out/$file"
  if [ "$motion" = still ]; then caption="a $size $color square stays still"; action="staying still"
  else caption="a $size $color square moves $motion"; action="moving $motion"; fi
  printf '{"file": "%s", "caption": "%s", "color": "%s", "size": "%s", "motion": "%s", "action": "%s"}\n' \
    "$file" "$caption" "$color" "$size" "$motion" "$action" >> "$out/labels.jsonl"
done
echo "wrote $count clips to $out"
