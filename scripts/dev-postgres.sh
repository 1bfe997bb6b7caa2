#!/usr/bin/env bash
# A PostgreSQL for mj's shared journal on this machine, without containers.
#
#   scripts/dev-postgres.sh start DIR [PORT]   initdb into DIR (once), start it on 127.0.0.1
#                                              (PORT, or a free one) and print its URL
#   scripts/dev-postgres.sh stop DIR           stop it (DIR keeps the data)
#
# The binaries come from `pg_config --bindir` (Debian: /usr/lib/postgresql/*/bin; install
# the `postgresql` package). As root, the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root. Logins from 127.0.0.1 need no password (trust): a
# database for development and tests, not for a shared network.
set -euo pipefail

bindir() {
    local dir
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
}

as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '4,7p' "$0" >&2; exit 2; }
bin=$(bindir)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

case "$cmd" in
start)
    port=${3:-}
    while [ -z "$port" ]; do
        # A random port nothing answers on.
        port=$((20000 + RANDOM % 30000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=; fi
    done
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_server "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log"
    fi
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    sed -n '4,7p' "$0" >&2
    exit 2
    ;;
esac
