#!/usr/bin/env bash
# Run the suite on SQLite and on PostgreSQL when one answers (side by side, one per core: each
# run is mostly one busy process); say which ran. TEST_SERIAL=1 runs them one after the other.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The suite makes its own databases and addresses: a deployment's settings must not leak in.
unset DATABASE_URL BASE_URL TRUSTED_HOSTS REDIS_URL
PG_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
ARTIFACTS=tests/artifacts
# Each run's temporary folders, under a folder of this invocation's own (pytest empties a
# --basetemp when it starts: two `make test` at once must not share one).
BASETEMP=$(mktemp -d "${TMPDIR:-/tmp}/lokakarya-tests.XXXXXX")

REDIS_URL_FOR_TESTS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
# Marker expressions: which tests each run leaves out (PostgreSQL's own in the SQLite run, SQLite's
# own in the PostgreSQL run, and the Redis ones when Redis is missing).
SQLITE_MARKS="not postgresql" PG_MARKS="not sqlite_only"
if "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()" \
    "$REDIS_URL_FOR_TESTS" 2>/dev/null; then
  echo "== Redis answers at ${REDIS_URL_FOR_TESTS}: background-job tests use it =="
else
  echo "== Redis does not answer at ${REDIS_URL_FOR_TESTS}: RQ TESTS DESELECTED, jobs tested in-process only =="
  SQLITE_MARKS="not redis and not postgresql" PG_MARKS="not redis and not sqlite_only"
fi
# Job tests use queues of their own: both runs may share the Redis database.
export TEST_REDIS_URL="$REDIS_URL_FOR_TESTS"

sqlite_run() {
  TEST_DATABASE_URL=sqlite TEST_ARTIFACTS="$ARTIFACTS/sqlite" \
    "$BIN/pytest" -m "$SQLITE_MARKS" --basetemp="$BASETEMP/sqlite" "$@"
}
pg_run() {
  # SIGINT back to its default before pytest starts (see below), then pytest itself.
  TEST_DATABASE_URL="$PG_URL" TEST_ARTIFACTS="$ARTIFACTS/postgresql" "$BIN/python" -c \
    'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
    "$BIN/pytest" -m "$PG_MARKS" --basetemp="$BASETEMP/postgresql" "$@"
}

if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
with engine.connect() as connection:
    connection.execute(sa.text("SELECT 1"))
PY
then
  if [ "${TEST_SERIAL:-}" = 1 ]; then
    echo "== Test run 1: SQLite (embedded) =="
    sqlite_run "$@"; sqlite_status=$?
    echo "== Test run 2: PostgreSQL at ${PG_URL} (SQLite's own lock faults ran in run 1) =="
    pg_run "$@"; pg_status=$?
  else
    mkdir -p "$ARTIFACTS"
    log="$ARTIFACTS/postgresql-run.log"
    echo "== Test runs 1 (SQLite, embedded) and 2 (PostgreSQL at ${PG_URL}) side by side; run 2's output follows run 1's (and is kept in $log) =="
    # A command started with & ignores Ctrl-C; this one must not: pytest then stops the servers
    # its tests started (SIGINT runs the fixtures' teardown, SIGTERM would not).
    pg_run "$@" >"$log" 2>&1 &
    pg_pid=$!
    trap 'kill -INT "$pg_pid" 2>/dev/null; wait "$pg_pid"; exit 130' INT TERM
    echo "== Test run 1: SQLite (embedded) =="
    sqlite_run "$@"; sqlite_status=$?
    wait "$pg_pid"; pg_status=$?
    trap - INT TERM
    echo "== Test run 2: PostgreSQL at ${PG_URL} (SQLite's own lock faults ran in run 1) =="
    cat "$log"
  fi
else
  echo "== Test run 1: SQLite (embedded) =="
  sqlite_run "$@"; sqlite_status=$?
  echo "== PostgreSQL does not answer at ${PG_URL}: FELL BACK TO SQLITE ONLY (POSTGRESQL TESTS DESELECTED: the production layout) =="
  pg_status=0 pg_ran=no
fi
echo "== SQLite run: $([ "$sqlite_status" -eq 0 ] && echo passed || echo FAILED); PostgreSQL run: $(
  [ "${pg_ran:-yes}" = no ] && echo "not run" || { [ "$pg_status" -eq 0 ] && echo passed || echo FAILED; }) =="
if [ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]; then
  rm -rf "$BASETEMP"
else
  echo "== The failed runs' temporary files (servers' logs…) are kept in $BASETEMP =="
  exit 1
fi
