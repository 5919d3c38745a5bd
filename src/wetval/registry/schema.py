"""Tables of the registry (SQLAlchemy Core), as the latest migration leaves them.

Quota units are stored as integers in units of ``10**-unit_decimals`` (the
registry's ``unit_decimals``, 4 unless chosen at creation), money as integer
fen (分), dates as ISO text (YYYY-MM-DD) and timestamps as ISO text in UTC, so
sums are exact on every backend. Geometry is WKB (``LargeBinary``) with its
CRS as text; no spatial extension is needed.

The Alembic migrations in ``wetval/registry/migrations/versions`` build these
tables; a test checks that a migrated database matches :data:`METADATA`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "METADATA",
    "events",
    "evidence",
    "fund_postings",
    "insurance",
    "lineage",
    "listings",
    "meta",
    "parcels",
    "pledges",
    "projects",
    "quota_transactions",
    "reserve_censuses",
    "reserves",
    "trade_parts",
    "trades",
    "verifications",
    "vintages",
]

METADATA = MetaData()


def _project_fk() -> Column[str]:
    """The restoration project a row belongs to."""
    return Column("project_id", String(128), ForeignKey("projects.id"), nullable=False)


def _term() -> tuple[Column[str], Column[str]]:
    """Start and end dates of a pledge or policy."""
    return (
        Column("start", String(10), nullable=False),
        Column("end", String(10), nullable=False),
    )


def _big(*names: str) -> list[Column[int]]:
    """Required integer columns (units or fen)."""
    return [Column(name, BigInteger, nullable=False) for name in names]


meta = Table(
    "meta",
    METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

events = Table(
    "events",
    METADATA,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("user", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_key", String(256), nullable=False),
    Column("before", Text),
    Column("after", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

projects = Table(
    "projects",
    METADATA,
    Column("id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("township", String(128), nullable=False),
    Column("grade", String(32), nullable=False),
    Column("registered_on", String(10), nullable=False),
    *_big("potential", "released", "debited", "pledged"),
    Column("schedule", Text, nullable=False),
    Column("sites", Text, nullable=False),
    Column("design", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("cost_fen", BigInteger, nullable=False),
    Column("reference", Text, nullable=False),
)

quota_transactions = Table(
    "quota_transactions",
    METADATA,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("account", String(128), ForeignKey("projects.id"), nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("milestone", String(128)),
    Column("reference", Text, nullable=False),
    Column("date", String(10), nullable=False),
)

evidence = Table(
    "evidence",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("transaction_seq", BigInteger, ForeignKey("quota_transactions.seq"), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("doc_type", String(64), nullable=False),
)

listings = Table(
    "listings",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seller", Text, nullable=False),
    _project_fk(),
    *_big("units", "asking_fen_per_unit"),
    Column("date", String(10), nullable=False),
    Column("status", String(16), nullable=False),
)

trades = Table(
    "trades",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("contract", String(128), nullable=False, unique=True),
    Column("buyer", Text, nullable=False),
    Column("occupation_project", Text, nullable=False),
    Column("approval_reference", Text, nullable=False),
    Column("date", String(10), nullable=False),
    *_big("units", "price_fen_per_unit", "amount_fen"),
    Column("assessment_hash", String(64)),
    Column("review_hash", String(64)),
    Column("listing_id", Integer, ForeignKey("listings.id")),
    Column("fund_card", Text, nullable=False),
)

trade_parts = Table(
    "trade_parts",
    METADATA,
    Column("trade_id", Integer, ForeignKey("trades.id"), primary_key=True),
    Column("project_id", String(128), ForeignKey("projects.id"), primary_key=True),
    Column("units", BigInteger, nullable=False),
    Column("transaction_seq", BigInteger, ForeignKey("quota_transactions.seq"), nullable=False),
)

fund_postings = Table(
    "fund_postings",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("trade_id", Integer, ForeignKey("trades.id"), nullable=False),
    Column("account", String(256), nullable=False),
    Column("fen", BigInteger, nullable=False),
)

pledges = Table(
    "pledges",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("bank", Text, nullable=False),
    _project_fk(),
    *_big("units", "loan_fen"),
    *_term(),
    Column("released_on", String(10)),
)

insurance = Table(
    "insurance",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("policy_number", String(128), nullable=False, unique=True),
    Column("insurer", Text, nullable=False),
    _project_fk(),
    *_big("units", "premium_fen"),
    *_term(),
)

# ------------------------------------------------------------------ survey (0002)
vintages = Table(
    "vintages",
    METADATA,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("source_hashes", Text, nullable=False),
    Column("parcels", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
)

parcels = Table(
    "parcels",
    METADATA,
    Column("bsm", String(64), primary_key=True),
    Column("valid_from", Integer, primary_key=True, autoincrement=False),
    Column("valid_to", Integer),
    Column("land_class", String(16), nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("township", String(128), nullable=False),
    Column("wetland_level", String(16), nullable=False),
    Column("geometry", LargeBinary),
    Column("crs", String(64)),
    Column("location_code", String(19)),
)
Index("ix_parcels_alive", parcels.c.valid_from, parcels.c.valid_to)

lineage = Table(
    "lineage",
    METADATA,
    Column("year", Integer, ForeignKey("vintages.year"), primary_key=True),
    Column("before_bsm", String(64), primary_key=True),
    Column("after_bsm", String(64), primary_key=True),
    Column("area_m2", Float, nullable=False),
)
Index("ix_lineage_after", lineage.c.after_bsm)

# ------------------------------------------------------------------ reserves (0003)
reserve_censuses = Table(
    "reserve_censuses",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("card", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("date", String(10), nullable=False),
    Column("min_water_months", Float, nullable=False),
    Column("parcels", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
)

reserves = Table(
    "reserves",
    METADATA,
    Column("census_id", Integer, ForeignKey("reserve_censuses.id"), primary_key=True),
    Column("bsm", String(64), primary_key=True),
    Column("township_code", String(9), nullable=False),
    Column("township", String(128), nullable=False),
    Column("land_class", String(16), nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("candidate", Integer, nullable=False),
    Column("rules", Text, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("field_checks", Text, nullable=False),
    Column("potential", Float),
    Column("rank", Integer),
)
Index("ix_reserves_township", reserves.c.township_code)

verifications = Table(
    "verifications",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("census_id", Integer, nullable=False),
    Column("bsm", String(64), nullable=False),
    Column("finding", String(16), nullable=False),
    Column("water_months", Float, nullable=False),
    Column("verifier", Text, nullable=False),
    Column("date", String(10), nullable=False),
    Column("status", String(16), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("note", Text, nullable=False),
)
