"""Quota registry: audit events, projects, quota transactions, trades, funds, pledges.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PROJECT = sa.String(128)


def upgrade() -> None:
    """Create the quota tables."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_key", sa.String(256), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "projects",
        sa.Column("id", _PROJECT, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("township", sa.String(128), nullable=False),
        sa.Column("grade", sa.String(32), nullable=False),
        sa.Column("registered_on", sa.String(10), nullable=False),
        *[sa.Column(c, sa.BigInteger, nullable=False) for c in
          ("potential", "released", "debited", "pledged")],
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("sites", sa.Text, nullable=False),
        sa.Column("design", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("cost_fen", sa.BigInteger, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
    )  # fmt: skip
    op.create_table(
        "quota_transactions",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account", _PROJECT, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("milestone", sa.String(128)),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(
            "transaction_seq",
            sa.BigInteger,
            sa.ForeignKey("quota_transactions.seq"),
            nullable=False,
        ),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("project_id", _PROJECT, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("asking_fen_per_unit", sa.BigInteger, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "trades",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contract", sa.String(128), nullable=False, unique=True),
        sa.Column("buyer", sa.Text, nullable=False),
        sa.Column("occupation_project", sa.Text, nullable=False),
        sa.Column("approval_reference", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("price_fen_per_unit", sa.BigInteger, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("assessment_hash", sa.String(64)),
        sa.Column("review_hash", sa.String(64)),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id")),
        sa.Column("fund_card", sa.Text, nullable=False),
    )
    op.create_table(
        "trade_parts",
        sa.Column("trade_id", sa.Integer, sa.ForeignKey("trades.id"), primary_key=True),
        sa.Column("project_id", _PROJECT, sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column(
            "transaction_seq",
            sa.BigInteger,
            sa.ForeignKey("quota_transactions.seq"),
            nullable=False,
        ),
    )
    op.create_table(
        "fund_postings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("trade_id", sa.Integer, sa.ForeignKey("trades.id"), nullable=False),
        sa.Column("account", sa.String(256), nullable=False),
        sa.Column("fen", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bank", sa.Text, nullable=False),
        sa.Column("project_id", _PROJECT, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("loan_fen", sa.BigInteger, nullable=False),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10), nullable=False),
        sa.Column("released_on", sa.String(10)),
    )
    op.create_table(
        "insurance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("policy_number", sa.String(128), nullable=False, unique=True),
        sa.Column("insurer", sa.Text, nullable=False),
        sa.Column("project_id", _PROJECT, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("premium_fen", sa.BigInteger, nullable=False),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10), nullable=False),
    )
