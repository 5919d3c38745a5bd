"""Wetland database: survey vintages, versioned parcels and their lineage.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the survey tables."""
    op.create_table(
        "vintages",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_hashes", sa.Text, nullable=False),
        sa.Column("parcels", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "parcels",
        sa.Column("bsm", sa.String(64), primary_key=True),
        sa.Column("valid_from", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("valid_to", sa.Integer),
        sa.Column("land_class", sa.String(16), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("township", sa.String(128), nullable=False),
        sa.Column("wetland_level", sa.String(16), nullable=False),
        sa.Column("geometry", sa.LargeBinary),
        sa.Column("crs", sa.String(64)),
    )
    op.create_index("ix_parcels_alive", "parcels", ["valid_from", "valid_to"])
    op.create_table(
        "lineage",
        sa.Column("year", sa.Integer, sa.ForeignKey("vintages.year"), primary_key=True),
        sa.Column("before_bsm", sa.String(64), primary_key=True),
        sa.Column("after_bsm", sa.String(64), primary_key=True),
        sa.Column("area_m2", sa.Float, nullable=False),
    )
    op.create_index("ix_lineage_after", "lineage", ["after_bsm"])
