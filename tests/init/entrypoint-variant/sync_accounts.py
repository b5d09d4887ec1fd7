"""Run from cron: python sync_accounts.py"""

from ledger import create_app

app = create_app()

with app.app_context():
    print("synced")
