"""merge the back-office, statistics and jobs branches into one head

Revision ID: 0005_merge
Revises: 0002_backoffice, 0003_statistics, 0004_jobs
Create Date: 2026-12-02 02:00:00

Revisions 0002, 0003 and 0004 were written in parallel on top of 0001. This
merge gives the history a single head again, so the plain
``flask --app meldpunt db upgrade`` brings any database to the current schema.
It changes nothing itself.
"""

revision = "0005_merge"
down_revision = ("0002_backoffice", "0003_statistics", "0004_jobs")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
