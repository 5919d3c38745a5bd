"""Reserve resources: census registrations, their parcels and field verifications.

Also adds the parcels' 坐落单位代码 (``location_code``, ZLDWDM), whose first
nine characters are the township code.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the reserve tables and add ``parcels.location_code``."""
    with op.batch_alter_table("parcels") as batch:
        batch.add_column(sa.Column("location_code", sa.String(19)))
    op.create_table(
        "reserve_censuses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("min_water_months", sa.Float, nullable=False),
        sa.Column("parcels", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "reserves",
        sa.Column("census_id", sa.Integer, sa.ForeignKey("reserve_censuses.id"), primary_key=True),
        sa.Column("bsm", sa.String(64), primary_key=True),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("township", sa.String(128), nullable=False),
        sa.Column("land_class", sa.String(16), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("candidate", sa.Integer, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("field_checks", sa.Text, nullable=False),
        sa.Column("potential", sa.Float),
        sa.Column("rank", sa.Integer),
    )
    op.create_index("ix_reserves_township", "reserves", ["township_code"])
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("bsm", sa.String(64), nullable=False),
        sa.Column("finding", sa.String(16), nullable=False),
        sa.Column("water_months", sa.Float, nullable=False),
        sa.Column("verifier", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
