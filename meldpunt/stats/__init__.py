"""Statistics: the rollup into daily aggregates, the internal dashboard (exact numbers),
publications (public results, factsheet, exports) and charts.

``stats.views`` holds the blueprints "stats" (``/statistiek``) and "results"
(``/resultaten``), ``stats.cli`` the ``rollup-stats`` command; ``create_app``
registers both explicitly.
"""
