#!/bin/bash
# Run after every upgrade.
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
python3 -m venv venv
pip install -r requirements.txt

COMMAND="python3 srv/manage.py migrate"
echo "Applying migrations ($COMMAND)..."
eval $COMMAND || exit 1

COMMAND="python3 srv/manage.py collectstatic --no-input"
eval $COMMAND || exit 1

COMMAND="python3 srv/manage.py clearsessions"
eval $COMMAND || exit 1
