workers = 2
raw_env = ["SECRET_KEY=pl4nted-raw-env", "LOG_LEVEL=info", 'API_KEY=pl4nted-raw-env-2']
