#!/usr/bin/env bash
# Throwaway PostgreSQL server for frontlens tests.
#
# Usage:
#   scripts/pg-test-server.sh [start]   install (if needed), init, start; prints URL line
#   scripts/pg-test-server.sh stop      stop the server (no-op if not running)
#   scripts/pg-test-server.sh status    exit 0 if running (prints URL line), 3 if not
#
# Settings (environment):
#   FRONTLENS_PG_DIR   cluster directory (default /tmp/frontlens-pg); the data
#                      directory is $FRONTLENS_PG_DIR/data, the unix socket and
#                      the server log live in $FRONTLENS_PG_DIR itself
#   FRONTLENS_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#
# All progress messages go to stderr. On success, `start` and `status` print
# exactly one line on stdout:
#   FRONTLENS_TEST_PG_URL=postgresql+psycopg://frontlens:frontlens@127.0.0.1:PORT/frontlens_test
# so callers can do:   export "$(scripts/pg-test-server.sh | tail -n1)"
#
# Idempotent: running `start` again reuses a server already running from the
# same directory. When run as root, server processes run as the `postgres` OS
# user (PostgreSQL refuses to run as root).
set -euo pipefail

PG_DIR="${FRONTLENS_PG_DIR:-/tmp/frontlens-pg}"
PG_PORT="${FRONTLENS_PG_PORT:-55432}"
DATA_DIR="$PG_DIR/data"
LOG_FILE="$PG_DIR/server.log"
DB_USER=frontlens
DB_PASS=frontlens
DB_NAME=frontlens_test
START_TIMEOUT=60

log() { printf 'pg-test-server: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- binaries
find_bindir() {
    local d best=""
    # Prefer the highest installed Debian server version.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [[ -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/postgres" ]]; then
            best="$d"
        fi
    done
    if [[ -z "$best" ]] && command -v pg_ctl >/dev/null 2>&1; then
        d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
        if [[ -x "$d/initdb" && -x "$d/postgres" ]]; then
            best="$d"
        fi
    fi
    printf '%s' "$best"
}

install_postgres() {
    [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL server binaries not found and not root; install the 'postgresql' package"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries not found and apt-get unavailable"
    log "PostgreSQL server binaries not found; installing 'postgresql' via apt-get"
    local t0=$SECONDS
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 postgresql >&2
    # PostGIS for the installed major version (Debian 12: postgresql-15-postgis-3)
    local major
    major="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 | cut -d/ -f5)"
    if [[ -n "$major" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "postgresql-$major-postgis-3" >&2 \
            || log "could not install postgresql-$major-postgis-3: no PostGIS"
    fi
    log "apt-get install postgresql took $((SECONDS - t0))s"
}

BINDIR="$(find_bindir)"
need_bindir() {
    if [[ -z "$BINDIR" ]]; then
        install_postgres
        BINDIR="$(find_bindir)"
        [[ -n "$BINDIR" ]] || die "installed postgresql but found no pg_ctl/initdb/postgres under /usr/lib/postgresql/*/bin"
    fi
}

# ---------------------------------------------------------------- run as
IS_ROOT=0
[[ "$(id -u)" -eq 0 ]] && IS_ROOT=1

# Run a command as the user owning the cluster (postgres when we are root).
# cd / first: postgres cannot necessarily read the caller's cwd (e.g. /root).
as_pg() {
    if [[ $IS_ROOT -eq 1 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

ensure_pg_user() {
    [[ $IS_ROOT -eq 1 ]] || return 0
    if ! id -u postgres >/dev/null 2>&1; then
        log "creating system user 'postgres'"
        useradd --system --user-group --home-dir /var/lib/postgresql \
            --shell /bin/bash postgres
    fi
}

# ---------------------------------------------------------------- helpers
url_line() {
    printf 'FRONTLENS_TEST_PG_URL=postgresql+psycopg://%s:%s@127.0.0.1:%s/%s\n' \
        "$DB_USER" "$DB_PASS" "$1" "$DB_NAME"
}

# postmaster PID recorded in the data directory (empty if none)
postmaster_pid() {
    { head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true; } | tr -d '[:space:]'
}

# True if PID exists and is not a zombie (a SIGKILLed postmaster whose parent
# has not reaped it still "exists" for kill -0, which fools pg_ctl status).
pid_alive() {
    local state
    [[ -n "$1" && -r "/proc/$1/stat" ]] || return 1
    state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

is_running() {
    [[ -n "$BINDIR" && -f "$DATA_DIR/PG_VERSION" ]] || return 1
    as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1 || return 1
    pid_alive "$(postmaster_pid)"
}

# Remove lock files left by a postmaster that died without cleaning up.
clear_stale_locks() {
    local pid
    pid="$(postmaster_pid)"
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
        log "removing stale postmaster.pid (PID $pid is gone)"
        rm -f "$DATA_DIR/postmaster.pid" "$PG_DIR"/.s.PGSQL.*.lock
    fi
}

# Port of the running server, from line 4 of postmaster.pid.
running_port() {
    { sed -n '4p' "$DATA_DIR/postmaster.pid" 2>/dev/null || true; } | tr -d '[:space:]'
}

show_log_tail() {
    if [[ -f "$LOG_FILE" ]]; then
        log "---- last lines of $LOG_FILE ----"
        tail -n 30 "$LOG_FILE" >&2 || true
    fi
}

psql_admin() {
    # superuser 'postgres' over the unix socket in $PG_DIR (trust auth)
    as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$1" -U postgres "${@:2}"
}

# ---------------------------------------------------------------- actions
do_stop() {
    if is_running; then
        log "stopping server in $DATA_DIR"
        as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$START_TIMEOUT" stop >&2
    else
        log "no server running in $DATA_DIR"
    fi
}

do_status() {
    if is_running; then
        log "server running in $DATA_DIR"
        url_line "$(running_port)"
    else
        log "no server running in $DATA_DIR"
        exit 3
    fi
}

init_cluster() {
    local locale_opt=(--no-locale)
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
        locale_opt=(--locale=C.UTF-8)
    fi
    log "initdb $DATA_DIR"
    as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres -E UTF8 "${locale_opt[@]}" \
        --auth-local=trust --auth-host=trust >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    # Local-only, test-friendly settings (durability not needed).
    cat >>"$DATA_DIR/postgresql.conf" <<'EOF'

# ---- frontlens test server ----
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    # trust for unix socket and 127.0.0.1 only (initdb also adds ::1; drop it)
    cat >"$DATA_DIR/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
    [[ $IS_ROOT -eq 1 ]] && chown postgres: "$DATA_DIR/postgresql.conf" "$DATA_DIR/pg_hba.conf"
    return 0
}

do_start() {
    need_bindir
    ensure_pg_user

    if is_running; then
        local port
        port="$(running_port)"
        log "reusing server already running in $DATA_DIR (port ${port})"
        [[ "$port" == "$PG_PORT" ]] || log "note: running port $port differs from requested $PG_PORT"
        PG_PORT="$port"
    else
        mkdir -p "$PG_DIR"
        [[ $IS_ROOT -eq 1 ]] && chown postgres: "$PG_DIR"
        chmod 0755 "$PG_DIR"
        as_pg test -w "$PG_DIR" \
            || die "$PG_DIR is not writable by $( [[ $IS_ROOT -eq 1 ]] && echo postgres || id -un ) (a parent directory may be inaccessible)"

        # (Re)create the cluster if missing, half-initialised, or from another major version.
        local want_ver
        want_ver="$(as_pg "$BINDIR/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
        if [[ -d "$DATA_DIR" ]]; then
            if [[ ! -f "$DATA_DIR/PG_VERSION" || "$(cat "$DATA_DIR/PG_VERSION")" != "$want_ver" \
                  || ! -f "$DATA_DIR/postgresql.conf" ]]; then
                log "removing unusable data directory $DATA_DIR"
                rm -rf "$DATA_DIR"
            fi
        fi
        [[ -d "$DATA_DIR" ]] || init_cluster
        clear_stale_locks

        log "starting PostgreSQL $want_ver on 127.0.0.1:$PG_PORT (socket dir $PG_DIR, log $LOG_FILE)"
        local t0=$SECONDS
        if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" \
                -o "-p $PG_PORT -k '$PG_DIR' -c listen_addresses=127.0.0.1" start >&2; then
            show_log_tail
            die "pg_ctl start failed (is port $PG_PORT already in use?)"
        fi
        log "server started in $((SECONDS - t0))s"
    fi

    # Wait until it accepts connections (pg_ctl -w already waits; belt and braces).
    local i
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        if as_pg "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres; then
            break
        fi
        sleep 0.5
    done
    as_pg "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres \
        || { show_log_tail; die "server not ready on 127.0.0.1:$PG_PORT after ${START_TIMEOUT}s"; }

    # Role and database (idempotent).
    psql_admin "$PG_PORT" -d postgres <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER;
  END IF;
END
\$\$;
ALTER ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$DB_PASS';
EOF
    # PostGIS when its package (postgresql-<major>-postgis-3) is installed: created in
    # template1 first, so the test database and every database the tests create from it have
    # it, then in the test database itself in case that one is older. frontlens adds its
    # geometry columns only where the extension exists, so without it the tests still run
    # (the PostGIS ones skip, or fail with FRONTLENS_REQUIRE_POSTGIS=1).
    local has_postgis=""
    has_postgis="$(psql_admin "$PG_PORT" -d postgres -tA \
        -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")"
    if [[ "$has_postgis" == "1" ]]; then
        psql_admin "$PG_PORT" -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
    else
        log "PostGIS is not installed (postgresql-<major>-postgis-3): no spatial SQL"
    fi
    if [[ "$(psql_admin "$PG_PORT" -d postgres -tA \
            -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]]; then
        log "creating database $DB_NAME"
        psql_admin "$PG_PORT" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    fi

    if [[ "$has_postgis" == "1" ]]; then
        psql_admin "$PG_PORT" -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis"
        log "PostGIS enabled in template1 and $DB_NAME"
    fi

    url_line "$PG_PORT"
}

case "${1:-start}" in
    start)  do_start ;;
    stop)   do_stop ;;
    status) do_status ;;
    -h|--help|help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (expected start, stop or status)" ;;
esac
