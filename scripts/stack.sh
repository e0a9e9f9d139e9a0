#!/usr/bin/env bash
# Runs the platform's private PostgreSQL cluster and RabbitMQ node on this machine, loopback only,
# beside (never instead of) any system instance. Needs what `scripts/setup.sh --stack` installs.
#
# Usage: stack.sh start|stop|status|env|add-vhost NAME|delete-vhost NAME
#   start         initialises on first use, starts both, waits until each accepts connections (a
#                 no-op for one already running)
#   stop          stops both (a no-op for one already stopped)
#   status        prints the state of each; exit 0 only when both are running
#   env           prints the connection settings as shell assignments (VCP_POSTGRES, VCP_RABBITMQ, ...)
#   add-vhost     creates a RabbitMQ virtual host that the vcp user may use fully (a no-op when it
#                 exists): a test run's own, so that no other consumer on the node sees its messages
#   delete-vhost  deletes a virtual host with its queues and exchanges (a no-op when it is gone)
#
# Settings (environment):
#   VCP_HOME                 state folder, default <repo>/.vcp (/var/tmp/vcp-<hash> when the stack
#                            user cannot reach the repository)
#   VCP_PG_PORT              PostgreSQL port, default 55432
#   VCP_PG_PASSWORD          password of the vcp role, default vcp
#   VCP_RABBIT_PORT          AMQP port, default 55672
#   VCP_RABBIT_DIST_PORT     Erlang distribution port of the node, default AMQP port + 1
#   VCP_RABBIT_EPMD_PORT     port of the node's own epmd, default 54369 (the system's is 4369)
#   VCP_RABBIT_PASSWORD      password of the vcp user, default vcp
#   VCP_RABBIT_NODENAME      node name, default vcp@localhost
#   VCP_STACK_USER           system user the servers run as when this runs as root, default vcp
#                            (created on demand); without root, the current user
#
# Layout under VCP_HOME: postgres/ (the cluster), rabbitmq/ (config, mnesia, Erlang cookie),
# run/ (PostgreSQL's socket), logs/ (postgres.log, rabbitmq-*.log). The cluster trades durability
# for speed (fsync off): it is for development and tests, not for data that matters.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=${VCP_HOME:-$root/.vcp}
home_is_default=$([ -z "${VCP_HOME:-}" ] && echo 1 || echo 0)
pg_port=${VCP_PG_PORT:-55432}
pg_password=${VCP_PG_PASSWORD:-vcp}
rabbit_port=${VCP_RABBIT_PORT:-55672}
rabbit_dist_port=${VCP_RABBIT_DIST_PORT:-$((rabbit_port + 1))}
rabbit_epmd_port=${VCP_RABBIT_EPMD_PORT:-54369}
rabbit_password=${VCP_RABBIT_PASSWORD:-vcp}
rabbit_node=${VCP_RABBIT_NODENAME:-vcp@localhost}

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- who the servers run as, and where their files go ------------------------------------------

if [ "$(id -u)" -eq 0 ]; then
  stack_user=${VCP_STACK_USER:-vcp}
else
  stack_user=$(id -un)
fi

ensure_stack_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$stack_user" >/dev/null 2>&1; then
    log "creating system user $stack_user"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$stack_user"
  fi
}

# Whether the stack user can reach a folder: every folder above it must let it through.
user_can_reach() {
  local dir=$1
  while [ ! -e "$dir" ]; do dir=$(dirname "$dir"); done
  if [ "$(id -u)" -eq 0 ] && [ "$stack_user" != root ] && id -u "$stack_user" >/dev/null 2>&1; then
    runuser -u "$stack_user" -- test -x "$dir"
  else
    test -x "$dir"
  fi
}

if [ "${1:-}" = start ]; then ensure_stack_user; fi

# A repository in a folder closed to the stack user (under /root, say) keeps its state under
# /var/tmp instead, in a folder named after the repository, unless VCP_HOME says otherwise.
if [ "$(id -u)" -eq 0 ] && [ "$home_is_default" -eq 1 ] && id -u "$stack_user" >/dev/null 2>&1 && ! user_can_reach "$home"; then
  home=/var/tmp/vcp-$(printf '%s' "$root" | md5sum | cut -c1-12)
fi

# The servers' tools start in the current folder: one the stack user can enter.
cd "$home" 2>/dev/null || cd /

pg_data=$home/postgres
rabbit_base=$home/rabbitmq
run_dir=$home/run
log_dir=$home/logs

# Runs a command as the stack user (directly when that is who we are).
as_stack() {
  if [ "$(id -u)" -eq 0 ] && [ "$stack_user" != root ]; then
    runuser -u "$stack_user" -- "$@"
  else
    "$@"
  fi
}

# Creates a folder owned by the stack user.
make_owned_dir() {
  mkdir -p "$@"
  if [ "$(id -u)" -eq 0 ]; then chown "$stack_user:" "$@"; fi
}

prepare_home() {
  mkdir -p "$home"
  make_owned_dir "$log_dir" "$run_dir"
  chmod 700 "$run_dir"
  as_stack test -w "$log_dir" ||
    die "user $stack_user cannot reach $home (a folder above it is closed to it): set VCP_HOME to a folder it can reach"
}

# --- helpers ---------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until the command succeeds or the deadline (seconds) passes.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# --- PostgreSQL ------------------------------------------------------------------------------

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] || die "PostgreSQL is not installed: run scripts/setup.sh --stack"
  printf '%s' "$dir"
}

pg_socket_dir() {
  # A Unix socket path has a hard limit of 107 bytes; deep folders fall back to one under /tmp.
  if [ $(( ${#run_dir} + 20 )) -lt 100 ]; then printf '%s' "$run_dir"
  else printf '/tmp/vcp-pg-%s' "$(printf '%s' "$home" | md5sum | cut -c1-12)"
  fi
}

pg_running() { [ -d "$pg_data" ] && as_stack "$(pg_bin)/pg_ctl" status -D "$pg_data" >/dev/null 2>&1; }

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -d postgres; }

pg_init() {
  local bin; bin=$(pg_bin)
  log "initialising PostgreSQL cluster in $pg_data"
  make_owned_dir "$pg_data"
  chmod 700 "$pg_data"
  as_stack "$bin/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$log_dir/postgres-initdb.log" 2>&1 ||
    die "initdb failed: see $log_dir/postgres-initdb.log"
  local socket_dir; socket_dir=$(pg_socket_dir)
  as_stack tee -a "$pg_data/postgresql.conf" >/dev/null <<CONF

# --- VideoCoCa Platform private cluster (scripts/stack.sh) ---
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$socket_dir'
timezone = 'UTC'
max_connections = 200
# Development and tests only: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  as_stack tee "$pg_data/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
HBA
}

pg_psql() {
  "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(pg_socket_dir)" -p "$pg_port" -U postgres "$@"
}

pg_ensure_role_and_database() {
  local escaped=${pg_password//\'/\'\'}
  pg_psql -d postgres <<SQL
SELECT format('CREATE ROLE vcp LOGIN CREATEDB PASSWORD %L', '$escaped')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vcp') \gexec
ALTER ROLE vcp LOGIN CREATEDB PASSWORD '$escaped';
SELECT 'CREATE DATABASE vcp OWNER vcp'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'vcp') \gexec
SQL
  # pgvector is not a trusted extension: only a superuser may create it. In template1 it comes with every database
  # the vcp role creates (a test run's own, say); the migrations' CREATE EXTENSION IF NOT EXISTS then finds it.
  local db
  for db in template1 vcp; do
    pg_psql -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null
  done
}

pg_start() {
  local bin; bin=$(pg_bin)
  [ -f "$pg_data/PG_VERSION" ] || pg_init
  if pg_running; then
    log "PostgreSQL already running on 127.0.0.1:$pg_port"
  else
    if port_open "$pg_port"; then die "port $pg_port is taken by another process: set VCP_PG_PORT"; fi
    make_owned_dir "$(pg_socket_dir)"
    chmod 700 "$(pg_socket_dir)"
    log "starting PostgreSQL on 127.0.0.1:$pg_port"
    # 9>&-: the server must not inherit (and so hold) the stack lock.
    as_stack "$bin/pg_ctl" start -D "$pg_data" -l "$log_dir/postgres.log" -w -t 60 >/dev/null 9>&- ||
      die "PostgreSQL did not start: see $log_dir/postgres.log"
  fi
  wait_for 30 pg_ready || die "PostgreSQL does not accept connections: see $log_dir/postgres.log"
  pg_ensure_role_and_database
}

pg_stop() {
  if pg_running; then
    log "stopping PostgreSQL"
    as_stack "$(pg_bin)/pg_ctl" stop -D "$pg_data" -m fast -w -t 60 >/dev/null
  fi
}

# --- RabbitMQ --------------------------------------------------------------------------------

rabbit_sbin=/usr/lib/rabbitmq/bin
rabbit_pid_file=$rabbit_base/$rabbit_node.pid

# The node's whole environment: nothing is read from /etc/rabbitmq or the system node's folders.
rabbit_vars=(
  HOME="$rabbit_base/home"
  RABBITMQ_NODENAME="$rabbit_node"
  RABBITMQ_USE_LONGNAME=false
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  RABBITMQ_NODE_PORT="$rabbit_port"
  RABBITMQ_DIST_PORT="$rabbit_dist_port"
  RABBITMQ_CTL_DIST_PORT_MIN="$((rabbit_dist_port + 1))"
  RABBITMQ_CTL_DIST_PORT_MAX="$((rabbit_dist_port + 10))"
  ERL_EPMD_PORT="$rabbit_epmd_port"
  ERL_EPMD_ADDRESS=127.0.0.1
  RABBITMQ_CONF_ENV_FILE="$rabbit_base/rabbitmq-env.conf"
  RABBITMQ_CONFIG_FILE="$rabbit_base/rabbitmq.conf"
  RABBITMQ_ADVANCED_CONFIG_FILE="$rabbit_base/advanced.config"
  RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit_base/enabled_plugins"
  RABBITMQ_MNESIA_BASE="$rabbit_base/mnesia"
  RABBITMQ_LOG_BASE="$log_dir"
  RABBITMQ_PID_FILE="$rabbit_pid_file"
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
)

# Runs a RabbitMQ command (server or command-line tool) for this node, as the stack user.
as_rabbit() { as_stack env "${rabbit_vars[@]}" "$@"; }

rabbit_pid() {
  local pid
  [ -f "$rabbit_pid_file" ] || return 1
  pid=$(cat "$rabbit_pid_file" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

rabbit_running() { rabbit_pid >/dev/null; }

rabbit_init() {
  log "initialising RabbitMQ node $rabbit_node in $rabbit_base"
  make_owned_dir "$rabbit_base" "$rabbit_base/home" "$rabbit_base/mnesia"
  chmod 700 "$rabbit_base/home"
  # The node's own Erlang cookie: its command-line tools find it through HOME.
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | as_stack tee "$rabbit_base/home/.erlang.cookie" >/dev/null
  chmod 400 "$rabbit_base/home/.erlang.cookie"
  as_stack tee "$rabbit_base/rabbitmq-env.conf" >/dev/null </dev/null
  echo '[].' | as_stack tee "$rabbit_base/enabled_plugins" >/dev/null
  echo '[].' | as_stack tee "$rabbit_base/advanced.config" >/dev/null
}

# Written at every start so that a changed port or password takes effect. The vcp user is the
# node's default user: RabbitMQ creates it when it boots on an empty database.
rabbit_write_config() {
  as_stack tee "$rabbit_base/rabbitmq.conf" >/dev/null <<CONF
# VideoCoCa Platform private node (scripts/stack.sh)
listeners.tcp.1 = 127.0.0.1:$rabbit_port
default_vhost = /
default_user = vcp
default_pass = $rabbit_password
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
loopback_users = none
log.file.level = info
log.console = false
CONF
}

rabbit_start() {
  [ -d "$rabbit_base/home" ] || rabbit_init
  if rabbit_running; then
    log "RabbitMQ already running on 127.0.0.1:$rabbit_port"
  else
    for port in "$rabbit_port" "$rabbit_dist_port"; do
      if port_open "$port"; then die "port $port is taken by another process: set VCP_RABBIT_PORT / VCP_RABBIT_DIST_PORT"; fi
    done
    rabbit_write_config
    rm -f "$rabbit_pid_file"
    log "starting RabbitMQ node $rabbit_node on 127.0.0.1:$rabbit_port"
    # Its own session and folder, so it outlives this script and holds no terminal.
    # 9>&-: neither the server nor the shell that waits on it may hold the stack lock. The log redirections sit on
    # the subshell, not on the as_rabbit call: bash keeps copies of the caller's stdout and stderr open for as long as
    # a redirected function runs, which here is as long as the server, and `./vcp demo | tee out` never ended.
    ( (cd "$rabbit_base" && as_rabbit setsid "$rabbit_sbin/rabbitmq-server") \
      >>"$log_dir/rabbitmq-console.log" 2>&1 </dev/null &) 9>&-
  fi
  wait_for 90 port_open "$rabbit_port" ||
    die "RabbitMQ does not accept connections on $rabbit_port: see $log_dir/rabbitmq-console.log and $log_dir/$rabbit_node.log"
  if ! rabbit_running; then
    wait_for 10 rabbit_running || die "RabbitMQ runs but wrote no pid file $rabbit_pid_file"
  fi
}

rabbit_stop() {
  local pid
  if pid=$(rabbit_pid); then
    log "stopping RabbitMQ"
    # The Erlang VM shuts the node down cleanly on SIGTERM.
    kill -TERM "$pid"
    wait_for 60 sh -c "! kill -0 $pid 2>/dev/null" || { log "RabbitMQ did not stop in time: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    rm -f "$rabbit_pid_file"
  fi
  # The node's own epmd (never the system's: it listens on another port).
  if port_open "$rabbit_epmd_port"; then
    as_rabbit epmd -kill >/dev/null 2>&1 || true
  fi
}

# RabbitMQ's command-line tool for this node (it reaches the node through its epmd and cookie).
rabbit_ctl() { as_rabbit "$rabbit_sbin/rabbitmqctl" --quiet "$@"; }

# Virtual host names travel in amqp:// URLs: letters, digits, '-', '_' and '.' need no escaping.
check_vhost_name() {
  [[ ${1:-} =~ ^[A-Za-z0-9._-]{1,200}$ ]] || die "virtual host name '${1:-}' must be 1 to 200 of A-Z a-z 0-9 . _ -"
}

# Whether the node has the virtual host (the list read whole first: grep -q may close the pipe early).
vhost_exists() {
  local names; names=$(rabbit_ctl list_vhosts name)
  grep -qxF -- "$1" <<<"$names"
}

rabbit_require_running() {
  rabbit_running && port_open "$rabbit_port" || die "RabbitMQ is not running: run $(basename "$0") start"
}

add_vhost() {
  check_vhost_name "$1"
  rabbit_require_running
  if ! vhost_exists "$1"; then
    rabbit_ctl add_vhost "$1" >/dev/null
  fi
  rabbit_ctl set_permissions -p "$1" vcp '.*' '.*' '.*' >/dev/null
}

delete_vhost() {
  check_vhost_name "$1"
  rabbit_require_running
  if vhost_exists "$1"; then
    rabbit_ctl delete_vhost "$1" >/dev/null
  fi
}

# --- commands --------------------------------------------------------------------------------

print_env() {
  cat <<ENV
VCP_HOME=$home
VCP_POSTGRES='Host=127.0.0.1;Port=$pg_port;Database=vcp;Username=vcp;Password=$pg_password'
VCP_RABBITMQ='amqp://vcp:$rabbit_password@127.0.0.1:$rabbit_port/'
ENV
}

status() {
  local rc=0
  if pg_running && pg_ready; then echo "postgres: running on 127.0.0.1:$pg_port (data $pg_data)"
  elif pg_running; then echo "postgres: starting on 127.0.0.1:$pg_port"; rc=3
  else echo "postgres: stopped"; rc=3
  fi
  if rabbit_running && port_open "$rabbit_port"; then echo "rabbitmq: running as $rabbit_node on 127.0.0.1:$rabbit_port (pid $(rabbit_pid))"
  elif rabbit_running; then echo "rabbitmq: starting as $rabbit_node"; rc=3
  else echo "rabbitmq: stopped"; rc=3
  fi
  return $rc
}

# One stack command at a time per VCP_HOME.
with_lock() {
  mkdir -p "$home" && cd "$home"
  exec 9>"$home/stack.lock"
  flock -w 180 9 || die "another stack.sh holds $home/stack.lock"
  "$@"
}

start_all() { prepare_home; pg_start; rabbit_start; log "stack is up"; }
stop_all() { rabbit_stop; pg_stop; log "stack is down"; }

case "${1:-}" in
  start) with_lock start_all ;;
  stop) with_lock stop_all ;;
  status) status ;;
  env) print_env ;;
  add-vhost) add_vhost "${2:-}" ;;
  delete-vhost) delete_vhost "${2:-}" ;;
  *) echo "usage: $(basename "$0") start|stop|status|env|add-vhost NAME|delete-vhost NAME" >&2; exit 2 ;;
esac
