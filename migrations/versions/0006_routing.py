"""routing set by coordinators; place keys for related reports

Revision ID: 0006_routing
Revises: 0005_merge
Create Date: 2026-12-10 10:00:00

``routing_theme_setting`` and ``partner_address_setting`` hold what a
coordinator set on the routing page (meldpunt/routing_settings.py): a theme's
default route and a partner route's notice addresses. They win over the
routing file and ``MELDPUNT_PARTNER_EMAILS``; every change is in the audit log.

``report_place_key`` holds several normalised keys per report location
(meldpunt/places.py) so related reports are found on any of them. The upgrade
fills it for every report that still has its location (purged reports have
none); the downgrade drops the tables, nothing else depends on them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_routing"
down_revision = "0005_merge"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    op.create_table(
        "routing_theme_setting",
        sa.Column("theme", sa.String(length=30), nullable=False),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["staff_user.id"], name=op.f("fk_routing_theme_setting_updated_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("theme", name=op.f("pk_routing_theme_setting")),
    )
    op.create_table(
        "partner_address_setting",
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["staff_user.id"], name=op.f("fk_partner_address_setting_updated_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("route", name=op.f("pk_partner_address_setting")),
    )
    op.create_table(
        "report_place_key",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_place_key_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "key", name=op.f("pk_report_place_key")),
    )
    with op.batch_alter_table("report_place_key", schema=None) as batch_op:
        batch_op.create_index("ix_report_place_key_key", ["key", "report_id"], unique=False)
    _backfill_place_keys()


def _backfill_place_keys():
    """Keys for the reports already stored (the intake writes them for new ones)."""
    from meldpunt import places

    connection = op.get_bind()
    report = sa.table(
        "report",
        sa.column("id", sa.Integer),
        sa.column("location", sa.String),
        sa.column("postcode", sa.String),
        sa.column("purged_at", sa.DateTime(timezone=True)),
    )
    place_key = sa.table("report_place_key", sa.column("report_id", sa.Integer), sa.column("key", sa.String))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(report.c.id, report.c.location, report.c.postcode)
            .where(
                report.c.id > last_id,
                report.c.purged_at.is_(None),
                sa.or_(report.c.location.is_not(None), report.c.postcode.is_not(None)),
            )
            .order_by(report.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        values = [
            {"report_id": row.id, "key": key} for row in rows for key in places.keys(row.location, row.postcode)
        ]
        if values:
            connection.execute(place_key.insert(), values)


def downgrade():
    with op.batch_alter_table("report_place_key", schema=None) as batch_op:
        batch_op.drop_index("ix_report_place_key_key")
    op.drop_table("report_place_key")
    op.drop_table("partner_address_setting")
    op.drop_table("routing_theme_setting")
