# Planted: a gunicorn configuration that the unit's gunicorn reads from its working directory.
import os

workers = 2
raw_env = ["DB_PASSWORD=pl4nted-raw-env-pw", "PLAIN_TOO=fine"]
secret_key = "pl4nted-conf-secret-key"
keyfile_password = "pl4nted-conf-keyfile-pw"
statsd_host = "udp://metrics:pl4nted-statsd-pw@stats.example.org:8125"
api_token = os.environ.get("API_TOKEN", "pl4nted-conf-default-token")


def on_starting(server):
    server.log.info("pl4nted-hook-value")
