"""Quota credits (restoration parcels) and debits (occupation parcels).

A quota unit is one 亩 of wetland of the reference quality (quality factor 1)
delivered without delay or risk. Per parcel:

* **credit units** = area [亩] × quality factor (condition grade) × type factor
  ÷ time-lag factor T ÷ restoration-risk factor; T = 1 when compensation is
  completed before the occupation (先补后占). The location factor (same
  township / same county / cross-county) depends on *which* occupation the
  credit offsets, so it is applied when credits are matched to debits
  (:func:`wetval.quota.balance`).
* **debit units** = area [亩] × quality factor × type factor × level factor.

Legal rules (湿地保护法): only legal wetland counts — paddy (0101) and
aquaculture water (1104A, 1104K) can never generate or offset quota (Art. 2);
a restoration parcel is judged by the class it will have after restoration
(``target_class``). National important wetland may be occupied only by the
project types of Art. 19; any other occupation of it is flagged not
permissible and not priced.

All factors come from a ``quota`` card (default ``quota-jinxian``); see its
assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wetval._deprecation import forward
from wetval._flags import parse_flags
from wetval.boundary import accept
from wetval.cards import Card
from wetval.errors import CardError, Problem, ProblemCollector, ValidationError
from wetval.hashing import frame_hash
from wetval.landclass import classify, normalise_codes
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import ConditionLike, condition_frame, resolve_card
from wetval.quota._lookup import step_lookup
from wetval.results import Result
from wetval.summary import Summary, SummaryTable
from wetval.tables import ParcelTable
from wetval.units import AREA_UNITS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "QuotaAccounts",
    "QuotaCredits",
    "QuotaDebits",
    "QuotaRules",
    "account_credits",
    "account_debits",
    "account_quotas",
]

RISK_CLASSES = ("low", "medium", "high")
#: Project label of parcels without a ``project_id`` in per-project tables.
NO_PROJECT = "(no project)"


@dataclass(frozen=True)
class QuotaRules:
    """The rules of a ``quota`` card, parsed once into lookup structures.

    Attributes
    ----------
    card
        The card.
    grades
        Grade labels, best first.
    grade_rank, grade_factor
        Rank (higher = better) and quality factor of each grade.
    type_group, type_factor
        Per eligible land class.
    t_years, t_factor
        Time-lag table: largest year count of each row and its divisor.
    risk_factor, location_factor, location_rank, level_factor
        As in the card.
    project_type_ids
        Normalised id, Chinese and English name of every project type of the
        card → its id (see :func:`normalise_project_type`).
    permissible_national
        Project type ids allowed to occupy national important wetland.
    release_schedule
        ``(milestone, share)`` in order.
    """

    card: Card
    grades: list[str]
    grade_rank: dict[str, int]
    grade_factor: dict[str, float]
    type_group: dict[str, str]
    type_factor: dict[str, float]
    t_years: np.ndarray
    t_factor: np.ndarray
    risk_factor: dict[str, float]
    location_factor: dict[str, float]
    location_rank: dict[str, int]
    level_factor: dict[str, float]
    project_type_ids: dict[str, str]
    permissible_national: frozenset[str]
    release_schedule: tuple[tuple[str, float], ...]

    @classmethod
    def from_card(cls, card: Card | str) -> QuotaRules:
        """Parse a ``quota`` card (id or :class:`~wetval.cards.Card`)."""
        card = resolve_card(card, "quota")
        quality = card.table("quality_factors").sort_values("rank", ascending=False)
        classes = card.table("land_classes")
        lag = card.table("time_lag").sort_values("years_max")
        location = card.table("location_factors")
        schedule = card.table("release_schedule")
        project_types = card.table("project_types")
        problems: list[tuple[str, str]] = []
        if not np.all(np.diff(lag["t_factor"].to_numpy(dtype=float)) >= 0):
            problems.append(("tables.time_lag", "t_factor must not fall with the years"))
        shares = schedule["share"].to_numpy(dtype=float)
        if np.any(shares <= 0) or not np.isclose(shares.sum(), 1.0):
            problems.append(("tables.release_schedule", "shares must be positive and sum to 1"))
        if problems:
            raise CardError(f"card {card.id!r}", problems)
        return cls(
            card=card,
            grades=[str(g) for g in quality.index],
            grade_rank={str(g): int(r) for g, r in quality["rank"].items()},
            grade_factor={str(g): float(f) for g, f in quality["factor"].items()},
            type_group={str(c): str(g) for c, g in classes["type_group"].items()},
            type_factor={str(c): float(f) for c, f in classes["type_factor"].items()},
            t_years=lag.index.to_numpy(dtype=float),
            t_factor=lag["t_factor"].to_numpy(dtype=float),
            risk_factor={str(k): float(v) for k, v in card.table("risk_factors")["factor"].items()},
            location_factor={str(k): float(v) for k, v in location["factor"].items()},
            location_rank={str(k): int(v) for k, v in location["preference"].items()},
            level_factor={
                str(k): float(v) for k, v in card.table("level_factors")["factor"].items()
            },
            project_type_ids={
                normalise_project_type(name): str(type_id)
                for type_id, row in project_types.iterrows()
                for name in (type_id, row["name_zh"], row["name_en"])
            },
            permissible_national=frozenset(
                str(t) for t in project_types.index[project_types["national_permissible"]]
            ),
            release_schedule=tuple((str(m), float(s)) for m, s in schedule["share"].items()),
        )

    @property
    def area_unit(self) -> str:
        """Area unit of one quota unit (``"mu"`` for 亩)."""
        return str(self.card.option("area_unit", "mu"))

    @property
    def unit_decimals(self) -> int:
        """Decimals quota units are rounded to (card option ``unit_decimals``)."""
        return int(self.card.option("unit_decimals", 4))

    def credit_units(
        self,
        area: np.ndarray,
        quality: np.ndarray,
        type_factor: np.ndarray,
        time_lag: np.ndarray,
        risk: np.ndarray,
    ) -> np.ndarray:
        """Credit units = area × quality × type factor ÷ (time lag × risk), rounded.

        Parameters
        ----------
        area
            Area [:attr:`area_unit`, 亩 by default].
        quality, type_factor, time_lag, risk
            The factors of each parcel [-].

        Returns
        -------
        numpy.ndarray
            Quota units, rounded to :attr:`unit_decimals` [quota units].
        """
        units: np.ndarray = np.round(
            area * quality * type_factor / (time_lag * risk), self.unit_decimals
        )
        return units

    def project_type_id(self, names: np.ndarray) -> np.ndarray:
        """The card's project type id of each name (id, Chinese or English name); None if unknown.

        Vectorised over the distinct names.
        """
        codes, uniques = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=True)
        ids = [self.project_type_ids.get(normalise_project_type(u)) for u in uniques]
        found: np.ndarray = np.asarray([*ids, None], dtype=object)[codes]
        return found

    def time_lag_factor(self, years: np.ndarray) -> np.ndarray:
        """Time-lag divisor T for each number of years (rounded up to whole years)."""
        return step_lookup(years, self.t_years, self.t_factor, "ceil")

    def quality_factor(self, grade: np.ndarray | pd.Series, index: np.ndarray) -> np.ndarray:
        """Quality factor by the card's ``quality_basis`` (grade table or the index itself)."""
        if self.card.option("quality_basis", "grade") == "index":
            return np.asarray(index, dtype=float)
        return _map(grade, self.grade_factor, np.nan).astype(float)

    def uncovered_grades(self, condition: Card) -> tuple[str, ...]:
        """The grades of a condition card this card has no quality factor for.

        A condition result labels each grade by id and by Chinese and English
        label; the quota card may use any one of the three (see
        :func:`wetval.quota._inputs.condition_frame`). A condition card without a
        ``grades`` table (a plugin grading its own way) is not checked here; its
        parcels are checked when the credits are computed.

        Parameters
        ----------
        condition
            A ``condition`` card.

        Returns
        -------
        tuple of str
            The condition card's grade ids none of whose labellings the quota card
            covers; empty when one labelling is covered in full, or when this
            card's quality factor is the condition index itself
            (``quality_basis = "index"``).
        """
        if "grades" not in condition.tables or self.card.option("quality_basis") == "index":
            return ()
        grades = condition.table("grades")
        labellings = [
            [str(g) for g in grades.index],
            *(
                [str(v) for v in grades[column]]
                for column in ("label_zh", "label_en")
                if column in grades.columns
            ),
        ]
        known = set(self.grades)
        if any(set(labels) <= known for labels in labellings):
            return ()
        return tuple(g for g, *labels in zip(*labellings, strict=True) if not {g, *labels} & known)


def normalise_project_type(name: object) -> str:
    """A project type's name compared case- and spacing-insensitively.

    ``"Water Conservancy"``, ``"water_conservancy"`` and ``" water-conservancy "``
    all become ``"water conservancy"``.
    """
    return " ".join(str(name).replace("_", " ").replace("-", " ").casefold().split())


def _map(values: pd.Series | np.ndarray, mapping: dict[str, Any], default: Any) -> np.ndarray:
    """Map codes through a dict, vectorised over the distinct values."""
    if isinstance(values, pd.Series):  # factorised as stored (Arrow's hash table for text)
        positions, uniques = _factorised(values)
    else:  # an object ndarray: a Series would first infer (and build) an Arrow string column
        positions, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return _lookup(positions, uniques, mapping, default)


def _lookup(
    positions: np.ndarray, uniques: Any, mapping: dict[str, Any], default: Any
) -> np.ndarray:
    """``mapping`` of factorised values (code −1, missing, gives ``default``)."""
    looked_up = [mapping.get(str(u), default) for u in uniques] + [default]
    out: np.ndarray = np.asarray(looked_up, dtype=object)[positions]
    return out


def _optional_column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    return frame[name] if name in frame.columns else None


def _selection(parcels: ParcelTable, role: str, what: str) -> pd.DataFrame:
    frame = parcels.to_frame()
    if "role" not in frame.columns:
        raise _missing_role(role, what)
    chosen = (frame["role"] == role).to_numpy()
    return frame if chosen.all() else frame[chosen]  # (to_frame gave a copy already)


def _missing_role(role: str, what: str) -> ValidationError:
    return ValidationError(
        [
            Problem(
                reason="the parcel table has no 'role' column",
                column="role",
                fix=f"mark {what} parcels with role = '{role}'",
            )
        ],
        what=f"parcel table for {what}",
    )


def _column(frame: pd.DataFrame, name: str) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A column of the parcel table as stored (no per-row conversion), or all missing."""
    if name in frame.columns:
        values: pd.api.extensions.ExtensionArray | np.ndarray = frame[name].array
        return values
    return np.full(len(frame), None, dtype=object)


def _codes(values: np.ndarray) -> pd.Categorical:
    """Low-cardinality text as a categorical (built from integer codes, not per row)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return _categorical(codes, uniques)


def _categorical(codes: np.ndarray, uniques: Any) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _factorised(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 = missing) and the distinct values as Python objects."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes), np.asarray(pd.Index(uniques).astype(object), dtype=object)


def _lookup_labels(uniques: Any, rules: QuotaRules) -> np.ndarray:
    """The type group of each distinct target class (None where the card has none)."""
    return np.asarray([rules.type_group.get(str(u)) for u in uniques], dtype=object)


def _categorical_of(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """``_codes(labels[codes])`` (code −1 or a None label: missing), from the integer codes.

    The categories are the distinct labels in order of first appearance over the
    rows, as :func:`pandas.factorize` of the row values gives them, found by
    factorising the integer codes instead of a million Python strings.
    """
    label_codes, distinct = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=True)
    rows = np.append(label_codes, -1)[codes]
    order, firsts = pd.factorize(rows)
    present = firsts >= 0
    renumber = np.full(len(firsts), -1, dtype=np.intp)
    renumber[present] = np.arange(int(present.sum()))
    return _categorical(renumber[order], np.asarray(distinct, dtype=object)[firsts[present]])


def _text(values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, None, dtype=object)
    out = np.array(values.astype("object").to_numpy(), dtype=object)
    out[pd.isna(out)] = None
    return out


#: Why a restoration parcel earns no credit (the ``reason`` column) → its summary string key.
_CREDIT_REASON_KEYS = {
    "land class after restoration has no quota type factor": "sum_reason_no_type_factor",
    "not legal wetland after restoration (湿地保护法 Art. 2 excludes paddy and aquaculture "
    "water); give target_class if restoration ends the aquaculture or paddy use": (
        "sum_reason_not_legal_after"
    ),
}


@dataclass(frozen=True)
class QuotaCredits(Result):
    """Quota units each restoration parcel can generate.

    Attributes
    ----------
    table
        One row per restoration parcel (index ``parcel_id``): ``project_id``,
        ``township``, ``county_code``, ``land_class`` (now), ``target_class``
        (after restoration), ``type_group``, ``area_m2``, ``area_mu``,
        ``grade``, ``condition_index``, ``quality_factor``, ``type_factor``,
        ``years_to_target``, ``compensated_first``, ``time_lag_factor``,
        ``risk_class``, ``risk_factor``, ``eligible``, ``reason`` and
        ``units`` [quota units; 0 where not eligible].
    card
        The ``quota`` card used (its rules also drive matching and releases).
    provenance
        Card, input hashes.
    """

    table: pd.DataFrame
    card: Card
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the per-parcel table."""
        return self.table.copy()

    @property
    def total_units(self) -> float:
        """Sum of the credit units of eligible parcels [quota units]."""
        return float(self.table["units"].sum())

    def by_project(self) -> pd.DataFrame:
        """Parcels, eligible area [亩] and units per restoration project."""
        table = self.table.assign(
            eligible_mu=np.where(self.table["eligible"], self.table["area_mu"], 0.0),
            project_id=self.table["project_id"].fillna(NO_PROJECT),
        )
        grouped = table.groupby("project_id", sort=True)
        return pd.DataFrame(
            {
                "parcels": grouped.size(),
                "eligible_parcels": grouped["eligible"].sum(),
                "area_mu": grouped["area_mu"].sum(),
                "eligible_mu": grouped["eligible_mu"].sum(),
                "units": grouped["units"].sum(),
            }
        )

    def summary(self) -> Summary:
        """Credits per restoration project, with ineligible parcels and their reasons."""
        projects = self.by_project()
        table = pd.DataFrame(
            {
                "project_id": projects.index.astype(str).tolist(),
                "parcels": projects["parcels"].to_numpy(dtype=int),
                "sum_eligible": projects["eligible_parcels"].to_numpy(dtype=int),
                "sum_eligible_mu": projects["eligible_mu"].to_numpy(dtype=float),
                "units": projects["units"].to_numpy(dtype=float),
            }
        )
        reasons = self.table.loc[~self.table["eligible"], "reason"].astype(str).value_counts()
        notes = tuple(
            Message.of(
                "sum_not_eligible",
                n=int(count),
                reason=Term(_CREDIT_REASON_KEYS.get(str(reason), ""), str(reason)),
            )
            for reason, count in reasons.items()
        )
        title = Message.of(
            "sum_credits", "note", card=f"{self.card.id}@{self.card.version}",
            parcels=len(self.table), units=self.total_units,
        )  # fmt: skip
        return Summary(title, (SummaryTable("credits", "credits_table", table),), notes)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Quota units per restoration project."""
        ax = axes(ax)
        projects = self.by_project()
        ax.bar([str(p) for p in projects.index], projects["units"].to_numpy(dtype=float))
        ax.set_ylabel("quota units")
        ax.set_title(f"Quota credits ({self.card.id})")
        return ax


@dataclass(frozen=True)
class QuotaDebits(Result):
    """Quota units each occupation parcel needs, and whether it may be occupied.

    Attributes
    ----------
    table
        One row per occupation parcel (index ``parcel_id``): ``project_id``,
        ``project_type``, ``township``, ``county_code``, ``land_class``,
        ``type_group``, ``wetland_level``, ``area_m2``, ``area_mu``,
        ``grade``, ``condition_index``, ``quality_factor``, ``type_factor``,
        ``level_factor``, ``needs_quota`` (legal wetland), ``permissible``,
        ``reason`` and ``units`` [quota units; 0 where no quota is needed or
        the occupation is not permissible].
    card
        The ``quota`` card used.
    provenance
        Card, input hashes.
    """

    table: pd.DataFrame
    card: Card
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the per-parcel table."""
        return self.table.copy()

    @property
    def total_units(self) -> float:
        """Units needed by permissible occupations [quota units]."""
        return float(self.table["units"].sum())

    def not_permissible(self) -> pd.DataFrame:
        """Occupation parcels the law does not allow (not priced)."""
        return self.table[~self.table["permissible"]].copy()

    def by_project(self) -> pd.DataFrame:
        """Parcels, area [亩], units and permissibility per occupation project."""
        table = self.table.assign(project_id=self.table["project_id"].fillna(NO_PROJECT))
        grouped = table.groupby("project_id", sort=True)
        return pd.DataFrame(
            {
                "parcels": grouped.size(),
                "area_mu": grouped["area_mu"].sum(),
                "units": grouped["units"].sum(),
                "permissible": grouped["permissible"].all(),
            }
        )

    def summary(self) -> Summary:
        """Debits per occupation project, with the parcels that may not be occupied."""
        projects = self.by_project()
        table = pd.DataFrame(
            {
                "project_id": projects.index.astype(str).tolist(),
                "parcels": projects["parcels"].to_numpy(dtype=int),
                "area_mu": projects["area_mu"].to_numpy(dtype=float),
                "units": projects["units"].to_numpy(dtype=float),
                "permissible": [bool(v) for v in projects["permissible"]],
            }
        )
        title = Message.of(
            "sum_debits", "note", card=f"{self.card.id}@{self.card.version}",
            parcels=len(self.table), units=self.total_units,
        )  # fmt: skip
        return Summary(
            title,
            (SummaryTable("debits", "sum_debits_table", table),),
            _not_permissible_notes(self.not_permissible(), self.card),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Quota units needed per occupation project."""
        ax = axes(ax)
        projects = self.by_project()
        ax.bar([str(p) for p in projects.index], projects["units"].to_numpy(dtype=float))
        ax.set_ylabel("quota units")
        ax.set_title(f"Quota debits ({self.card.id})")
        return ax


@dataclass(frozen=True)
class QuotaAccounts(Result):
    """Credits and debits of one parcel table (the ``quota`` method result)."""

    credits: QuotaCredits
    debits: QuotaDebits

    def to_frame(self) -> pd.DataFrame:
        """Credits and debits in one table with a ``side`` column."""
        return pd.concat(
            [
                self.credits.table.assign(side="credit"),
                self.debits.table.assign(side="debit"),
            ]
        )

    def summary(self) -> Summary:
        """Both summaries (credits, then debits)."""
        return Summary(
            Message.of(
                "sum_accounts",
                "note",
                credits=self.credits.total_units,
                debits=self.debits.total_units,
            ),
            parts=(self.credits.summary(), self.debits.summary()),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Quota units of the credits against the debits."""
        ax = axes(ax)
        ax.bar(["credits", "debits"], [self.credits.total_units, self.debits.total_units])
        ax.set_ylabel("quota units")
        return ax

    @property
    def provenance(self) -> Provenance:
        """The credits' and the debits' provenance, merged."""
        return self.credits.provenance.merged(self.debits.provenance)


def _not_permissible_notes(parcels: pd.DataFrame, card: Card) -> tuple[Message, ...]:
    """One warning per occupation parcel the law does not allow (湿地保护法 Art. 19)."""
    if parcels.empty:
        return ()
    allowed = tuple(sorted(QuotaRules.from_card(card).permissible_national))
    return tuple(
        Message.of(
            "sum_not_permissible",
            parcel=str(parcel),
            project=str(row["project_id"]),
            types=allowed,
        )
        for parcel, row in parcels.iterrows()
    )


def account_credits(
    parcels: ParcelTable, condition: ConditionLike, card: Card | str = "quota-jinxian"
) -> QuotaCredits:
    """Quota units of every restoration parcel (``role == "restoration"``).

    Parameters
    ----------
    parcels
        Parcel table. Restoration parcels may carry the optional columns
        ``target_class`` (land class after restoration, same scheme; default:
        the current class), ``years_to_target`` (years until the restored
        wetland reaches its target condition; default from the card),
        ``compensated_first`` (yes when the restoration is complete before
        the occupation, 先补后占: no time lag; 是/否, yes/no, true/false,
        y/n or 1/0 in any case; empty = no) and ``risk_class`` (low /
        medium / high; default from the card).
    condition
        Expected condition grade and index of each restoration parcel at its
        target (see :mod:`wetval.quota._inputs`).
    card
        A ``quota`` card or its id.

    Returns
    -------
    QuotaCredits

    Raises
    ------
    wetval.errors.ValidationError
        Listing every parcel with a missing condition, an unknown grade, a
        negative or non-numeric ``years_to_target``, a ``compensated_first``
        that is not a yes/no flag or an unknown ``risk_class``.
    """
    parcels = accept(parcels, ParcelTable, "parcels")
    card = accept(card, Card, "card")
    rules = QuotaRules.from_card(card)
    selected = _selection(parcels, "restoration", "quota credits")
    ids = selected.index
    n = len(ids)
    cond = condition_frame(condition, ids, rules.grades, what="quota credits")
    problems = ProblemCollector(row_labels=ids, parcel_ids=ids)

    # codes through their distinct values: factorised once (Arrow's hash table), normalised
    # and looked up per distinct code, taken back to the rows as integer codes
    land_codes, land_labels = _factorised(selected["land_class"])
    target_raw = _optional_column(selected, "target_class")
    if target_raw is None:
        target = _categorical_of(land_codes, land_labels)
    else:  # the target class, or the current class where none is given
        raw_codes, raw_labels = _factorised(target_raw)
        normalised = np.asarray(normalise_codes(pd.Series(raw_labels, dtype=object)), dtype=object)
        empty = np.append(pd.isna(normalised), True)[raw_codes]
        target = _categorical_of(
            np.where(empty, land_codes, len(land_labels) + raw_codes),
            np.concatenate([land_labels, normalised]),
        )
    years_raw = _optional_column(selected, "years_to_target")
    default_years = float(rules.card.option("default_years_to_target", 3.0))
    if years_raw is None:
        years = np.full(n, default_years)
    else:
        years = pd.to_numeric(years_raw, errors="coerce").to_numpy(dtype=float)
        bad = (~np.isnan(years) & (years < 0)) | (np.isnan(years) & years_raw.notna().to_numpy())
        problems.add_rows(
            bad, column="years_to_target", values=years_raw,
            reason="years to target must be a number ≥ 0", fix="give whole or decimal years",
        )  # fmt: skip
        years = np.where(np.isnan(years), default_years, years)
    first = parse_flags(
        _optional_column(selected, "compensated_first"), n,
        column="compensated_first", problems=problems, default=False,
    )  # fmt: skip
    risk_raw = _optional_column(selected, "risk_class")
    default_risk = str(rules.card.option("default_risk_class", "medium"))
    if risk_raw is None:
        risk_codes = np.zeros(n, dtype=np.intp)
        risk_labels = np.array([default_risk], dtype=object)
    else:
        risk_codes, risk_labels = _factorised(risk_raw)
        risk_labels = np.append(risk_labels, default_risk).astype(object)  # empty: the default
        risk_codes = np.where(risk_codes < 0, len(risk_labels) - 1, risk_codes)
        known_risk = np.array([label in rules.risk_factor for label in risk_labels], dtype=bool)
        unknown = ~known_risk[risk_codes]
        problems.add_rows(
            unknown, column="risk_class", values=risk_raw,
            reason=f"risk class not one of {sorted(rules.risk_factor)}",
            fix="use a risk class of the card",
        )  # fmt: skip
    # target classes through their distinct codes: classified, looked up and stored once each
    target_codes = np.asarray(target.codes, dtype=np.intp)
    target_uniques = np.asarray(target.categories, dtype=object)
    classes = classify(pd.Series(target_uniques, dtype="object"), parcels.scheme)
    known_class = np.append(classes["known"].to_numpy(dtype=bool), False)[target_codes]
    problems.add_rows(
        ~known_class, column="target_class", values=pd.Series(target),
        reason=f"unknown land class in the {parcels.scheme.value} scheme",
        fix="give the class code the parcel will have after restoration",
    )  # fmt: skip
    problems.raise_if_any("restoration parcels for quota credits", parcels.source)

    legal = np.append(classes["legal_wetland"].to_numpy(dtype=bool), False)[target_codes]
    type_factor = _lookup(target_codes, target_uniques, rules.type_factor, np.nan).astype(float)
    reasons = np.array(
        [
            "",
            *_CREDIT_REASON_KEYS,
        ],
        dtype=object,
    )
    reason_codes = np.zeros(n, dtype=np.intp)
    reason_codes[np.isnan(type_factor)] = 1
    reason_codes[~legal] = 2
    eligible = legal & ~np.isnan(type_factor)
    quality = rules.quality_factor(cond["grade"], cond["index"].to_numpy())
    lag = np.where(first, 1.0, rules.time_lag_factor(years))
    risk = _lookup(risk_codes, risk_labels, rules.risk_factor, np.nan).astype(float)
    area_mu = selected["area_m2"].to_numpy(dtype=float) / AREA_UNITS[rules.area_unit]
    units = np.where(eligible, rules.credit_units(area_mu, quality, type_factor, lag, risk), 0.0)
    table = pd.DataFrame(
        {
            "project_id": _column(selected, "project_id"),
            "township": _column(selected, "township"),
            "county_code": _column(selected, "county_code"),
            "land_class": _categorical(land_codes, land_labels),
            "target_class": target,
            "type_group": _categorical_of(target_codes, _lookup_labels(target_uniques, rules)),
            "area_m2": selected["area_m2"].to_numpy(dtype=float),
            "area_mu": area_mu,
            "grade": _categorical(*_factorised(cond["grade"])),
            "condition_index": cond["index"].to_numpy(),
            "quality_factor": quality,
            "type_factor": type_factor,
            "years_to_target": years,
            "compensated_first": first,
            "time_lag_factor": lag,
            "risk_class": _categorical_of(risk_codes, risk_labels),
            "risk_factor": risk,
            "eligible": eligible,
            "reason": _categorical_of(reason_codes, reasons),
            "units": units,
        },
        index=ids,
    )
    if parcels.has("township_code"):  # same-township matching by code (ZLDWDM[:9])
        table.insert(2, "township_code", _text(_optional_column(selected, "township_code"), n))
    provenance = Provenance(
        method="jinxian-quota",
        cards=(rules.card.ref,),
        inputs={"parcels": parcels.hash, "condition": frame_hash(cond)},
        options={"side": "credits"},
    )
    return QuotaCredits(table=table, card=rules.card, provenance=provenance)


def account_debits(
    parcels: ParcelTable,
    condition: ConditionLike,
    card: Card | str = "quota-jinxian",
    *,
    projects: pd.DataFrame | None = None,
) -> QuotaDebits:
    """Quota units every occupation parcel (``role == "occupation"``) needs.

    Parameters
    ----------
    parcels
        Parcel table; occupation parcels need ``wetland_level`` (national /
        provincial / general, from the overlay with the 重要湿地名录) and a
        project type, either as a ``project_type`` column or through
        ``projects``.
    condition
        Condition grade and index of each occupied parcel (its current state).
    card
        A ``quota`` card or its id.
    projects
        Optional project table with columns ``project_id`` and
        ``project_type`` (as in :func:`wetval.datasets.sample_county`).

    Returns
    -------
    QuotaDebits

    Raises
    ------
    wetval.errors.ValidationError
        Listing every occupation parcel without a wetland level, without a
        project type or without a condition.
    """
    parcels = accept(parcels, ParcelTable, "parcels")
    card = accept(card, Card, "card")
    rules = QuotaRules.from_card(card)
    selected = _selection(parcels, "occupation", "quota debits")
    ids = selected.index
    n = len(ids)
    cond = condition_frame(condition, ids, rules.grades, what="quota debits")
    problems = ProblemCollector(row_labels=ids, parcel_ids=ids)
    project_id = _text(_optional_column(selected, "project_id"), n)
    if "project_type" in selected.columns:
        project_type = _text(selected["project_type"], n)
    elif projects is not None:
        types = dict(zip(projects["project_id"].astype(str), projects["project_type"], strict=True))
        project_type = _map(project_id, types, None)
    else:
        project_type = np.full(n, None, dtype=object)
    problems.add_rows(
        pd.isna(project_type), column="project_type", values=project_type,
        reason="occupation parcel without a project type",
        fix="add a project_type column or pass projects= with project_id and project_type",
    )  # fmt: skip
    level = _text(_optional_column(selected, "wetland_level"), n)
    problems.add_rows(
        pd.isna(level), column="wetland_level", values=level,
        reason="occupation parcel without a wetland level",
        fix="overlay the parcels with the 重要湿地名录 / 一般湿地名录 and set wetland_level",
    )  # fmt: skip
    type_id = rules.project_type_id(project_type)
    accepted = rules.card.table("project_types")
    problems.add_rows(
        (level == "national") & pd.notna(project_type) & pd.isna(type_id),
        column="project_type", values=project_type,
        reason="project type not in the card's project_types: cannot decide whether it may "
        "occupy national important wetland (湿地保护法 Art. 19)",
        fix="use one of " + ", ".join(f"{i} ({r.name_zh})" for i, r in accepted.iterrows())
        + " (Chinese or English names accepted)",
    )  # fmt: skip
    problems.raise_if_any("occupation parcels for quota debits", parcels.source)
    project_type = np.where(pd.isna(type_id), project_type, type_id)

    land_class = _text(selected["land_class"], n)
    legal = classify(pd.Series(land_class, dtype="object"), parcels.scheme)[
        "legal_wetland"
    ].to_numpy()
    type_group = _map(land_class, rules.type_group, None)
    type_factor = _map(land_class, rules.type_factor, 1.0).astype(float)
    level_factor = _map(level, rules.level_factor, 1.0).astype(float)
    allowed = pd.Series(type_id).isin(sorted(rules.permissible_national)).to_numpy()
    permissible = (level != "national") | allowed
    reason = np.full(n, "", dtype=object)
    reason[~legal] = "not legal wetland (湿地保护法 Art. 2): occupation needs no quota"
    reason[~permissible] = (
        "湿地保护法 Art. 19: national important wetland may only be occupied by "
        + ", ".join(sorted(rules.permissible_national))
        + " projects; not permissible, not priced"
    )
    quality = rules.quality_factor(cond["grade"].to_numpy(), cond["index"].to_numpy())
    area_mu = selected["area_m2"].to_numpy(dtype=float) / AREA_UNITS[rules.area_unit]
    needed = legal & permissible
    units = np.round(
        np.where(needed, area_mu * quality * type_factor * level_factor, 0.0), rules.unit_decimals
    )
    table = pd.DataFrame(
        {
            "project_id": project_id,
            "project_type": project_type,
            "township": _text(_optional_column(selected, "township"), n),
            "county_code": _text(_optional_column(selected, "county_code"), n),
            "land_class": land_class,
            "type_group": type_group,
            "wetland_level": level,
            "area_m2": selected["area_m2"].to_numpy(dtype=float),
            "area_mu": area_mu,
            "grade": cond["grade"].to_numpy(),
            "condition_index": cond["index"].to_numpy(),
            "quality_factor": quality,
            "type_factor": type_factor,
            "level_factor": level_factor,
            "needs_quota": legal,
            "permissible": permissible,
            "reason": reason,
            "units": units,
        },
        index=ids,
    )
    if parcels.has("township_code"):
        table.insert(3, "township_code", _text(_optional_column(selected, "township_code"), n))
    provenance = Provenance(
        method="jinxian-quota",
        cards=(rules.card.ref,),
        inputs={"parcels": parcels.hash, "condition": frame_hash(cond)},
        options={"side": "debits"},
    )
    return QuotaDebits(table=table, card=rules.card, provenance=provenance)


def account_quotas(
    parcels: ParcelTable,
    card: Card | str = "quota-jinxian",
    *,
    condition: ConditionLike,
    projects: pd.DataFrame | None = None,
) -> QuotaAccounts:
    """Credits of the restoration parcels and debits of the occupation parcels.

    The ``jinxian-quota`` method runs this (:mod:`wetval.quota.methods`). See
    :func:`account_credits` and :func:`account_debits`.
    """
    parcels = accept(parcels, ParcelTable, "parcels")
    card = accept(card, Card, "card")
    return QuotaAccounts(
        credits=account_credits(parcels, condition, card),
        debits=account_debits(parcels, condition, card, projects=projects),
    )


#: The old names, kept for one release (deprecated): one verb, "account", per step.
__getattr__ = forward(
    __name__,
    {
        "credits": f"{__name__}:account_credits",
        "debits": f"{__name__}:account_debits",
        "quota_accounts": f"{__name__}:account_quotas",
    },
)
