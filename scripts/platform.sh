#!/usr/bin/env bash
# Runs the whole platform on this machine: PostgreSQL and RabbitMQ (scripts/stack.sh), the migrator (once, before
# anything else), then an Orleans silo, a worker and the gateway as background processes with logs and pid files.
# Usage: platform.sh up|down|status|build
#   build   only builds the migrator and the hosts (when sources changed) and prints the folder they are in: for
#           `vcp bench campaign`, which starts hosts of its own on a database and virtual host of its own
#
# Settings (environment): VCP_HOME (state, default <repo>/.vcp), VCP_GATEWAY_PORT (default 5080),
# VCP_SILO_PORT / VCP_SILO_GATEWAY_PORT (Orleans, default 11111 / 30000), VCP_MODEL (worker's model folder,
# default <repo>/models/world-v2), VCP_TOKENIZER (CLIP's BPE file, for a model folder without tokenizer.json),
# VCP_BUILD_DIR (the hosts' build output, default $VCP_HOME/build), VCP_SILO_OPERATIONS_PORT / VCP_WORKER_OPERATIONS_PORT
# (the silo's and the worker's /metrics and /health, default 5081 / 5082), and those of scripts/stack.sh. Logs: $VCP_HOME/logs/<host>.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VCP_HOME=${VCP_HOME:-$root/.vcp}
gateway_port=${VCP_GATEWAY_PORT:-5080}
run_dir=$VCP_HOME/run
log_dir=$VCP_HOME/logs
build_dir=${VCP_BUILD_DIR:-$VCP_HOME/build}
hosts=(silo worker gateway)
mkdir -p "$run_dir" "$log_dir" "$build_dir"

log() { printf '[platform] %s\n' "$*" >&2; }

project_of() {
  case $1 in
    migrator) echo src/Migrator/Migrator.csproj ;; silo) echo src/Silo/Silo.csproj ;;
    worker) echo src/GpuWorkers/GpuWorkers.csproj ;; gateway) echo src/Gateway/Gateway.csproj ;;
  esac
}
dll_of() { echo "$build_dir/$1/vcp-$1.dll"; }

# Builds a host when any source under src/ is newer than its last build.
build() {
  local name=$1 out=$build_dir/$1
  if [ ! -f "$out/.stamp" ] || [ -n "$(find "$root/src" "$root/Directory.Packages.props" -newer "$out/.stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.sql' \) -print -quit)" ]; then
    log "building $name"
    dotnet build "$root/$(project_of "$name")" -c Release -o "$out" -nologo -v quiet -clp:ErrorsOnly >&2
    touch "$out/.stamp"
  fi
}

running() { [ -f "$run_dir/$1.pid" ] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

start_host() {
  local name=$1
  if running "$name"; then log "$name already running (pid $(cat "$run_dir/$name.pid"))"; return; fi
  # setsid: the host outlives this script and the terminal it was started from. exec: the pid recorded is the host's
  # own (not a subshell's that `down` would stop while the host, in its own session, ran on).
  # The silo and the worker are generic hosts: their /metrics and health answer on an operations port of their own.
  local operations=""
  case $name in
    silo) operations=${VCP_SILO_OPERATIONS_PORT:-5081} ;;
    worker) operations=${VCP_WORKER_OPERATIONS_PORT:-5082} ;;
  esac
  ( cd "$root" && { [ -z "$operations" ] || export Operations__Url="http://127.0.0.1:$operations"; } \
      && exec setsid nohup dotnet "$(dll_of "$name")" >>"$log_dir/$name.log" 2>&1 < /dev/null ) &
  echo $! > "$run_dir/$name.pid"
  log "$name started (pid $(cat "$run_dir/$name.pid")), log $log_dir/$name.log"
}

stop_host() {
  local name=$1
  running "$name" || { rm -f "$run_dir/$name.pid"; return 0; }
  local pid; pid=$(cat "$run_dir/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "$name did not stop in 10 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$run_dir/$name.pid"
  log "$name stopped"
}

wait_ready() {
  local url="http://127.0.0.1:$gateway_port/health/ready"
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then log "ready: http://127.0.0.1:$gateway_port"; return 0; fi
    for name in "${hosts[@]}"; do
      running "$name" || { log "$name exited; last lines of its log:"; tail -n 20 "$log_dir/$name.log" >&2; return 1; }
    done
    sleep 0.5
  done
  log "the gateway did not become ready in 2 minutes (see $log_dir)"; return 1
}

# The silo cuts frames at the worker's model input: size and resize mode come from the model folder's config.json
# (written by this project, one key per line), so an imported 224x224 open_clip model needs no extra setting.
ingest_settings_from_model() {
  local config=$1/config.json
  [ -f "$config" ] || { log "no model config at $config"; exit 1; }
  config_value() { grep -o "\"$1\": *[^,}]*" "$config" | head -n 1 | sed 's/.*: *//; s/"//g'; }
  export Ingest__FrameHeight=${Ingest__FrameHeight:-$(config_value image_height)}
  export Ingest__FrameWidth=${Ingest__FrameWidth:-$(config_value image_width)}
  case $(config_value resize) in
    stretch) export Ingest__Resize=${Ingest__Resize:-Stretch} ;;
    *) export Ingest__Resize=${Ingest__Resize:-Crop} ;;
  esac
  log "model $1: frames of ${Ingest__FrameWidth}x${Ingest__FrameHeight} ($Ingest__Resize)"
}

case ${1:-} in
  up)
    "$root/scripts/setup.sh" --stack
    command -v curl >/dev/null || { log "installing curl"; apt-get install -y -q curl >/dev/null; }
    "$root/scripts/stack.sh" start
    eval "$("$root/scripts/stack.sh" env)"
    export VCP_POSTGRES VCP_RABBITMQ
    for name in migrator "${hosts[@]}"; do build "$name"; done
    log "migrating"
    dotnet "$(dll_of migrator)" >>"$log_dir/migrator.log" 2>&1 || { log "migrator failed:"; tail -n 20 "$log_dir/migrator.log" >&2; exit 1; }
    export Gateway__Url="http://127.0.0.1:$gateway_port"
    export Orleans__SiloPort=${VCP_SILO_PORT:-11111} Orleans__GatewayPort=${VCP_SILO_GATEWAY_PORT:-30000}
    export Worker__ModelPath=${VCP_MODEL:-$root/models/world-v2}
    [ -z "${VCP_TOKENIZER:-}" ] || export Worker__TokenizerPath=$VCP_TOKENIZER
    ingest_settings_from_model "$Worker__ModelPath"
    for name in "${hosts[@]}"; do start_host "$name"; done
    wait_ready
    ;;
  down)
    for ((i = ${#hosts[@]} - 1; i >= 0; i--)); do stop_host "${hosts[$i]}"; done
    "$root/scripts/stack.sh" stop
    ;;
  build)
    for name in migrator "${hosts[@]}"; do build "$name"; done
    echo "$build_dir"
    ;;
  status)
    for name in "${hosts[@]}"; do
      if running "$name"; then echo "$name: running (pid $(cat "$run_dir/$name.pid"))"; else echo "$name: stopped"; fi
    done
    "$root/scripts/stack.sh" status || true
    ;;
  *) echo "usage: platform.sh up|down|status|build" >&2; exit 2 ;;
esac
