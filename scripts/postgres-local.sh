#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and local runs.
#
#   scripts/postgres-local.sh start   # prints the DATABASE_URL (alone, on stdout)
#   scripts/postgres-local.sh url     # the running cluster's DATABASE_URL
#   scripts/postgres-local.sh stop    # stops it and deletes its data
#
#   DATABASE_URL=$(scripts/postgres-local.sh start)
#
# The cluster lives in $EVERGREEN_PG_DIR (default /tmp/evergreen-pg), listens
# on 127.0.0.1 only, on a free port, with trust auth for loopback only, and
# with durability off (fsync) since its data is thrown away. As root it runs
# as the `postgres` OS user (PostgreSQL refuses to run as root). Debian's
# postgresql is installed with apt-get when initdb/pg_ctl are not found.
set -euo pipefail

DIR="${EVERGREEN_PG_DIR:-/tmp/evergreen-pg}"
DATA="$DIR/data"
DB_NAME="${EVERGREEN_PG_DB:-evergreen}"
PG_USER_NAME="postgres" # the database superuser's name

say() { printf '[postgres-local] %s\n' "$*" >&2; }

find_bin_dir() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  # Debian keeps them off PATH, per major version; take the newest.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

ensure_installed() {
  if BIN="$(find_bin_dir)"; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then
    say "PostgreSQL (initdb, pg_ctl) not found; install Debian's postgresql package"
    exit 1
  fi
  say "installing Debian's postgresql (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # policy-rc.d keeps the package from starting its own cluster.
  apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(find_bin_dir)" || { say "postgresql installed but initdb/pg_ctl not found"; exit 1; }
}

# Runs a command as the cluster's OS user: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ "$(id -u)" != 0 ]]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  elif [[ -x /usr/sbin/runuser ]]; then
    /usr/sbin/runuser -u postgres -- "$@"
  else
    # su joins its arguments into one shell command line: quote each.
    su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
  fi
}

running() {
  [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

url() {
  echo "postgresql://${PG_USER_NAME}@127.0.0.1:$(cat "$DIR/port")/${DB_NAME}"
}

port_free() {
  # Nothing accepts a connection on it (bash's /dev/tcp; no extra tools needed).
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p tries=0
  while ((tries < 200)); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
    tries=$((tries + 1))
  done
  say "no free port found"
  exit 1
}

start() {
  ensure_installed
  if running; then
    say "already running ($DATA)"
    url
    return 0
  fi
  local t0=$SECONDS
  rm -rf "$DIR"
  mkdir -p "$DIR"
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres:postgres "$DIR"
  fi
  chmod 700 "$DIR"
  as_owner "$BIN/initdb" -D "$DATA" -U "$PG_USER_NAME" --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
    as_owner "$BIN/initdb" -D "$DATA" -U "$PG_USER_NAME" --auth=trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; exit 1; }
  # Loopback only: the unix socket in our own directory and 127.0.0.1 / ::1.
  as_owner tee "$DATA/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
host    all       all   ::1/128       trust
HBA
  local port
  port="$(free_port)"
  echo "$port" >"$DIR/port"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
  as_owner "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$PG_USER_NAME" -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$DB_NAME\"" >/dev/null
  say "started PostgreSQL $("$BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port in $((SECONDS - t0))s (data in $DATA)"
  url
}

stop() {
  if BIN="$(find_bin_dir)" && [[ -d "$DATA" ]] && running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    say "stopped"
  else
    say "not running"
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url)
    BIN="$(find_bin_dir)" || exit 1
    running || { say "not running"; exit 1; }
    url
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
