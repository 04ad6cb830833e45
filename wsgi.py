"""WSGI entry point: ``gunicorn wsgi:app``."""

from meldpunt import create_app

app = create_app()
