#!/bin/sh
set -eu
cd /srv/ledger
if [ "${1:-}" = "gunicorn" ]; then
    flask db upgrade
    exec "$@" --workers "${WORKERS:-3}" --bind "${BIND:-0.0.0.0:80}"
fi
exec "$@"
