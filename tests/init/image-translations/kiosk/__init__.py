from flask import Flask
from flask_babel import Babel

app = Flask("kiosk")
babel = Babel(app)
