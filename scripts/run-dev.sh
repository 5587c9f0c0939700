#!/usr/bin/env bash
# Start the demo app: web (runserver), one Celery worker and one beat, on the
# embedded broker unless CELERY_BROKER_URL is set. Ctrl-C stops all three.
set -euo pipefail
PY=${PY:-.venv/bin/python}
CELERY="$(dirname "$PY")/celery"
pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping web, worker and beat..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

"$CELERY" -A dressdb worker --loglevel=INFO --concurrency=2 &
pids+=($!)
"$CELERY" -A dressdb beat --loglevel=INFO --pidfile= &
pids+=($!)
"$PY" manage.py runserver 127.0.0.1:8000 &
pids+=($!)
echo "dressdb is starting on http://127.0.0.1:8000/ (Ctrl-C stops web, worker and beat)"
wait -n "${pids[@]}"
