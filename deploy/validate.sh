#!/usr/bin/env bash
# What can be checked of deploy/ on a machine without a Docker engine:
#   - every `dotnet publish` the Dockerfiles run, with their own arguments (read from the Dockerfiles), into a scratch
#     folder (the CUDA worker's only with --cuda: its packages are gigabytes and not on every feed);
#   - the compose file parses, and each build it names has its Dockerfile and target;
#   - the silo entrypoint: its shell syntax, the address it finds for this machine, a set address kept.
# Usage: deploy/validate.sh [--cuda]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cuda=0; [ "${1:-}" = --cuda ] && cuda=1
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
log() { printf '[validate] %s\n' "$*" >&2; }

cd "$root"
for dockerfile in deploy/Dockerfile deploy/Dockerfile.worker-cuda; do
  # Each publish line, continuation backslashes and '&&' chains cut away.
  grep -o 'dotnet publish [^&\\]*' "$dockerfile" | sed 's/[[:space:]]*$//' | while read -r command; do
    if [[ $command == *TorchBackend=cuda* && $cuda -eq 0 ]]; then log "skipped (use --cuda): $command"; continue; fi
    local_command=${command//-o \/out\//-o $out/}
    log "$dockerfile: $command"
    # shellcheck disable=SC2086
    $local_command >"$out/publish.log" 2>&1 || { tail -n 30 "$out/publish.log" >&2; log "FAILED: $command"; exit 1; }
  done
done
for host in migrator silo worker gateway; do
  [ -n "$(ls "$out/$host"/vcp-"$host".dll 2>/dev/null)" ] || { log "no vcp-$host.dll published"; exit 1; }
done
log "published: $(cd "$out" && du -sh migrator silo worker gateway | tr '\t\n' ': ')"

python3 - "$root" <<'PY'
import os, re, sys, yaml
root = sys.argv[1]
compose = yaml.safe_load(open(os.path.join(root, "deploy", "docker-compose.yml")))
for name, service in compose["services"].items():
    build = service.get("build")
    if not build:
        continue
    context = os.path.normpath(os.path.join(root, "deploy", build["context"]))
    dockerfile = os.path.join(context, build["dockerfile"])
    assert os.path.isfile(dockerfile), f"{name}: no {dockerfile}"
    if "target" in build:
        targets = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", open(dockerfile).read(), re.M | re.I)
        assert build["target"] in targets, f"{name}: target {build['target']} not in {targets}"
print("[validate] docker-compose.yml parses; its builds name existing Dockerfiles and targets", file=sys.stderr)
PY

sh -n deploy/silo-entrypoint.sh
# The entrypoint itself, with a stand-in dotnet that prints what it was given: this machine's own address, or the set one.
mkdir -p "$out/bin"
printf '#!/bin/sh\necho "$Orleans__AdvertisedIPAddress $*"\n' > "$out/bin/dotnet"
chmod +x "$out/bin/dotnet"
found=$(env -u Orleans__AdvertisedIPAddress PATH="$out/bin:$PATH" sh deploy/silo-entrypoint.sh --x)
[[ $found =~ ^[0-9a-f.:]+\ /app/vcp-silo.dll\ --x$ ]] || { log "silo-entrypoint.sh gave '$found'"; exit 1; }
kept=$(Orleans__AdvertisedIPAddress=10.1.2.3 PATH="$out/bin:$PATH" sh deploy/silo-entrypoint.sh)
[ "$kept" = "10.1.2.3 /app/vcp-silo.dll" ] || { log "silo-entrypoint.sh ignored a set address: '$kept'"; exit 1; }
log "silo-entrypoint.sh: syntax ok; advertises '${found%% *}' here, keeps a set address"
log "all checks passed (the images themselves were not built: no Docker engine here)"
