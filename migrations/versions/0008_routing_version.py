"""routing: a settings version instead of an effective routing file

Revision ID: 0008_routing_version
Revises: 0007_stat_published
Create Date: 2026-12-13 10:00:00

``routing_version`` holds one row whose ``version`` is bumped in the same
transaction as every change on the routing page. Each process caches the routing
table it builds (database settings over ``MELDPUNT_ROUTING_FILE`` over the packaged
default, meldpunt/routing.py) under that number, so no routing file is written and
no data directory has to be shared for routing. The downgrade drops the table; the
code of 0007 rebuilds its effective file from the settings on its first request.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_routing_version"
down_revision = "0007_stat_published"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "routing_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1}])


def downgrade():
    op.drop_table("routing_version")
