#!/usr/bin/env bash
# Start the app in server mode. With SHARED_MEASURES_DB=postgresql://... set, the app uses that PostgreSQL store.
# Without it, a local PostgreSQL is started from data/postgres/ (made on first start, listening on 127.0.0.1 only,
# with the demo system loaded), and stopped again when the app stops.
# Usage: deploy/run-server.sh PYTHON PORT      (make run-server calls it)
set -euo pipefail
PYTHON=${1:-.venv/bin/python}
PORT=${2:-8501}
PGPORT=${PGPORT:-55433}
HERE=$(pwd)
FOLDER=${SHARED_MEASURES_PG_FOLDER:-$HERE/data/postgres}

if [[ "${SHARED_MEASURES_DB:-}" == postgres://* || "${SHARED_MEASURES_DB:-}" == postgresql://* ]]; then
  exec "$PYTHON" -m framework.streamlit_glue --server.port "$PORT"
fi

BIN=$(dirname "$(readlink -f "$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")")
if [[ ! -x "$BIN/initdb" ]]; then
  echo "PostgreSQL is not installed: install Debian's postgresql package, or set SHARED_MEASURES_DB to a server." >&2
  exit 2
fi
as_owner() {  # PostgreSQL refuses to run as root: as root, the local cluster belongs to the postgres user
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
URL="postgresql://sm@127.0.0.1:$PGPORT/shared_measures"
# Ballots are keyed with a secret; a server store has no folder beside it for a key file, so keep one here.
mkdir -p "$(dirname "$FOLDER")"
if [[ -z "${SHARED_MEASURES_BALLOT_SECRET:-}" ]]; then
  KEY="$FOLDER.ballot-key"
  if [[ ! -s "$KEY" ]]; then (umask 077 && head -c 32 /dev/urandom | base64 > "$KEY"); fi
  SHARED_MEASURES_BALLOT_SECRET=$(cat "$KEY")
  export SHARED_MEASURES_BALLOT_SECRET
fi
if [[ ! -f "$FOLDER/PG_VERSION" ]]; then
  mkdir -p "$FOLDER"
  [[ $(id -u) == 0 ]] && chown postgres: "$FOLDER"
  chmod 700 "$FOLDER"
  (cd /tmp && as_owner "$BIN/initdb" -D "$FOLDER" -U sm -A trust -E UTF8 --locale=C.UTF-8 >/dev/null)
  echo "host all sm 127.0.0.1/32 trust" > "$FOLDER/pg_hba.conf"
  [[ $(id -u) == 0 ]] && chown postgres: "$FOLDER/pg_hba.conf"
fi
(cd /tmp && as_owner "$BIN/pg_ctl" start -D "$FOLDER" -w -t 30 -l "$FOLDER/server.log" \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null)
APP=
stop() {  # the app first, then the local PostgreSQL, however the script ends (Ctrl+C, kill, or the app stopping)
  if [[ -n "$APP" ]]; then kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true; fi
  (cd /tmp && as_owner "$BIN/pg_ctl" stop -D "$FOLDER" -m fast -w >/dev/null) || true
}
trap stop EXIT
trap 'exit 130' INT TERM
if ! "$BIN/psql" -X -q -A -t -d "postgresql://sm@127.0.0.1:$PGPORT/postgres" \
     -c "SELECT 1 FROM pg_database WHERE datname = 'shared_measures'" | grep -q 1; then
  "$BIN/psql" -X -q -d "postgresql://sm@127.0.0.1:$PGPORT/postgres" -c "CREATE DATABASE shared_measures"
  "$PYTHON" -m framework --db "$URL" init --demo
fi
echo "The store is $URL (stopped again when the app stops)."
SHARED_MEASURES_DB=$URL "$PYTHON" -m framework.streamlit_glue --server.port "$PORT" &
APP=$!
wait "$APP"
