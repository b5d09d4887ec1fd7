#!/bin/bash
set -euo pipefail

WORKERS=${WORKERS:-3}

# Wait for the database.
python docker/wait_for_db.py

python manage.py migrate --noinput
if [[ "$LOAD_DEMO_DATA" == "True" ]]; then
    python manage.py loaddata demo.json
fi
python manage.py createcachetable

exec gunicorn shop.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "$WORKERS" \
    --access-logfile -
