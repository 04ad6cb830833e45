"""The staff back office under ``/beheer``: sign-in with TOTP, the queue, report
handling, forwarding to partners, partner inboxes and the audit log.

``init_app`` registers the blueprint, the Flask-Login user loader and the
back-office CLI commands. Who may open which page is decided in one place:
``meldpunt.access`` (called from the blueprint's ``before_request``).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("backoffice", __name__, url_prefix="/beheer")


def init_app(app: Flask) -> None:
    from meldpunt import authentication
    from meldpunt.backoffice import auth, cli, jobs_views, views  # noqa: F401  (routes register on import)
    from meldpunt.extensions import login_manager

    app.register_blueprint(bp)
    login_manager.login_view = "backoffice.login"
    # Our own idle timeout and token rotation replace Flask-Login's session
    # protection, which would keep a hash of the client address in the cookie.
    login_manager.session_protection = None
    login_manager.user_loader(authentication.load_user)
    cli.register(app)
