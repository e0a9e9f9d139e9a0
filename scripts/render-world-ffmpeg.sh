#!/usr/bin/env bash
# Renders a labelled shapes-world set with ffmpeg's own filters (color sources, geq masks, overlay with a moving
# position), none of the project's code: a model that passes on it has learnt the world, not our renderer.
#
# Usage: render-world-ffmpeg.sh [--edition 2] [--withheld] [--mixed] OUT_DIR COUNT SEED [WIDTH HEIGHT DURATION]
#   Edition 1 (the default, shared/world.md): one square a clip; labels.jsonl as it has always been.
#   --edition 2   the second edition (shared/world-v2.md): one or two squares, circles or triangles a clip;
#                 labels.jsonl with objects, actions and questions, and queries.jsonl.
#   --mixed       (edition 2) every clip draws its own frame size and length; WIDTH HEIGHT DURATION are ignored.
#   --withheld    (edition 2) every clip shows a combination no training set shows; without it, none does.
# Files are ff000.mp4, ff001.mp4, ...; the same SEED gives the same set.
set -euo pipefail

usage='usage: render-world-ffmpeg.sh [--edition 2] [--withheld] [--mixed] OUT_DIR COUNT SEED [WIDTH HEIGHT DURATION]'
die() { echo "render-world-ffmpeg.sh: $*" >&2; exit 2; }

edition=1; withheld=0; mixed=0
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --edition) [ $# -ge 2 ] || die "--edition needs a value"; edition=$2; shift 2 ;;
    --edition=*) edition=${1#--edition=}; shift ;;
    --withheld) withheld=1; shift ;;
    --mixed) mixed=1; shift ;;
    --) shift; positional+=("$@"); break ;;
    -h|--help) echo "$usage"; exit 0 ;;
    --*) die "unknown option '$1'; $usage" ;;
    *) positional+=("$1"); shift ;;
  esac
done
set -- "${positional[@]}"
case $edition in 1|2) ;; *) die "unknown edition '$edition' (1 or 2)" ;; esac
if [ "$edition" = 1 ] && { [ "$withheld" = 1 ] || [ "$mixed" = 1 ]; }; then die "--withheld and --mixed need --edition 2"; fi

out=${1:?$usage}
count=${2:?count}
seed=${3:?seed}
width=${4:-320}
height=${5:-240}
duration=${6:-4}
mkdir -p "$out"
RANDOM=$seed
sizes=(small large); colors=(red green blue yellow white); backgrounds=(black gray); motions=(left right up down still)
shapes=(square circle triangle)
declare -A hex=([red]=0xFF0000 [green]=0x00FF00 [blue]=0x0000FF [yellow]=0xFFFF00 [white]=0xFFFFFF [black]=0x000000 [gray]=0x404040)

# A uniform integer in [0, $1), left in $rnd. It must run in this shell, never in $(...): bash reseeds RANDOM from the
# clock in every subshell, so a draw made in a command substitution would not follow SEED.
rand_below() { rnd=$(( (RANDOM * 32768 + RANDOM) % $1 )); }

# A start coordinate, left in $rnd, that keeps a box of travel $2 (signed) inside $1 free pixels for the whole clip.
start_in() {
  local free=$1 travel=$2
  if [ "$travel" -ge 0 ]; then rand_below $((free - travel + 1)); else rand_below $((free + travel + 1)); rnd=$((rnd - travel)); fi
}

# ---------------------------------------------------------------------------------------------------------------
# Edition 1: one square, labels with colour, size, motion and action.
# ---------------------------------------------------------------------------------------------------------------
render_edition1() {
  local i size color background motion side free_x free_y travel_x travel_y dx dy x0 y0 file caption action
  : > "$out/labels.jsonl"
  for ((i = 0; i < count; i++)); do
    rand_below 2; size=${sizes[$rnd]}; rand_below 5; color=${colors[$rnd]}
    rand_below 2; background=${backgrounds[$rnd]}; rand_below 5; motion=${motions[$rnd]}
    if [ "$size" = small ]; then side=$((height / 8)); else side=$((height / 4)); fi
    free_x=$((width - side)); free_y=$((height - side))
    travel_x=$((free_x / 2)); travel_y=$((free_y / 2))
    dx=0; dy=0
    case $motion in
      left) dx=-$travel_x ;; right) dx=$travel_x ;; up) dy=-$travel_y ;; down) dy=$travel_y ;;
    esac
    start_in "$free_x" "$dx"; x0=$rnd
    start_in "$free_y" "$dy"; y0=$rnd
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
}

# ---------------------------------------------------------------------------------------------------------------
# Edition 2: one or two objects of three shapes; rules as in src/VideoCoca/World/EditionTwo (world-v2.md).
# ---------------------------------------------------------------------------------------------------------------

# The clip being drawn: frame size, length (in tenths of a second, so bash can count it), background and objects.
# Object k: shape, color, size, motion, side, travel (dx, dy) and first-frame top-left corner (x0, y0).
clip_w=0; clip_h=0; clip_tenths=0; background=
n_objects=0
o_shape=(); o_color=(); o_size=(); o_motion=(); o_side=(); o_dx=(); o_dy=(); o_x0=(); o_y0=()

# Seconds as a JSON number written the way the C# generator writes them: 4, 2.5, 2.2.
seconds_of_tenths() { if (($1 % 10 == 0)); then echo $(($1 / 10)); else echo "$(($1 / 10)).$(($1 % 10))"; fi; }

# A decimal DURATION argument as tenths of a second (the fixed-size sets take it from the command line).
tenths_of() {
  [[ $1 =~ ^([0-9]+)(\.([0-9]))?0*$ ]] || die "DURATION '$1' must be seconds with at most one decimal (e.g. 4 or 2.5)"
  echo $((10#${BASH_REMATCH[1]} * 10 + 10#${BASH_REMATCH[3]:-0}))
}

# Even numbers: nearest to $1/$2 times 2, i.e. a width from a height and an aspect ratio, rounded to even
# (libx264 with yuv420p needs even sides).
even_round() { echo $(( 2 * (($1 + $2) / (2 * $2)) )); }

# --mixed: this clip's frame size and length. Mostly 4:3, some 16:9, some portrait 3:4; heights 96 to 480 (even),
# landscape widths at most 640, the short side at least 96 and the long side at least 128 (world-v2.md's smallest
# frame). The first two clips are the extremes, 128x96 and 640x480, so every mixed set has both.
# Lengths 2 to 8 s in steps of 0.2 s: whole frames at 25 fps (5 frames a step).
pick_mixed_geometry() {
  local index=$1 kind h
  rand_below 31; clip_tenths=$((20 + 2 * rnd))
  if [ "$index" = 0 ]; then clip_w=128; clip_h=96; return; fi
  if [ "$index" = 1 ]; then clip_w=640; clip_h=480; return; fi
  rand_below 10; kind=$rnd
  if ((kind < 6)); then        # 4:3, 128x96 to 640x480
    rand_below 193; h=$((96 + 2 * rnd)); clip_h=$h; clip_w=$(even_round $((h * 4)) 3)
  elif ((kind < 8)); then      # 16:9, heights up to 360 so the width stays within 640
    rand_below 133; h=$((96 + 2 * rnd)); clip_h=$h; clip_w=$(even_round $((h * 16)) 9)
  else                         # portrait 3:4, 96x128 to 360x480
    rand_below 177; h=$((128 + 2 * rnd)); clip_h=$h; clip_w=$(even_round $((h * 3)) 4)
  fi
}

# Whether object k, on this clip's background, is one of the combinations no training set shows (world-v2.md): a green
# triangle, a blue circle moving up, a large white circle on gray.
is_withheld() {
  local k=$1
  [ "${o_shape[k]}/${o_color[k]}" = triangle/green ] && return 0
  [ "${o_shape[k]}/${o_color[k]}/${o_motion[k]}" = circle/blue/up ] && return 0
  [ "${o_shape[k]}/${o_color[k]}/${o_size[k]}/$background" = circle/white/large/gray ] && return 0
  return 1
}

# Start positions for the drawn objects, up to 20 tries (the C# generator's count): every box inside the frame for the
# whole clip and, for two objects, the boxes' centres at least a large side (H/3) apart horizontally in the first frame.
# The leftmost box becomes object 0: it is captioned first and drawn first. Fails when no try fits.
place_objects() {
  local attempt k free_x free_y travel_x travel_y large=$((clip_h / 3)) gap
  for ((k = 0; k < n_objects; k++)); do
    if [ "${o_size[k]}" = small ]; then o_side[k]=$((clip_h / 5)); else o_side[k]=$large; fi
    free_x=$((clip_w - o_side[k])); free_y=$((clip_h - o_side[k]))
    travel_x=$((free_x / 2)); travel_y=$((free_y / 2))
    o_dx[k]=0; o_dy[k]=0
    case ${o_motion[k]} in
      left) o_dx[k]=-$travel_x ;; right) o_dx[k]=$travel_x ;; up) o_dy[k]=-$travel_y ;; down) o_dy[k]=$travel_y ;;
    esac
  done
  for ((attempt = 0; attempt < 20; attempt++)); do
    for ((k = 0; k < n_objects; k++)); do
      start_in $((clip_w - o_side[k])) "${o_dx[k]}"; o_x0[k]=$rnd
      start_in $((clip_h - o_side[k])) "${o_dy[k]}"; o_y0[k]=$rnd
    done
    if ((n_objects == 2)); then
      # Twice the centres' distance, to stay in integers: |(2*x0a + sa) - (2*x0b + sb)| >= 2 * large.
      gap=$(( (2 * o_x0[0] + o_side[0]) - (2 * o_x0[1] + o_side[1]) ))
      ((gap < 0)) && gap=$((-gap))
      ((gap < 2 * large)) && continue
      ((o_x0[1] < o_x0[0])) && swap_objects
    fi
    return 0
  done
  return 1
}

swap_objects() {
  local name tmp
  for name in o_shape o_color o_size o_motion o_side o_dx o_dy o_x0 o_y0; do
    local -n arr=$name
    tmp=${arr[0]}; arr[0]=${arr[1]}; arr[1]=$tmp
    unset -n arr
  done
}

# A random scene by rejection, as the C# generator draws one: background, one or two objects (50/50) of random
# attributes; redrawn when two objects share both shape and colour, when the scene shows a withheld combination and
# this set is not the withheld one (or shows none and it is), or when no placement fits.
draw_scene() {
  local attempt k shows_withheld
  for ((attempt = 0; attempt < 10000; attempt++)); do
    rand_below 2; background=${backgrounds[$rnd]}
    rand_below 2; n_objects=$((1 + rnd))
    o_shape=(); o_color=(); o_size=(); o_motion=(); o_side=(); o_dx=(); o_dy=(); o_x0=(); o_y0=()
    for ((k = 0; k < n_objects; k++)); do
      rand_below 3; o_shape[k]=${shapes[$rnd]}
      rand_below 5; o_color[k]=${colors[$rnd]}
      rand_below 2; o_size[k]=${sizes[$rnd]}
      rand_below 5; o_motion[k]=${motions[$rnd]}
    done
    if ((n_objects == 2)) && [ "${o_shape[0]}" = "${o_shape[1]}" ] && [ "${o_color[0]}" = "${o_color[1]}" ]; then continue; fi
    shows_withheld=0
    for ((k = 0; k < n_objects; k++)); do is_withheld "$k" && shows_withheld=1; done
    ((shows_withheld != withheld)) && continue
    place_objects && return 0
  done
  die "no scene fits a ${clip_w}x${clip_h} frame"
}

# The alpha of an s x s mask pixel (X, Y) for a shape, as a geq expression: 255 inside, 0 outside. A pixel is inside
# when its centre (X+0.5, Y+0.5) is inside the shape, the C# renderer's rule.
mask_expression() {
  local shape=$1 s=$2
  case $shape in
    circle) echo "if(lte((X+0.5-$s/2)*(X+0.5-$s/2)+(Y+0.5-$s/2)*(Y+0.5-$s/2),$s*$s/4),255,0)" ;;
    # Apex at the middle of the top edge, base along the bottom edge: the half-width at depth d is d/2.
    triangle) echo "if(lte(abs(X+0.5-$s/2),(Y+0.5)/2),255,0)" ;;
    *) echo 255 ;;
  esac
}

# Encodes the current scene to $1. The background is a color source as long as the clip; each object is one frame of
# a color source with its shape cut out by geq's alpha (computed once, so cheap), which overlay repeats over the whole
# clip (eof_action=repeat) at a position linear in time, rounded to whole pixels. The sources live inside the filter
# graph, not as -f lavfi inputs: an input stream of odd size comes out one pixel short (57x57 drew 56x56). Overlays run
# in yuv444 so odd positions stay odd (yuv420 would snap them to even); the result is converted to yuv420p for H.264.
render_scene() {
  local file=$1 k graph last="[bg]" secs
  secs=$(seconds_of_tenths "$clip_tenths")
  graph="color=c=${hex[$background]}:s=${clip_w}x${clip_h}:r=25:d=${secs}[bg];"
  for ((k = 0; k < n_objects; k++)); do
    graph+="color=c=${hex[${o_color[k]}]}:s=${o_side[k]}x${o_side[k]}:r=25:d=0.04,format=gbrap"
    graph+=",geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='$(mask_expression "${o_shape[k]}" "${o_side[k]}")'[shape$k];"
    graph+="${last}[shape$k]overlay=format=yuv444:eof_action=repeat"
    graph+=":x='floor(${o_x0[k]}+(${o_dx[k]})*t/${secs}+0.5)':y='floor(${o_y0[k]}+(${o_dy[k]})*t/${secs}+0.5)'[over$k];"
    last="[over$k]"
  done
  graph+="${last}format=yuv420p"
  ffmpeg -nostdin -loglevel error -y -filter_complex_threads 1 -filter_complex "$graph" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -threads 1 "$file"
}

# Appends a question and its answer to label_line's qa (bash's dynamic scope lets it reach that local array).
qa_add() { qa+=("{\"question\": \"$1\", \"answer\": \"$2\"}"); }

# labels.jsonl's line for the current scene (field order as world-v2.md and the C# writer give it).
label_line() {
  local file=$1 k j shape having answer shared phrases=() objects=() actions=() qa=() action wanted
  for ((k = 0; k < n_objects; k++)); do
    if [ "${o_motion[k]}" = still ]; then phrases+=("a ${o_size[k]} ${o_color[k]} ${o_shape[k]} stays still")
    else phrases+=("a ${o_size[k]} ${o_color[k]} ${o_shape[k]} moves ${o_motion[k]}"); fi
    objects+=("{\"shape\": \"${o_shape[k]}\", \"color\": \"${o_color[k]}\", \"size\": \"${o_size[k]}\", \"motion\": \"${o_motion[k]}\"}")
  done
  # Distinct actions, in the canonical order of the five.
  for wanted in left right up down still; do
    for ((k = 0; k < n_objects; k++)); do
      if [ "${o_motion[k]}" = "$wanted" ]; then
        if [ "$wanted" = still ]; then action="staying still"; else action="moving $wanted"; fi
        actions+=("\"$action\""); break
      fi
    done
  done
  if ((n_objects == 1)); then qa_add "how many shapes are there?" one; else qa_add "how many shapes are there?" two; fi
  # The colour of each shape exactly one object has, "none" for a shape no object has; not asked when both have it.
  for shape in "${shapes[@]}"; do
    having=0; answer=none
    for ((k = 0; k < n_objects; k++)); do
      if [ "${o_shape[k]}" = "$shape" ]; then having=$((having + 1)); answer=${o_color[k]}; fi
    done
    ((having < 2)) && qa_add "what color is the $shape?" "$answer"
  done
  # The shape of each colour exactly one object has.
  for ((k = 0; k < n_objects; k++)); do
    shared=0
    for ((j = 0; j < n_objects; j++)); do
      ((j != k)) && [ "${o_color[j]}" = "${o_color[k]}" ] && shared=1
    done
    ((shared == 0)) && qa_add "what shape is the ${o_color[k]} one?" "${o_shape[k]}"
  done
  for ((k = 0; k < n_objects; k++)); do
    if [ "${o_motion[k]}" = still ]; then answer=nowhere; else answer=${o_motion[k]}; fi
    qa_add "which way is the ${o_color[k]} ${o_shape[k]} moving?" "$answer"
  done
  for ((k = 0; k < n_objects; k++)); do qa_add "how big is the ${o_color[k]} ${o_shape[k]}?" "${o_size[k]}"; done
  printf '{"file": "%s", "caption": "%s", "objects": [%s], "actions": [%s], "qa": [%s], "background": "%s", "width": %d, "height": %d, "seconds": %s}\n' \
    "$file" "$(join_by ' and ' "${phrases[@]}")" "$(join_by ', ' "${objects[@]}")" "$(join_by ', ' "${actions[@]}")" \
    "$(join_by ', ' "${qa[@]}")" "$background" "$clip_w" "$clip_h" "$(seconds_of_tenths "$clip_tenths")"
}

join_by() { local sep=$1 first=1 item; shift; for item in "$@"; do ((first)) || printf '%s' "$sep"; printf '%s' "$item"; first=0; done; }

# What queries.jsonl needs of a clip: every query text it matches, as "|text|text|...|".
query_keys() {
  local k keys="|"
  for ((k = 0; k < n_objects; k++)); do
    keys+="a ${o_color[k]} ${o_shape[k]}|a ${o_size[k]} ${o_color[k]} ${o_shape[k]}|"
    if [ "${o_motion[k]}" = still ]; then keys+="a ${o_shape[k]} staying still|"; else keys+="a ${o_shape[k]} moving ${o_motion[k]}|"; fi
  done
  if ((n_objects == 1)); then keys+="one shape|"; else keys+="two shapes|"; fi
  echo "$keys"
}

# queries.jsonl: each query of world-v2.md's forms, in the C# generator's order, with the files (in set order) that
# match it; queries no clip matches are left out.
write_queries() {
  local -n files_ref=$1 keys_ref=$2
  local queries=() color shape size motion query i matched
  for color in "${colors[@]}"; do for shape in "${shapes[@]}"; do queries+=("a $color $shape"); done; done
  for size in "${sizes[@]}"; do for color in "${colors[@]}"; do for shape in "${shapes[@]}"; do
    queries+=("a $size $color $shape")
  done; done; done
  for shape in "${shapes[@]}"; do
    for motion in left right up down; do queries+=("a $shape moving $motion"); done
    queries+=("a $shape staying still")
  done
  queries+=("one shape" "two shapes")
  : > "$out/queries.jsonl"
  for query in "${queries[@]}"; do
    matched=()
    for ((i = 0; i < ${#files_ref[@]}; i++)); do
      [[ ${keys_ref[i]} == *"|$query|"* ]] && matched+=("\"${files_ref[i]}\"")
    done
    ((${#matched[@]} > 0)) && printf '{"query": "%s", "files": [%s]}\n' "$query" "$(join_by ', ' "${matched[@]}")" >> "$out/queries.jsonl"
  done
  return 0
}

render_edition2() {
  local i file fixed_tenths=0 set_files=() set_keys=()
  if [ "$mixed" = 0 ]; then
    # The C# generator's limits: frames at least 128x96 (or 96x128); even sides for H.264 in yuv420p.
    if ((width < 96 || height < 96 || (width < 128 && height < 128))); then die "the second edition's frames are at least 128x96 (or 96x128)"; fi
    if ((width % 2 || height % 2)); then die "WIDTH and HEIGHT must be even (H.264 in yuv420p)"; fi
    fixed_tenths=$(tenths_of "$duration")
    ((fixed_tenths > 0)) || die "DURATION must be positive"
  fi
  : > "$out/labels.jsonl"
  for ((i = 0; i < count; i++)); do
    if [ "$mixed" = 1 ]; then pick_mixed_geometry "$i"; else clip_w=$width; clip_h=$height; clip_tenths=$fixed_tenths; fi
    draw_scene
    printf -v file 'ff%03d.mp4' "$i"
    render_scene "$out/$file"
    label_line "$file" >> "$out/labels.jsonl"
    set_files+=("$file"); set_keys+=("$(query_keys)")
  done
  write_queries set_files set_keys
}

if [ "$edition" = 1 ]; then render_edition1; else render_edition2; fi
echo "wrote $count clips to $out"
