from flask import Flask, render_template

app = Flask(__name__, static_folder="themes/admin/static", template_folder="templates")


@app.get("/")
def index():
    return render_template("index.html")
