# Shared bootstrap for scripts/run.sh and scripts/test.sh. Source it; do not run it.
#
# It installs what KAM needs (uv, the locked Python environment, a few Debian packages), finds
# or starts PostgreSQL and Redis, and stops on exit everything it started, and nothing else.
#
#   kam_traps                      set the EXIT/INT/TERM traps (call before starting anything)
#   kam_install_python             uv + `uv sync --locked --compile-bytecode`, then put .venv/bin
#                                  first on PATH
#   kam_install_packages PKG...    apt-get install the Debian packages that are missing
#                                  (PostgreSQL and Redis only when a server must be started)
#   kam_postgres NAME              export DATABASE_URL (given, reused 5432, or a cluster on 5433)
#   kam_redis DB                   export REDIS_URL (given, reused 6379, or a server on 6380)
#   kam_start NAME LOG CMD...      start CMD in its own process group, stopped on exit
#   kam_step NAME CMD...           run CMD under a banner; stop with a clear message if it fails

set -Eeuo pipefail

KAM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAM_RUN_DIR="$KAM_ROOT/.run"
KAM_STARTED_PGIDS=()   # process groups started by kam_start, stopped in reverse order
KAM_STARTED_NAMES=()
KAM_PG_DATA=""         # set when this script started a PostgreSQL cluster
KAM_REDIS_PIDFILE=""   # set when this script started a Redis server
KAM_APT_UPDATED=false
cd "$KAM_ROOT"
mkdir -p "$KAM_RUN_DIR"

if [[ -t 2 ]]; then
    KAM_BOLD=$'\033[1m' KAM_RED=$'\033[1;31m' KAM_PLAIN=$'\033[0m'
else
    KAM_BOLD="" KAM_RED="" KAM_PLAIN=""
fi
kam_say() { printf '%s\n' "$*" >&2; }
kam_banner() { printf '\n%s==> %s%s\n' "$KAM_BOLD" "$*" "$KAM_PLAIN" >&2; }
kam_die() {
    printf '\n%sFAILED: %s%s\n' "$KAM_RED" "$*" "$KAM_PLAIN" >&2
    exit 1
}

kam_as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        kam_die "'$*' needs root; run it as root or install the packages yourself."
    fi
}

# --- clean-up -------------------------------------------------------------------------------

kam_cleanup() {  # [STATUS]: exits with STATUS, by default the status the script is exiting with
    local status=${1:-$?}
    set +e
    trap - EXIT INT TERM
    local i pgid
    for ((i = ${#KAM_STARTED_PGIDS[@]} - 1; i >= 0; i--)); do
        pgid=${KAM_STARTED_PGIDS[i]}
        if kill -0 -- "-$pgid" 2>/dev/null; then
            kam_say "Stopping ${KAM_STARTED_NAMES[i]} (process group $pgid)"
            kill -TERM -- "-$pgid" 2>/dev/null || true
        fi
    done
    for ((i = ${#KAM_STARTED_PGIDS[@]} - 1; i >= 0; i--)); do
        pgid=${KAM_STARTED_PGIDS[i]}
        local waited=0
        while kill -0 -- "-$pgid" 2>/dev/null && ((waited < 100)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 -- "-$pgid" 2>/dev/null; then
            kam_say "${KAM_STARTED_NAMES[i]} did not stop in 10 s; killing it"
            kill -KILL -- "-$pgid" 2>/dev/null || true
        fi
        wait "$pgid" 2>/dev/null || true
    done
    if [[ -n $KAM_REDIS_PIDFILE && -f $KAM_REDIS_PIDFILE ]]; then
        kam_say "Stopping the Redis server started for this run"
        kill -TERM "$(cat "$KAM_REDIS_PIDFILE")" 2>/dev/null || true
    fi
    if [[ -n $KAM_PG_DATA ]]; then
        kam_say "Stopping the PostgreSQL cluster started for this run"
        kam_pg_ctl stop -m fast >/dev/null 2>&1 || true
    fi
    exit "$status"
}

kam_traps() {
    trap kam_cleanup EXIT
    trap 'exit 130' INT TERM
}

# --- installing -----------------------------------------------------------------------------

kam_install_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
            missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || kam_die "Install these packages first: ${missing[*]}"
    kam_banner "Installing Debian packages: ${missing[*]}"
    if [[ $KAM_APT_UPDATED == false ]]; then
        kam_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        KAM_APT_UPDATED=true
    fi
    kam_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

kam_install_python() {
    local uv
    if [[ -x $KAM_ROOT/.tools/bin/uv ]]; then
        uv="$KAM_ROOT/.tools/bin/uv"
    elif command -v uv >/dev/null; then
        uv="$(command -v uv)"
    else
        kam_banner "Installing uv into .tools/"
        command -v python3 >/dev/null || kam_install_packages python3
        python3 -c 'import ensurepip' 2>/dev/null || kam_install_packages python3-venv
        python3 -m venv "$KAM_ROOT/.tools"
        "$KAM_ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check uv
        uv="$KAM_ROOT/.tools/bin/uv"
    fi
    # Bytecode is compiled once, here: a process that starts from source compiles Django,
    # pandas and the rest again at every start (about 3 s more for each command).
    kam_banner "Installing the Python environment (uv sync --locked --compile-bytecode)"
    "$uv" sync --locked --compile-bytecode --quiet ||
        kam_die "uv sync --locked failed: is Python $(cat .python-version) installed (pyenv), and uv.lock up to date?"
    export VIRTUAL_ENV="$KAM_ROOT/.venv"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    # The project's own modules are compiled on first import into __pycache__/ folders, which
    # git ignores; no cache prefix, which would hide the installed packages' bytecode.
    unset PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX
}

# --- PostgreSQL -----------------------------------------------------------------------------

# Succeeds when a PostgreSQL URL accepts a connection (to its own database or to "postgres").
kam_pg_usable() {
    python - "$1" <<'PY' >/dev/null 2>&1
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

url = urlsplit(sys.argv[1])
for candidate in (url, url._replace(path="/postgres")):
    try:
        psycopg.connect(urlunsplit(candidate), connect_timeout=3).close()
        break
    except psycopg.OperationalError:
        continue
else:
    sys.exit(1)
PY
}

# Create the URL's database when it does not exist yet.
kam_pg_create_database() {
    python - "$1" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
try:
    psycopg.connect(urlunsplit(url), connect_timeout=5).close()
except psycopg.OperationalError:
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"Created database {name}.", file=sys.stderr)
PY
}

kam_pg_bin() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [[ -n $bin && -x $bin/initdb ]] || return 1
    printf '%s\n' "$bin"
}

kam_as_postgres() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

kam_pg_ctl() {
    kam_as_postgres "$(kam_pg_bin)/pg_ctl" -D "$KAM_PG_DATA" "$@"
}

# A cluster of our own on 127.0.0.1:5433, kept in .run/postgres between runs.
kam_pg_start_own() {
    local port=5433 data="$KAM_RUN_DIR/postgres"
    kam_pg_bin >/dev/null || kam_install_packages postgresql
    local bin
    bin="$(kam_pg_bin)" || kam_die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    local url="postgres://postgres@127.0.0.1:$port/postgres"
    if kam_pg_usable "$url"; then
        kam_say "Reusing the PostgreSQL cluster already running on port $port."
        return 0
    fi
    if [[ $EUID -eq 0 ]]; then
        mkdir -p "$data"
        chown postgres: "$data"
        chmod 700 "$data"
        # initdb refuses root; the cluster belongs to postgres, which must reach the folder.
        if ! runuser -u postgres -- test -w "$data"; then
            data="$(mktemp -d /tmp/kam-postgres.XXXXXX)"
            chown postgres: "$data"
            kam_say "postgres cannot reach $KAM_RUN_DIR; using $data for this run."
        fi
    else
        mkdir -p "$data"
        chmod 700 "$data"
    fi
    if [[ ! -f $data/PG_VERSION ]]; then
        kam_banner "Creating a PostgreSQL cluster in $data"
        kam_as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 \
            >"$KAM_RUN_DIR/initdb.log" 2>&1 || {
            cat "$KAM_RUN_DIR/initdb.log" >&2
            kam_die "initdb failed"
        }
    fi
    KAM_PG_DATA="$data"
    kam_banner "Starting PostgreSQL on 127.0.0.1:$port"
    kam_pg_ctl -l "$data/server.log" -w -t 60 -o "-p $port -k $data \
        -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off" start >/dev/null ||
        kam_die "PostgreSQL did not start; see $data/server.log"
}

kam_postgres() {
    local name=$1
    if [[ -n ${DATABASE_URL:-} ]]; then
        kam_say "Using DATABASE_URL from the environment."
    else
        local reuse="postgres://postgres@127.0.0.1:5432/$name"
        if { ! command -v pg_isready >/dev/null || pg_isready -q -h 127.0.0.1 -p 5432 -t 2; } &&
            kam_pg_usable "$reuse"; then
            kam_say "Reusing PostgreSQL on 127.0.0.1:5432."
            export DATABASE_URL="$reuse"
        else
            kam_pg_start_own
            export DATABASE_URL="postgres://postgres@127.0.0.1:5433/$name"
        fi
    fi
    kam_pg_create_database "$DATABASE_URL" || kam_die "Cannot reach or create the database"
}

# --- Redis ----------------------------------------------------------------------------------

kam_redis_ping() {  # host port
    local reply=""
    { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    read -r -t 2 reply <&3 || true
    exec 3>&- 3<&-
    [[ $reply == +PONG* ]]
}

kam_redis() {
    local db=$1
    if [[ -n ${REDIS_URL:-} ]]; then
        kam_say "Using REDIS_URL from the environment."
        return 0
    fi
    if kam_redis_ping 127.0.0.1 6379; then
        kam_say "Reusing Redis on 127.0.0.1:6379 (database $db)."
        export REDIS_URL="redis://127.0.0.1:6379/$db"
        return 0
    fi
    local port=6380 dir="$KAM_RUN_DIR/redis"
    export REDIS_URL="redis://127.0.0.1:$port/$db"
    if kam_redis_ping 127.0.0.1 $port; then
        kam_say "Reusing the Redis server already running on port $port."
        return 0
    fi
    command -v redis-server >/dev/null || kam_install_packages redis-server
    mkdir -p "$dir"
    kam_banner "Starting Redis on 127.0.0.1:$port"
    KAM_REDIS_PIDFILE="$dir/redis.pid"
    redis-server --bind 127.0.0.1 --port $port --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$KAM_REDIS_PIDFILE" --logfile "$dir/redis.log" >/dev/null
    local tries=0
    until kam_redis_ping 127.0.0.1 $port; do
        ((tries++ < 50)) || kam_die "Redis did not start; see $dir/redis.log"
        sleep 0.1
    done
}

# --- processes and steps --------------------------------------------------------------------

# kam_start NAME LOGFILE CMD...: CMD runs in a new session, so its whole process tree (celery's
# pool, runserver's reloader) is one process group that the clean-up stops with one signal.
kam_start() {
    local name=$1 log=$2
    shift 2
    if [[ $log == - ]]; then
        setsid "$@" </dev/null &
    else
        setsid "$@" </dev/null >"$log" 2>&1 &
    fi
    KAM_STARTED_PGIDS+=("$!")
    KAM_STARTED_NAMES+=("$name")
}

kam_step() {
    local name=$1 started=$SECONDS status=0
    shift
    kam_banner "$name"
    "$@" || status=$?
    if ((status != 0)); then
        kam_die "$name (exit code $status, after $((SECONDS - started)) s)"
    fi
    kam_say "ok: $name ($((SECONDS - started)) s)"
}
