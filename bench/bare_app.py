"""The baseline for bench/load_submit.py: the least a report form can do.

A bare Flask app that shows a form (with a hidden token, like a CSRF field),
inserts one row and commits, and shows a thank-you page: the same requests the
load test makes against the meldpunt, served by the same gunicorn (same
gunicorn.conf.py, same number of workers) on the same PostgreSQL database.

    gunicorn bench.bare_app:app   (MELDPUNT_DATABASE_URL names the database)
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, redirect, render_template_string, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["MELDPUNT_DATABASE_URL"], pool_pre_ping=True)

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bare_report "
    "(id serial PRIMARY KEY, text text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>{{ body|safe }}</main></body></html>"""

FORM = """<form method="post" action="/melden">
<input name="csrf_token" type="hidden" value="{{ token }}">
<label for="text">Wat heeft u gezien of gehoord?</label>
<textarea id="text" name="text" rows="9"></textarea>
<button type="submit">Melding versturen</button>
</form>"""


@app.get("/gezond")
def health():
    return "ok"


@app.get("/melden")
def form():
    body = render_template_string(FORM, token=secrets.token_urlsafe(32))
    return render_template_string(PAGE, title="Melding maken", body=body)


@app.post("/melden")
def submit():
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bare_report (text) VALUES (:text)"), {"text": request.form.get("text", "")})
    return redirect("/melden/bedankt", code=303)


@app.get("/melden/bedankt")
def thanks():
    return render_template_string(PAGE, title="Bedankt", body="<p>Uw melding is ontvangen.</p>")
