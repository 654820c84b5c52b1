#!/usr/bin/env bash
# Local RabbitMQ and PostgreSQL servers on 127.0.0.1 under a project-local data directory (no Docker needed).
# Sourced by scripts/up, scripts/test and the test fixtures (tests/Moderation.Testing). Every function is idempotent.
#
#   servers_start <dir> <amqp-port> <pg-port>   start both (or reuse them) and write <dir>/env with connection strings
#   servers_stop <dir>                          stop both
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

_as_user() { # run a command as the given system user when we are root, else as ourselves
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

_own() { # give a directory to a service user when we are root
  if [ "$(id -u)" = 0 ]; then chown -R "$1:$1" "$2"; fi
}

_secret() { # a generated secret kept in <dir>/secrets/<name>
  local file="$1/secrets/$2"
  mkdir -p "$1/secrets"; chmod 700 "$1/secrets"
  [ -s "$file" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$file")
  cat "$file"
}

_rabbit_env() {
  local dir=$1 port=$2 dist
  mkdir -p "$dir/rabbitmq"
  [ -s "$dir/rabbitmq/dist_port" ] || free_port > "$dir/rabbitmq/dist_port"
  dist=$(cat "$dir/rabbitmq/dist_port")
  export RABBITMQ_NODENAME="rabbit-$port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port \
    RABBITMQ_DIST_PORT=$dist RABBITMQ_MNESIA_BASE="$dir/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$dir/rabbitmq/log" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins" \
    RABBITMQ_PID_FILE="$dir/rabbitmq/pid" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

rabbit_ctl() { # rabbit_ctl <dir> <port> args…
  # Bounded: each CLI call is an Erlang node that takes one of only eleven distribution ports (the node's port + 10000
  # upwards); a call left hanging by a killed caller would otherwise keep its port, and once all eleven are held every
  # later call fails with "nodistribution".
  local dir=$1 port=$2; shift 2
  (_rabbit_env "$dir" "$port"; timeout --kill-after=10 600 rabbitmqctl -n "$RABBITMQ_NODENAME" "$@")
}

rabbit_start() {
  local dir=$1 port=$2 password
  mkdir -p "$dir/rabbitmq/mnesia" "$dir/rabbitmq/log"
  password=$(_secret "$dir" rabbitmq)
  if ! rabbit_ctl "$dir" "$port" status >/dev/null 2>&1; then
    [ -f "$dir/rabbitmq/enabled_plugins" ] || echo '[].' > "$dir/rabbitmq/enabled_plugins"
    cat > "$dir/rabbitmq/rabbitmq.conf" <<CONF
loopback_users = none
listeners.tcp.default = 127.0.0.1:$port
vm_memory_high_watermark.relative = 0.3
disk_free_limit.absolute = 200MB
CONF
    _own rabbitmq "$dir/rabbitmq"
    (_rabbit_env "$dir" "$port"; rabbitmq-server -detached >/dev/null 2>&1 || true)
    for _ in $(seq 1 60); do
      rabbit_ctl "$dir" "$port" await_startup --timeout 5 >/dev/null 2>&1 && break
      sleep 1
    done
    rabbit_ctl "$dir" "$port" await_startup --timeout 10 >/dev/null
  fi
  if ! rabbit_ctl "$dir" "$port" list_users -q 2>/dev/null | grep -q '^moderation\b'; then
    rabbit_ctl "$dir" "$port" add_user moderation "$password" >/dev/null
    rabbit_ctl "$dir" "$port" set_user_tags moderation administrator >/dev/null
    rabbit_ctl "$dir" "$port" set_permissions -p / moderation '.*' '.*' '.*' >/dev/null
    rabbit_ctl "$dir" "$port" delete_user guest >/dev/null 2>&1 || true
  fi
}

rabbit_vhost() { # rabbit_vhost <dir> <port> <name>: a fresh vhost the moderation user may use
  local dir=$1 port=$2 name=$3
  rabbit_ctl "$dir" "$port" add_vhost "$name" >/dev/null
  rabbit_ctl "$dir" "$port" set_permissions -p "$name" moderation '.*' '.*' '.*' >/dev/null
}

rabbit_stop() {
  local dir=$1 port=$2
  rabbit_ctl "$dir" "$port" stop >/dev/null 2>&1 || true
}

pg_ctl_() { _as_user postgres "$PG_BIN/pg_ctl" "$@"; }

pg_start() {
  local dir=$1 port=$2 password
  password=$(_secret "$dir" postgres)
  mkdir -p "$dir/postgres"
  if [ ! -s "$dir/postgres/data/PG_VERSION" ]; then
    rm -rf "$dir/postgres/data"
    (umask 077; printf '%s\n' "$password" > "$dir/postgres/pwfile")
    _own postgres "$dir/postgres"
    _as_user postgres "$PG_BIN/initdb" -D "$dir/postgres/data" -U postgres --auth=scram-sha-256 \
      --pwfile="$dir/postgres/pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$dir/postgres/pwfile"
  fi
  _own postgres "$dir/postgres"
  if ! pg_ctl_ -D "$dir/postgres/data" status >/dev/null 2>&1; then
    pg_ctl_ -D "$dir/postgres/data" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/postgres -c max_connections=300 -c fsync=${PG_FSYNC:-on}" \
      -l "$dir/postgres/log" -w -t 60 start >/dev/null
  fi
}

pg_stop() {
  local dir=$1
  [ -d "$dir/postgres/data" ] && pg_ctl_ -D "$dir/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
}

servers_start() {
  local dir amqp=$2 pg=$3
  mkdir -p "$1"; dir=$(cd "$1" && pwd)
  chmod 755 "$dir"
  rabbit_start "$dir" "$amqp"
  pg_start "$dir" "$pg"
  # Values single-quoted: the connection strings hold ';', and scripts read this file with `set -a; source`.
  cat > "$dir/env" <<ENV
MODERATION_RABBITMQ='amqp://moderation:$(_secret "$dir" rabbitmq)@127.0.0.1:$amqp/'
MODERATION_POSTGRES='Host=127.0.0.1;Port=$pg;Username=postgres;Password=$(_secret "$dir" postgres)'
MODERATION_RABBITMQ_PORT=$amqp
MODERATION_POSTGRES_PORT=$pg
MODERATION_SERVERS_DIR='$dir'
ENV
  chmod 600 "$dir/env"
}

servers_stop() {
  local dir=$1
  [ -f "$dir/env" ] || return 0
  # shellcheck disable=SC1091
  local amqp; amqp=$(grep '^MODERATION_RABBITMQ_PORT=' "$dir/env" | cut -d= -f2)
  rabbit_stop "$dir" "$amqp"
  pg_stop "$dir"
}

servers_prune() { # servers_prune <dir> <amqp> <pg>: drop every vhost but / and every database but the defaults
  # Test runs create a vhost (with its quorum queues) and databases per fixture; left to pile up over many runs they
  # slow the broker down until declarations time out. scripts/test calls this before any test runs.
  local dir=$1 amqp=$2 pg=$3 db
  rabbit_ctl "$dir" "$amqp" eval \
    'length([rabbit_vhost:delete(V, <<"scripts/test">>) || V <- rabbit_vhost:list_names(), V =/= <<"/">>]).' >/dev/null
  for db in $(PGPASSWORD=$(_secret "$dir" postgres) psql -h 127.0.0.1 -p "$pg" -U postgres -d postgres -Atc \
      "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')"); do
    PGPASSWORD=$(_secret "$dir" postgres) psql -h 127.0.0.1 -p "$pg" -U postgres -d postgres -qc "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null
  done
}

free_port() { # a free TCP port on 127.0.0.1
  python3 - <<'PY' 2>/dev/null || /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
PY
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cmd=$1; shift
  "$cmd" "$@"
fi
