"""Statistics for communications (``/statistiek``) and the public results page (``/resultaten``).

``init_app`` registers the staff blueprint "stats" (roles communicatie,
coordinator and admin, checked by ``meldpunt.access``), the public blueprint
"results" and the ``rollup-stats`` command. The pages only show aggregate,
suppressed figures from ``meldpunt.statistics``; they never read a report.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("stats", __name__, url_prefix="/statistiek")
results_bp = Blueprint("results", __name__)


def init_app(app: Flask) -> None:
    from meldpunt.stats import cli, views  # noqa: F401  (routes register on import)

    app.register_blueprint(bp)
    app.register_blueprint(results_bp)
    cli.register(app)
