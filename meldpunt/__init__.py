"""The meldpunt ondermijning Flask application."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request, session
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from meldpunt import errors, formatting, http_headers, routing, triage_model
from meldpunt.config import load_config
from meldpunt.extensions import babel, csrf, db, limiter, login_manager, migrate
from meldpunt.upload_request import UploadRequest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RTL_LANGUAGES = {"ar"}
# The locale used for formatting a language's dates and numbers: English text is British
# English, so its dates are too ("7 December 2026", not "December 7, 2026"). Translations
# are looked up per language: en_GB falls back to the "en" catalogue.
FORMAT_LOCALES = {"en": "en_GB"}


def select_locale() -> str:
    """Session choice first (the visible switch), then the browser's preference, then Dutch."""
    from flask import current_app

    languages = current_app.config["AVAILABLE_LANGUAGES"]
    # Staff pages exist in Dutch and English only; every reporter page, /resultaten
    # included, in all reporter languages.
    if request.blueprint in {"backoffice", "stats"}:
        languages = [code for code in languages if code in current_app.config["STAFF_LANGUAGES"]]
    chosen = session.get("lang")
    if not (isinstance(chosen, str) and chosen in languages):
        chosen = request.accept_languages.best_match(languages) or "nl"
    return FORMAT_LOCALES.get(chosen, chosen)


def available_languages(wanted: list[str]) -> list[str]:
    """Dutch plus every configured language that has a compiled catalogue.

    A page must never claim a language (``<html lang>``, the switch) it cannot show.
    """
    folder = PROJECT_ROOT / "meldpunt" / "translations"
    return [
        code
        for code in wanted
        if code == "nl" or (folder / code / "LC_MESSAGES" / "messages.mo").exists()
    ]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.request_class = UploadRequest
    app.config.update(load_config(config))
    if app.config.get("TRUSTED_PROXIES"):
        # Behind the proxy every request comes from the proxy's address; the real client
        # address (needed only for the salted rate-limit key) is in X-Forwarded-For.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "meldpunt" / "translations"),
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.config["AVAILABLE_LANGUAGES"] = available_languages(app.config["LANGUAGES"])
    _quiet_request_logging()

    routing.init_app(app)
    triage_model.init_app(app)
    _register_blueprints(app)
    errors.register(app)
    http_headers.register(app)
    formatting.register(app)
    _register_commands(app)

    @app.context_processor
    def language_context() -> dict[str, Any]:
        locale = get_locale()
        language = locale.language if locale else "nl"
        return {
            "current_language": language,
            "available_languages": app.config["AVAILABLE_LANGUAGES"],
            "text_direction": "rtl" if language in RTL_LANGUAGES else "ltr",
            "municipality_name": app.config["MUNICIPALITY_NAME"],
        }

    return app


def _register_blueprints(app: Flask) -> None:
    """Every blueprint, explicitly. Each guard is registered by the module that defines
    its blueprint; a blueprint's routes must all be imported before it is registered
    (Flask refuses routes added afterwards)."""
    from meldpunt.casework import model_views
    from meldpunt.casework import views as casework_views
    from meldpunt.casework import work_views as casework_work_views
    from meldpunt.intake import views as intake_views
    from meldpunt.jobs import views as jobs_views
    from meldpunt.staff import auth_views, blueprint
    from meldpunt.staff import views as staff_views
    from meldpunt.stats import views as stats_views

    app.register_blueprint(intake_views.bp)
    # "backoffice" (/beheer) is the staff frame (meldpunt.staff.blueprint, with its guard);
    # the staff, casework and jobs view modules imported above add its pages.
    for pages in (auth_views, staff_views, casework_views, casework_work_views, model_views, jobs_views):
        if pages.bp is not blueprint.bp:  # pragma: no cover - a wiring mistake, loud at start-up
            raise RuntimeError(f"{pages.__name__} does not hang on the back-office blueprint")
    app.register_blueprint(blueprint.bp)
    blueprint.init_login(app)
    app.register_blueprint(stats_views.bp)
    app.register_blueprint(stats_views.results_bp)


def _register_commands(app: Flask) -> None:
    from meldpunt import cli
    from meldpunt.casework import cli as casework_cli
    from meldpunt.jobs import cli as jobs_cli
    from meldpunt.staff import cli as staff_cli
    from meldpunt.stats import cli as stats_cli

    cli.register(app)
    staff_cli.register(app)
    casework_cli.register(app)
    jobs_cli.register(app)
    stats_cli.register(app)


def _quiet_request_logging() -> None:
    # Werkzeug's request log line starts with the client address; it must never be written.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
