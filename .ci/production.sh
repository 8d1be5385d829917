#!/usr/bin/env bash
# The production profile, proved: a fresh PostgreSQL database, the Redis at 6379, two ASGI web
# workers (uvicorn --workers 2) and one RQ task worker, with production settings (own keys, no
# demo mode). A browser journey runs against the web workers; then a task is killed with
# SIGKILL in the middle of its run, and a new worker must retry it and do it exactly once.
# Called by .ci/run after the suites; runs from the repository root with the venv in place.
set -euo pipefail

BIN=.venv/bin
PG_DB="lianxin_prod_$(date +%Y%m%d%H%M%S)_$$"
PORT=${LIANXIN_PROD_PORT:-8765}
REDIS_DB=${LIANXIN_PROD_REDIS_DB:-11}
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || true
  redis-cli -n "$REDIS_DB" flushdb >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "CREATE DATABASE \"$PG_DB\""
redis-cli -n "$REDIS_DB" flushdb >/dev/null

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
export LIANXIN_REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export LIANXIN_TASKS_BACKEND=rq
export LIANXIN_SECRET_KEY="ci-$(openssl rand -hex 24)"
export LIANXIN_PII_KEYS="ci1:$(openssl rand -hex 24)"
export LIANXIN_HTTPS=0            # plain HTTP on 127.0.0.1 (a real host terminates TLS in front)
export LIANXIN_REQUIRE_OTP=0      # the journey signs in with passwords; the TOTP flow has its own tests
export LIANXIN_LOG_FORMAT=json
export LIANXIN_ALLOWED_HOSTS=127.0.0.1,localhost
export LIANXIN_DB_POOL=8           # connections per web process (CONN_MAX_AGE is no use under ASGI)
# A job's lease in RQ is its timeout: a short one here, so the dead worker's job is found in ~2 min.
export LIANXIN_RQ_JOB_TIMEOUT=60
unset LIANXIN_DEMO DJANGO_SETTINGS_MODULE

echo "production: migrate and load a small station into $PG_DB"
$BIN/lianxin migrate --no-input -v0
$BIN/lianxin check --deploy --fail-level ERROR
$BIN/lianxin collectstatic --no-input -v0
$BIN/lianxin seed_demo --scale 0.05 --now 2026-06-15T10:00+08:00 >/dev/null

echo "production: two web workers on 127.0.0.1:$PORT, and one more process on the next port"
$BIN/uvicorn lianxin.asgi:application --host 127.0.0.1 --port "$PORT" --workers 2 --lifespan off \
  --no-access-log >"$WORK/web.log" 2>&1 &
PIDS+=($!)
# A web process of its own beside them: live events must cross processes through Redis.
OTHER_PORT=$((PORT + 1))
$BIN/uvicorn lianxin.asgi:application --host 127.0.0.1 --port "$OTHER_PORT" --lifespan off \
  --no-access-log >"$WORK/web-other.log" 2>&1 &
PIDS+=($!)
for port in "$PORT" "$OTHER_PORT"; do
  for _ in $(seq 60); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "http://127.0.0.1:$port/readyz"; echo
done

echo "production: browser journey against the web workers, and a live warning across web processes"
LIANXIN_BASE_URL="http://127.0.0.1:$PORT" LIANXIN_OTHER_URL="http://127.0.0.1:$OTHER_PORT" \
  $BIN/python .ci/production_journey.py || { tail -30 "$WORK/web.log" "$WORK/web-other.log"; exit 1; }

echo "production: a task killed with SIGKILL mid-run is retried and done exactly once"
MARKER="probe-$$-$RANDOM"
$BIN/lianxin task_probe enqueue "$MARKER" --sleep 20 >/dev/null
$BIN/lianxin rqworker default --worker-class rq.worker.SimpleWorker --job-class django_tasks_rq.backend.Job \
  >"$WORK/worker1.log" 2>&1 &
WORKER=$!
PIDS+=($WORKER)
for _ in $(seq 30); do grep -q "$MARKER" "$WORK/worker1.log" 2>/dev/null && break; sleep 1; done
sleep 3
kill -9 "$WORKER"
echo "  killed the worker mid-task; done so far: $($BIN/lianxin task_probe count "$MARKER")"
[ "$($BIN/lianxin task_probe count "$MARKER")" = "0" ] || { echo "the killed run left a write"; exit 1; }
# RQ counts a job abandoned once its lease (the monitoring interval plus a 60 s margin, renewed
# at each heartbeat) has lapsed. A burst worker run after that finds it in the started registry and queues
# it again (or schedules it, hence --with-scheduler). Slow machines stretch every step, so the
# worker is run again every 15 s until the probe is done or 5 minutes have passed.
echo "  waiting for the dead worker's lease to lapse (about 95 s)"
sleep 95
DONE=0
for attempt in $(seq 14); do
  $BIN/lianxin rqworker default --burst --with-scheduler --worker-class rq.worker.SimpleWorker \
    --job-class django_tasks_rq.backend.Job >>"$WORK/worker2.log" 2>&1 || { cat "$WORK/worker2.log"; exit 1; }
  DONE=$($BIN/lianxin task_probe count "$MARKER")
  [ "$DONE" != "0" ] && break
  echo "  retry worker run $attempt found nothing to do yet; started registry: $(redis-cli -n "$REDIS_DB" zrange rq:wip:default 0 -1 withscores | tr '\n' ' ') (now $(date +%s))"
  sleep 15
done
echo "  after the retry: done $DONE time(s)"
if [ "$DONE" != "1" ]; then
  echo "--- worker 1"; tail -20 "$WORK/worker1.log"; echo "--- worker 2"; tail -60 "$WORK/worker2.log"
  exit 1
fi
echo "production: all checks passed"
