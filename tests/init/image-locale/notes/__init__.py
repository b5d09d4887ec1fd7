import os

from flask import Flask

app = Flask("notes")
app.config["GREETING"] = os.environ.get("NOTES_GREETING", "hello")
