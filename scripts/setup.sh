#!/usr/bin/env bash
# Installs what the platform needs on this machine, idempotently: a libstdc++ new enough for
# TorchSharp's native library, ffmpeg, chromium (the web interface's browser tests), and (with --stack) PostgreSQL with pgvector, and RabbitMQ.
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

# pgvector (the clip embeddings' type and HNSW index) for the newest installed PostgreSQL. Debian 12 packages no
# pgvector, and trixie's postgresql-17-pgvector would pull trixie's PostgreSQL 17 with its perl, OpenSSL and ICU
# (42 packages). Debian's own pgvector source package (trixie's) builds against bookworm's server headers in
# seconds, so the server stays the distribution's and only the extension is built here.
ensure_pgvector() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { log "PostgreSQL is not installed"; exit 1; }
  local major; major=$(basename "$(dirname "$bin")")
  [ -f "/usr/share/postgresql/$major/extension/vector.control" ] && return
  if apt-cache show "postgresql-$major-pgvector" >/dev/null 2>&1 && apt-get install -s "postgresql-$major-pgvector" >/dev/null 2>&1; then
    log "installing postgresql-$major-pgvector"
    apt_install "postgresql-$major-pgvector"
    return
  fi
  log "building pgvector from Debian's source package for PostgreSQL $major"
  apt_install "postgresql-server-dev-$major" make gcc
  # Debian's source lines for the suites already in use (bookworm's archive has no pgvector; trixie's has 0.8).
  as_root tee /etc/apt/sources.list.d/vcp-pgvector-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root apt-get update -q >/dev/null
  local work; work=$(mktemp -d)
  chmod 755 "$work"
  (cd "$work" && as_root apt-get source --download-only -q pgvector >/dev/null 2>&1) ||
    { log "could not download pgvector's source package"; exit 1; }
  tar -xf "$work"/pgvector_*.orig.tar.* -C "$work"
  local src; src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  # pgvector's own flags (-march=native): its distance loops are vectorised for the processor it runs on, which is
  # this one, since every machine builds its own. Without them an HNSW build ran several times slower here.
  make -C "$src" -s PG_CONFIG="$bin/pg_config" >/dev/null
  as_root make -C "$src" -s PG_CONFIG="$bin/pg_config" install >/dev/null
  rm -rf "$work"
  [ -f "/usr/share/postgresql/$major/extension/vector.control" ] || { log "pgvector did not install"; exit 1; }
}

ensure_libstdcxx
ensure_package ffmpeg ffmpeg
ensure_package ffprobe ffmpeg
# The web interface's browser tests (Playwright for .NET) drive Debian's chromium: Playwright's own browser download
# is not reachable from every machine, and the distribution's browser updates with the rest of the system.
ensure_package chromium chromium
if [ "$want_stack" -eq 1 ]; then
  [ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { log "installing postgresql"; apt_install postgresql; }
  ensure_pgvector
  ensure_package rabbitmq-server rabbitmq-server
fi
