"""A bare Flask app: the ceiling for bench/respondent_flow.py, served by the same gunicorn
configuration (``gunicorn -c gunicorn.conf.py --pythonpath bench bare_app:app``).

GET / returns a small HTML page with a hidden field (like a form page); POST /submit reads the
form and answers with a redirect, as the questionnaire's POSTs do. No database, no session,
no templates."""

from __future__ import annotations

from flask import Flask, redirect, request

app = Flask(__name__)

PAGE = ('<!doctype html><title>bare</title><form method="post" action="/submit">'
        '<input type="hidden" name="csrf_token" value="x"><button>go</button></form>')


@app.get("/")
def page():
    return PAGE


@app.post("/submit")
def submit():
    return redirect(f"/?n={len(request.form)}")
