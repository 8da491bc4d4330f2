#!/usr/bin/env bash
# Run the suite on SQLite, then again on PostgreSQL when one answers; say which ran.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The suite makes its own databases and addresses: a deployment's settings must not leak in.
unset DATABASE_URL BASE_URL TRUSTED_HOSTS REDIS_URL
PG_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

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
export TEST_REDIS_URL="$REDIS_URL_FOR_TESTS"

echo "== Test run 1: SQLite (embedded) =="
TEST_DATABASE_URL=sqlite "$BIN/pytest" -m "$SQLITE_MARKS" "$@"
sqlite_status=$?

if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
with engine.connect() as connection:
    connection.execute(sa.text("SELECT 1"))
PY
then
  echo "== Test run 2: PostgreSQL at ${PG_URL} (SQLite's own lock faults ran in run 1) =="
  TEST_DATABASE_URL="$PG_URL" "$BIN/pytest" -m "$PG_MARKS" "$@"
  pg_status=$?
else
  echo "== PostgreSQL does not answer at ${PG_URL}: FELL BACK TO SQLITE ONLY (POSTGRESQL TESTS DESELECTED: the production layout) =="
  pg_status=0
fi
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
