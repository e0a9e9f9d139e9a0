#!/usr/bin/env bash
# Installs what the platform needs on this machine, idempotently: a libstdc++ new enough for
# TorchSharp's native library, ffmpeg, and (with --stack) PostgreSQL and RabbitMQ.
# A second run finds everything in place and changes nothing.
set -euo pipefail

want_stack=0
for arg in "$@"; do
  case "$arg" in
    --stack) want_stack=1 ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to run: $*"; exit 1
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -q >/dev/null
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

libstdcxx_path() {
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}'
}

has_glibcxx_3_4_32() {
  local lib; lib=$(libstdcxx_path)
  [ -n "$lib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$lib"
}

ensure_libstdcxx() {
  if has_glibcxx_3_4_32; then return; fi
  # shellcheck disable=SC1091
  . /etc/os-release
  if [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
    # Debian 12 ships GCC 12's libstdc++; TorchSharp's libtorch needs GCC 13's symbols (GLIBCXX_3.4.32).
    # Debian 13's libstdc++6 (with its libc6) is taken from a source pinned low, so nothing else moves.
    log "installing libstdc++6 from Debian 13 (TorchSharp needs GLIBCXX_3.4.32)"
    as_root tee /etc/apt/sources.list.d/vcp-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    as_root tee /etc/apt/preferences.d/vcp-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    apt_updated=0
    apt_install -t trixie libstdc++6
  else
    log "libstdc++ lacks GLIBCXX_3.4.32 and this is ${PRETTY_NAME:-an unknown system}: install GCC 13's libstdc++6 or newer"
    exit 1
  fi
  has_glibcxx_3_4_32 || { log "libstdc++ still lacks GLIBCXX_3.4.32 after install"; exit 1; }
}

ensure_package() {
  local command_name=$1; shift
  if ! command -v "$command_name" >/dev/null 2>&1; then
    log "installing $*"
    apt_install "$@"
  fi
}

ensure_libstdcxx
ensure_package ffmpeg ffmpeg
ensure_package ffprobe ffmpeg
if [ "$want_stack" -eq 1 ]; then
  [ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { log "installing postgresql"; apt_install postgresql; }
  ensure_package rabbitmq-server rabbitmq-server
fi
