"""Migration 0004_jobs: up and down with rows in its tables; the claim constraint holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_app
from tests.test_migrations import _drop, _fresh_database, _insert_sample_report


def test_0004_upgrade_downgrade_with_data(tmp_path):
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from meldpunt.extensions import db

            upgrade(revision="heads")
            _insert_sample_report(db.engine)
            due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
            claim = text(
                "INSERT INTO job_occurrence (job, due_at, claimed_by, claimed_at, outcome) "
                "VALUES ('outbox', :due, :who, :due, 'ok')"
            )
            with db.engine.begin() as conn:
                conn.execute(claim, {"due": due, "who": "a"})
                report_id = conn.execute(text("SELECT min(id) FROM report")).scalar()
                conn.execute(
                    text(
                        "INSERT INTO reminder_sent (report_id, rule, sent_at) "
                        "VALUES (:id, 'acuut_1u', :at)"
                    ),
                    {"id": report_id, "at": due},
                )
            # The same occurrence cannot be claimed twice.
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(claim, {"due": due, "who": "b"})

            downgrade(revision="0004_jobs@0001")
            tables = set(inspect(db.engine).get_table_names())
            assert "job_occurrence" not in tables and "reminder_sent" not in tables
            assert "report" in tables and "job_run" in tables
            upgrade(revision="heads")
            assert {"job_occurrence", "reminder_sent"} <= set(inspect(db.engine).get_table_names())
            downgrade(revision="base")
            db.engine.dispose()
    finally:
        _drop(cleanup)
