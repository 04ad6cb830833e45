#!/bin/sh
# `make run`: the site (gunicorn) plus the one scheduler process next to it.
#
# Scheduled jobs run only in `flask --app meldpunt scheduler`, never in the
# gunicorn workers (see docs/adr/0003-exactly-once-jobs.md). This script starts
# both and stops the scheduler when gunicorn exits, and both on Ctrl-C.
set -u

BIN="${BIN:-.venv/bin}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
WORKERS="${WORKERS:-2}"
# Links in e-mails (the follow-up page in a reporter's notice) point at this address.
export MELDPUNT_BASE_URL="${MELDPUNT_BASE_URL:-http://$HOST:$PORT}"

# The demo's mail sink (meldpunt/mailsink.py): a local SMTP server that keeps every e-mail
# in the data directory; admins read them at /beheer/e-mail. Only when no mail server is set.
SINK_PID=""
if [ -z "${MELDPUNT_SMTP_HOST:-}" ] && [ "${MELDPUNT_ENV:-development}" != "production" ]; then
    SINK_PORT="${MELDPUNT_MAIL_SINK_PORT:-8025}"
    export MELDPUNT_MAIL_SINK=1 MELDPUNT_SMTP_HOST=127.0.0.1 MELDPUNT_SMTP_PORT="$SINK_PORT"
    "$BIN/flask" --app meldpunt mail-sink --port "$SINK_PORT" &
    SINK_PID=$!
    echo "  E-mail goes to the local mail sink on port $SINK_PORT; admins read it at /beheer/e-mail."
fi

"$BIN/flask" --app meldpunt scheduler &
SCHEDULER_PID=$!
"$BIN/gunicorn" --workers "$WORKERS" --bind "$HOST:$PORT" wsgi:app &
GUNICORN_PID=$!

stop() {
    kill -TERM "$GUNICORN_PID" "$SCHEDULER_PID" $SINK_PID 2>/dev/null || true
}
trap stop INT TERM HUP

status=0
wait "$GUNICORN_PID" || status=$?
# A signal interrupts `wait`; keep waiting until gunicorn has really shut down.
while kill -0 "$GUNICORN_PID" 2>/dev/null; do
    wait "$GUNICORN_PID" || status=$?
done
kill -TERM "$SCHEDULER_PID" $SINK_PID 2>/dev/null || true
wait "$SCHEDULER_PID" 2>/dev/null || true
[ -n "$SINK_PID" ] && wait "$SINK_PID" 2>/dev/null || true
exit "$status"
