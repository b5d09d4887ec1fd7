#!/bin/sh
set -eu
cd /srv/ledger
exec flask run --debug --host 0.0.0.0
