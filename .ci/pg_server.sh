#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, owned by the caller's run.
#
#   .ci/pg_server.sh start DIR   # prints `export ITICKET_TEST_PG_URL=...` on stdout
#   .ci/pg_server.sh stop DIR    # stops the server and deletes DIR
#
# The cluster lives in DIR (created, must not exist or be empty), is owned by a non-root user
# (initdb refuses root: the `postgres` account if there is one, else a system user we create),
# and listens on a Unix socket inside DIR only (listen_addresses=''), so nothing outside this
# machine and no other account than that user and root can reach it. Durability is switched off
# (fsync, full_page_writes, synchronous_commit): the data dies with the run anyway.
# Installs Debian's postgresql package first when no initdb/pg_ctl can be found.
set -euo pipefail

find_bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  # Debian keeps the server binaries off PATH, one directory per major version.
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
    echo "$d"
  fi
}

ensure_installed() {
  local bindir
  bindir=$(find_bindir)
  if [[ -z "$bindir" ]]; then
    echo "PostgreSQL not found: installing it from the package manager" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir=$(find_bindir)
  fi
  if [[ -z "$bindir" ]]; then
    echo "error: PostgreSQL is still missing after apt-get install" >&2
    exit 1
  fi
  echo "$bindir"
}

server_user() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
    return
  fi
  if id postgres >/dev/null 2>&1; then
    echo postgres
    return
  fi
  if ! id iticket-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin iticket-pg
  fi
  echo iticket-pg
}

as_user() {
  local user=$1
  shift
  if [[ $(id -un) == "$user" ]]; then
    "$@"
  else
    runuser -u "$user" -- "$@"
  fi
}

start() {
  local dir=$1 bindir user port
  bindir=$(ensure_installed)
  user=$(server_user)
  mkdir -p "$dir"
  chmod 0700 "$dir"
  chown "$user" "$dir"
  # A Unix socket only, but the port still names the socket file: pick a free one.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_user "$user" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
port = $port
max_connections = 300
fsync = off
full_page_writes = off
synchronous_commit = off
shared_buffers = 128MB
EOF
  as_user "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export ITICKET_TEST_PG_URL='postgresql+psycopg://postgres@/postgres?host=$dir&port=$port'"
}

stop() {
  local dir=$1 bindir user
  if [[ -d "$dir/data" ]]; then
    bindir=$(find_bindir)
    user=$(stat -c %U "$dir/data")
    as_user "$user" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
