"""The reserve-resource database: census registrations and field verification.

A census (:func:`wetval.screening.screen`) is registered with every
parcel's rule outcomes, candidate flag, potential and rank; the township of
each parcel is its 坐落单位代码's first nine characters (ZLDWDM[:9]), taken from
the parcels given or from the registry's survey vintage of the census year.
Census parcels are bulk rows covered by the census's ``content_hash``
(:func:`reserves_hash`); field verification records are audited rows of
their own. A parcel's status is that of its latest verification:
``verified`` when the field team found a pond (not an aquaculture pond), at
least the card's months of standing water, and the parcel passed the census
rules the field check cannot change (not in the database, eligible class,
minimum area); ``rejected`` otherwise; ``unverified`` without a record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from wetval.errors import Problem, ValidationError
from wetval.registry import schema
from wetval.registry.audit import Writer
from wetval.registry.survey import _records, alive, check_year
from wetval.screening import RULES, ReserveCensus
from wetval.tables import ParcelTable

__all__ = ["FINDINGS", "register_census", "reserves", "reserves_hash", "verify_reserve"]

#: Field findings and their accepted spellings.
FINDINGS = {
    "pond": ("pond", "坑塘", "坑塘水面", "非养殖"),
    "aquaculture": ("aquaculture", "养殖坑塘", "养殖"),
}
#: Rules a field verification cannot overturn.
_FIXED_RULES = ("not_in_database", "land_class", "min_area")


def reserves_hash(connection: Connection) -> str:
    """SHA-256 over every ``reserves`` row, in key order."""
    digest = hashlib.sha256()
    r = schema.reserves
    for row in connection.execute(select(r).order_by(r.c.census_id, r.c.bsm)):
        digest.update(repr(list(row)).encode("utf-8"))
    return digest.hexdigest()


def _township_codes(
    connection: Connection, ids: pd.Index, year: int, parcels: ParcelTable | None
) -> pd.Series:
    if parcels is not None and parcels.has("location_code"):
        codes = pd.Series(parcels.column("location_code"), index=parcels.ids, dtype=object)
        return codes.reindex(ids).str.slice(0, 9)
    p = schema.parcels
    found: dict[str, str] = {}
    keys = [str(i) for i in ids]
    for start in range(0, len(keys), 1000):
        for bsm, code in connection.execute(
            select(p.c.bsm, p.c.location_code).where(
                p.c.bsm.in_(keys[start : start + 1000]), alive(year)
            )
        ):
            if code:
                found[str(bsm)] = str(code)[:9]
    return pd.Series([found.get(k) for k in keys], index=ids, dtype=object)


def register_census(
    writer: Writer,
    census: ReserveCensus,
    *,
    year: int,
    date: str,
    min_water_months: float,
    parcels: ParcelTable | None = None,
) -> int:
    """Store a census with its rule outcomes; returns the census id (see the module docstring).

    Raises
    ------
    ValidationError
        Naming every parcel whose township code cannot be found.
    """
    year = check_year(year, "reserve census")
    connection = writer.connection
    frame = census.parcels
    codes = _township_codes(connection, frame.index, year, parcels)
    missing = codes.isna() | (codes.astype(str).str.len() < 9)
    if missing.any():
        raise ValidationError(
            [
                Problem(
                    parcel_id=str(i),
                    column="ZLDWDM",
                    value=codes[i],
                    reason="no 9-digit township code (坐落单位代码 ZLDWDM) for this parcel",
                    fix=f"give the parcels with ZLDWDM, or import the {year} survey vintage "
                    "that holds them",
                )
                for i in frame.index[missing.to_numpy()]
            ],
            what="reserve census",
        )
    last = connection.execute(select(func.max(schema.reserve_censuses.c.id))).scalar()
    census_id = 1 if last is None else int(last) + 1
    rules = [
        json.dumps({r: bool(v) for r, v in zip(RULES, row, strict=True)})
        for row in frame[[f"pass_{r}" for r in RULES]].itertuples(index=False)
    ]

    def optional(values: pd.Series) -> list[Any]:
        return [None if pd.isna(v) else v for v in values.to_numpy(dtype=object)]

    rows = pd.DataFrame(
        {
            "census_id": census_id,
            "bsm": frame.index.astype(str),
            "township_code": codes.astype(str).to_numpy(),
            "township": frame["township"].astype(object).fillna("").astype(str).to_numpy(),
            "land_class": frame["land_class"].astype(str).to_numpy(),
            "area_m2": frame["area_m2"].astype(float).to_numpy(),
            "candidate": frame["candidate"].astype(int).to_numpy(),
            "rules": rules,
            "reasons": frame["reasons"].astype(str).to_numpy(),
            "field_checks": frame["field_checks"].astype(str).to_numpy(),
            "potential": optional(frame["potential"]),
            "rank": [None if v is None else int(v) for v in optional(frame["rank"])],
        }
    )
    row = {
        "id": census_id, "card": census.card_id, "year": year, "date": date,
        "min_water_months": float(min_water_months), "parcels": len(rows),
        "content_hash": "",  # set below, once the rows it covers are written
    }  # fmt: skip
    writer.insert(schema.reserve_censuses, "census", row)
    records = _records(rows)
    for start in range(0, len(records), 20_000):
        connection.execute(schema.reserves.insert(), records[start : start + 20_000])
    writer.update(
        schema.reserve_censuses, "census", row, {"content_hash": reserves_hash(connection)}
    )
    return census_id


def _finding(value: str) -> str:
    for finding, spellings in FINDINGS.items():
        if str(value).strip().lower() in spellings:
            return finding
    raise ValidationError(
        [
            Problem(
                column="finding",
                value=value,
                reason="unknown field finding",
                fix="pond (坑塘, not used for aquaculture) or aquaculture (养殖坑塘)",
            )
        ],
        what="field verification",
    )


def verify_reserve(
    writer: Writer,
    bsm: str,
    *,
    finding: str,
    water_months: float,
    verifier: str,
    date: str,
    evidence: Sequence[Mapping[str, str]],
    note: str,
    census: int | None,
) -> dict[str, Any]:
    """Record one field verification and its status; returns the stored row."""
    connection = writer.connection
    r, c = schema.reserves, schema.reserve_censuses
    query = (
        select(r, c.c.date.label("census_date"), c.c.min_water_months)
        .join(c, c.c.id == r.c.census_id)
        .where(r.c.bsm == bsm)
    )
    if census is not None:
        query = query.where(r.c.census_id == census)
    row = connection.execute(query.order_by(r.c.census_id.desc()).limit(1)).mappings().first()
    if row is None:
        where = f"census {census}" if census is not None else "any registered census"
        raise ValidationError(
            [
                Problem(
                    parcel_id=bsm,
                    reason=f"parcel is not in {where}",
                    fix="register the census that screened it first",
                )
            ],
            what="field verification",
        )
    kind = _finding(finding)
    months = float(water_months)
    problems = []
    if not np.isfinite(months) or not 0 <= months <= 12:
        problems.append(
            Problem(
                parcel_id=bsm,
                column="water_months",
                value=water_months,
                reason="months of standing water must be 0–12",
                fix="give the observed months per year",
            )
        )
    if date < row["census_date"]:
        problems.append(
            Problem(
                parcel_id=bsm,
                column="date",
                value=date,
                reason=f"before the census of {row['census_date']}",
                fix="check the date of the field visit",
            )
        )
    if not str(verifier).strip():
        problems.append(
            Problem(
                parcel_id=bsm,
                column="verifier",
                value=verifier,
                reason="who verified is required",
                fix="give the name",
            )
        )
    if problems:
        raise ValidationError(problems, what="field verification")
    outcomes = json.loads(row["rules"])
    ok = (
        kind == "pond"
        and months >= row["min_water_months"]
        and all(outcomes[rule] for rule in _FIXED_RULES)
    )
    last = connection.execute(select(func.max(schema.verifications.c.id))).scalar()
    record = {
        "id": 1 if last is None else int(last) + 1,
        "census_id": row["census_id"],
        "bsm": bsm,
        "finding": kind,
        "water_months": months,
        "verifier": str(verifier).strip(),
        "date": date,
        "status": "verified" if ok else "rejected",
        "evidence": json.dumps(list(evidence), ensure_ascii=False),
        "note": note,
    }
    writer.insert(schema.verifications, "verify-reserve", record)
    return record


def reserves(
    connection: Connection,
    *,
    township: str | None = None,
    status: str | None = None,
    census: int | None = None,
) -> pd.DataFrame:
    """Census parcels with their latest verification, ranked (see the module docstring).

    ``township`` is a township code (ZLDWDM[:9]; a longer code is cut to nine
    characters) or a township name; ``status`` one of verified, rejected,
    unverified. The ``rank`` column ranks the rows returned: potential
    (descending), area (descending), parcel id.
    """
    r, c, v = schema.reserves, schema.reserve_censuses, schema.verifications
    if census is None:
        census = connection.execute(select(func.max(c.c.id))).scalar()
    columns = [
        "bsm",
        "township_code",
        "township",
        "land_class",
        "area_m2",
        "candidate",
        "potential",
        "census_rank",
        "reasons",
        "field_checks",
        "status",
        "finding",
        "water_months",
        "verifier",
        "verified_on",
        "evidence",
    ]
    if census is None:
        return pd.DataFrame(columns=[*columns, "rank"]).set_index("bsm")
    query = select(r).where(r.c.census_id == census)
    if township:
        text = str(township).strip()
        query = query.where(
            r.c.township_code == text[:9] if text.isdigit() else r.c.township == text
        )
    frame = pd.DataFrame(
        connection.execute(query).mappings().all(), columns=[col.name for col in r.columns]
    )
    checks = pd.DataFrame(
        connection.execute(select(v).where(v.c.census_id == census).order_by(v.c.id))
        .mappings()
        .all(),
        columns=[col.name for col in v.columns],
    ).drop_duplicates("bsm", keep="last")
    frame = frame.merge(
        checks.drop(columns=["id", "census_id", "note"]).rename(columns={"date": "verified_on"}),
        on="bsm",
        how="left",
    )
    frame["status"] = frame["status"].fillna("unverified")
    frame["candidate"] = frame["candidate"].astype(bool)
    frame = frame.rename(columns={"rank": "census_rank"})[columns]
    if status is not None:
        frame = frame[frame["status"] == status]
    frame = (
        frame.assign(_p=frame["potential"].astype(float).fillna(-np.inf))
        .sort_values(["_p", "area_m2", "bsm"], ascending=[False, False, True])
        .drop(columns="_p")
    )
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.set_index("bsm")


def evidence_records(files: Sequence[tuple[str | Path, str]]) -> list[dict[str, str]]:
    """Name, SHA-256 and document type of each evidence file (all must exist)."""
    from wetval.hashing import file_hash

    paths = [(Path(p), str(kind)) for p, kind in files]
    missing = [
        Problem(
            value=str(p),
            reason="evidence file not found",
            fix="give the path of each document as it is on disk",
        )
        for p, _ in paths
        if not p.is_file()
    ]
    if missing:
        raise ValidationError(missing, what="evidence files")
    return [{"file_name": p.name, "sha256": file_hash(p), "doc_type": k} for p, k in paths]
