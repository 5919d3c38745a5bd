"""Reserve-resource census (湿地后备资源普查): which parcels could become wetland.

Reserve land is land outside the wetland database that holds standing water
seasonally or permanently and could become a stable wetland after
restoration. A screening card states the rules; :func:`screen`
applies every rule to every parcel, gives each failure its reason, scores
the restoration potential of every parcel from its indicators, ranks the
candidates and summarises by township.

Rules (each parcel gets pass/fail per rule and the reasons it failed):

``not_in_database``
    its ``role`` is not one of the card's database roles (existing and
    occupied wetland are already in the wetland database);
``land_class``
    its land class is one of the card's eligible classes;
``legal_status``
    legal non-wetland (aquaculture ponds 1104A, adjustable aquaculture ponds
    1104K; 湿地保护法 Art. 2) stays out unless the parcel's verification
    column (default ``verified_non_aquaculture``) says the field team found
    it is not used for aquaculture;
``standing_water``
    at least the card's months per year with standing water
    (``standing_water_months``; a parcel without the observation fails, with
    that reason, and is flagged for the field team);
``min_area``
    at least the card's minimum area, compared at the survey's precision of
    0.01 m² (:data:`wetval.tables.AREA_TOLERANCE_M2`).

Call convention of the ``screening`` kind:
``f(parcels: ParcelTable, indicators: IndicatorTable, card: Card) -> ReserveCensus``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, model_validator

from wetval._deprecation import forward
from wetval._flags import FLAG_SPELLINGS, parse_flags
from wetval.boundary import accept
from wetval.cards import (
    BodyOptions,
    BodyParameters,
    BodyTables,
    Card,
    CardBody,
    Parameter,
    Row,
    TypedTable,
    load_card,
    within,
)
from wetval.condition.aggregate import weighted_sum
from wetval.condition.normalise import minmax
from wetval.errors import CardError, ProblemCollector
from wetval.indicators import Direction, IndicatorCatalogue
from wetval.kinds import ScreeningInputs
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.plugins import Method, run
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, note
from wetval.tables import AREA_TOLERANCE_M2, IndicatorTable, ParcelTable
from wetval.units import M2_PER_HA

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RESERVE_CENSUS", "RULES", "ReserveCensus", "ReserveCensusBody", "screen"]

#: The census rules, in the order they are applied and reported.
RULES = ("not_in_database", "land_class", "legal_status", "standing_water", "min_area")

#: Verification words accepted besides the common yes/no spellings (wetval._flags).
_VERIFIED_WORDS = ("已核实", "非养殖")
_NOT_VERIFIED_WORDS = ("未核实", "养殖")


@dataclass(frozen=True)
class ReserveCensus(Result):
    """Reserve-resource census: every parcel with its rule results, and the candidates.

    Attributes
    ----------
    parcels
        Indexed by ``parcel_id``: ``land_class``, ``township``, ``area_m2``,
        ``role``, ``standing_water_months``, one boolean ``pass_<rule>``
        column per rule, ``candidate`` (every rule passed), ``reasons`` (why
        it failed, ``; ``-separated), ``field_checks`` (what the field team
        must verify), ``potential`` (restoration potential 0–1, the weighted
        mean over the potential indicators the parcel has), ``potential_weight``
        (the share 0–1 of the potential weight those indicators carry: below 1
        the potential rests on fewer indicators) and ``rank`` among candidates
        (1 = best; missing for non-candidates).
    candidates
        The candidates, best first: potential (descending), then area
        (descending), then parcel id.
    by_township
        Per township: parcels screened, candidates, candidate area [ha],
        mean potential and candidates needing a field check.
    rules
        Per rule: what it requires (a keyed message) and how many parcels failed it.
    card_id
        Id of the screening card.
    synthetic
        True when the input data are synthetic.
    provenance
        Card, inputs and notes.
    """

    parcels: pd.DataFrame
    candidates: pd.DataFrame
    by_township: pd.DataFrame
    rules: pd.DataFrame
    card_id: str
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """Every parcel with its rule results (a copy of :attr:`parcels`)."""
        return self.parcels.copy()

    def summary(self) -> Summary:
        """The rules and how many parcels failed each, candidates, the township table, notes."""
        n = len(self.candidates)
        rules = pd.DataFrame(
            {
                "sum_rule": [Term(f"sum_rule_{k}", str(k)) for k in self.rules.index],
                # a keyed message (a plugin's rules may give plain text)
                "sum_requires": [
                    r if isinstance(r, Message) else str(r) for r in self.rules["requires"]
                ],
                "sum_failed": self.rules["failed"].to_numpy(dtype=int),
            }
        )
        towns = self.by_township
        townships = pd.DataFrame(
            {
                "township": towns.index.astype(str).tolist(),
                "parcels": towns["parcels"].to_numpy(dtype=int),
                "sum_candidates": towns["candidates"].to_numpy(dtype=int),
                "area_ha": towns["candidate_area_ha"].to_numpy(dtype=float),
                "sum_mean_potential": towns["mean_potential"].to_numpy(dtype=float),
                "sum_field_checks": towns["field_checks"].to_numpy(dtype=int),
            }
        )
        title = Message.of(
            "sum_census", "note", card=self.card_id, parcels=len(self.parcels), candidates=n,
            area_ha=float(self.candidates["area_m2"].sum()) / M2_PER_HA if n else 0.0,
            checks=int((self.candidates["field_checks"].astype(str) != "").sum()) if n else 0,
        )  # fmt: skip
        notes = [Message.of("sum_synthetic", "note")] if self.synthetic else []
        return Summary(
            title,
            (
                SummaryTable("rules", "sum_rules_table", rules),
                SummaryTable(
                    "townships", "sum_townships_table", townships, {"sum_mean_potential": 3}
                ),
            ),
            (*notes, *(note(n, "note") for n in self.provenance.notes)),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Candidate area [ha] by township, shaded by mean restoration potential."""
        ax = axes(ax, figsize=(8, 0.3 * len(self.by_township) + 1.5))
        data = self.by_township.sort_values("candidate_area_ha")
        potential = data["mean_potential"].fillna(0.0).to_numpy()
        import matplotlib as mpl

        colours = mpl.colormaps["viridis"](potential)
        ax.barh(data.index.astype(str), data["candidate_area_ha"], color=colours)
        ax.set_xlabel("candidate reserve area [ha] (colour: mean restoration potential)")
        ax.set_title(f"Reserve candidates ({self.card_id})")
        return ax


def screen(
    parcels: ParcelTable, indicators: IndicatorTable, card: Card | str = "jiangxi-reserve-census"
) -> ReserveCensus:
    """Screen every parcel for reserve-resource eligibility with the card's method.

    Parameters
    ----------
    parcels
        Validated parcels; ``role`` tells which are already in the wetland
        database, an optional boolean column (named by the card, default
        ``verified_non_aquaculture``) records the field team's verification
        of ponds.
    indicators
        Monitoring indicators (``standing_water_months`` and the potential
        indicators of the card).
    card
        A screening card or its id.

    Returns
    -------
    ReserveCensus

    Raises
    ------
    wetval.errors.CardError
        For a malformed card.
    wetval.errors.ValidationError
        For verification flags that are not yes/no.
    """
    parcels = accept(parcels, ParcelTable, "parcels")
    indicators = accept(indicators, IndicatorTable, "indicators")
    card = accept(card, Card, "card")
    card = load_card(card) if isinstance(card, str) else card
    if card.kind != "screening" or not card.method:
        raise CardError(
            card.id, [("kind", f"card {card.id!r} is not a screening card with a method")]
        )
    result: ReserveCensus = run("screening", card, ScreeningInputs(parcels, indicators))
    return result


def _read_card(
    card: Card, catalogue: IndicatorCatalogue
) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    problems: list[tuple[str, str]] = []
    classes = pd.DataFrame()
    potential = pd.DataFrame()
    if "classes" not in card.tables:
        problems.append(("tables.classes", "missing: list the eligible land classes"))
    else:
        classes = card.table("classes")
        for column in ("requires_verification", "field_check"):
            if column not in classes.columns:
                problems.append(("tables.classes.columns", f"missing column {column!r}"))
    if "potential" not in card.tables:
        problems.append(("tables.potential", "missing: indicators of restoration potential"))
    else:
        potential = card.table("potential")
        unknown = [i for i in potential.index if i not in catalogue]
        if unknown:
            problems.append(("tables.potential", f"unknown indicator ids {unknown}"))
        judged = (Direction.HIGHER_BETTER, Direction.LOWER_BETTER)
        neutral = [
            f"{i} ({catalogue[i].direction.value})"
            for i in potential.index
            if i in catalogue and catalogue[i].direction not in judged
        ]
        if neutral:
            problems.append(
                (
                    "tables.potential",
                    f"the min–max potential needs higher_better or lower_better indicators, "
                    f"not {', '.join(neutral)}",
                )
            )
        if abs(float(potential["weight"].sum()) - 1.0) > 1e-6:
            problems.append(
                ("tables.potential.weight", f"weights sum to {potential['weight'].sum():g}, not 1")
            )
        if not (potential["low"] < potential["high"]).all():
            problems.append(("tables.potential", "every row needs low < high"))
    values = {}
    for name in ("min_standing_water_months", "min_area_m2"):
        if name not in card.parameters:
            problems.append((f"parameters.{name}", "missing"))
        else:
            values[name] = float(card.param(name))
    if problems:
        raise CardError(str(card.path or card.id), problems)
    return classes, potential, values["min_standing_water_months"], values["min_area_m2"]


def _category(frame: pd.DataFrame, column: str) -> pd.Categorical[str]:
    """A parcel column as a categorical (all missing when the table lacks it)."""
    if column not in frame.columns:
        return pd.Categorical.from_codes(
            np.full(len(frame), -1), categories=pd.Index([], dtype=object)
        )
    values = frame[column].array
    if isinstance(values, pd.Categorical):
        return values
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _lookup(values: pd.Categorical[str], table: dict[Any, Any], default: Any) -> np.ndarray:
    """``table[value]`` for every row, through the distinct values (missing → default)."""
    per_category = [table.get(str(c), default) for c in values.categories]
    looked_up: np.ndarray = np.asarray([*per_category, default], dtype=object)[values.codes]
    return looked_up


def _joined(flags: list[tuple[np.ndarray, str]], n: int) -> pd.Categorical[str]:
    """Texts of the true flags of each row, '; '-joined (vectorised over patterns)."""
    if not flags:
        return pd.Categorical([""] * n)
    mask = np.column_stack([f for f, _ in flags])
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    patterns, inverse = np.unique(bits, return_inverse=True)
    texts = ["; ".join(t for k, (_, t) in enumerate(flags) if (int(p) >> k) & 1) for p in patterns]
    return pd.Categorical.from_codes(inverse.reshape(-1), categories=pd.Index(texts))


def reserve_census(parcels: ParcelTable, indicators: IndicatorTable, card: Card) -> ReserveCensus:
    """Apply the reserve-resource census rules of ``card`` to every parcel.

    See the module docstring for the rules; returns a :class:`ReserveCensus`.
    """
    classes, potential_table, min_months, min_area = _read_card(card, indicators.catalogue)
    n = len(parcels)
    ids = parcels.ids
    aligned = indicators.aligned(parcels)
    source = parcels.to_frame()
    land_class = _category(source, "land_class")
    area = parcels.area("m2")
    database_roles = list(card.option("database_roles", ["existing", "occupation"]))
    verification_column = str(card.option("verification_column", "verified_non_aquaculture"))
    notes: list[str | Message] = []

    problems = ProblemCollector(ids, ids)
    verified = parse_flags(
        parcels.column(verification_column) if parcels.has(verification_column) else None,
        n,
        column=verification_column,
        problems=problems,
        default=False,
        true_words=_VERIFIED_WORDS,
        false_words=_NOT_VERIFIED_WORDS,
        reason="not a yes/no verification flag",
        fix=f"enter {FLAG_SPELLINGS} (or 已核实/未核实); leave empty where not yet verified",
    )
    problems.raise_if_any("parcel table (verification flags)", parcels.source)
    if not parcels.has(verification_column):
        notes.append(Message.of("n_no_verification_column", "note", column=verification_column))

    role = _category(source, "role")
    in_database = _lookup(role, dict.fromkeys(database_roles, True), False).astype(bool)
    if not parcels.has("role"):
        notes.append(Message.of("n_no_role_column", "note"))

    eligible = _lookup(land_class, dict.fromkeys(classes.index, True), False).astype(bool)
    gate = _lookup(
        land_class, classes["requires_verification"].astype(bool).to_dict(), False
    ).astype(bool)
    check = _lookup(land_class, classes["field_check"].astype(str).to_dict(), "")
    legal_ok = ~gate | verified
    months = (
        aligned.values("standing_water_months")
        if "standing_water_months" in aligned.indicator_ids
        else np.full(n, np.nan)
    )
    water_ok = months >= min_months
    water_unknown = np.isnan(months)
    # at the survey's precision: the card writes 1 亩 as 666.67 m², which a parcel of
    # exactly 1 亩 (666.666… m²) would otherwise fail
    area_ok = area >= min_area - AREA_TOLERANCE_M2 / 2
    passes = {
        "not_in_database": ~in_database,
        "land_class": eligible,
        "legal_status": legal_ok,
        "standing_water": water_ok,
        "min_area": area_ok,
    }
    candidate = np.logical_and.reduce(list(passes.values()))

    reasons = _joined(
        [
            (
                in_database,
                "already in the wetland database (role " + "/".join(database_roles) + ")",
            ),
            (~eligible, "land class not eligible as reserve land"),
            (~legal_ok, "aquaculture water (湿地保护法 Art. 2) not verified as non-aquaculture"),
            (water_unknown, "no standing-water observation"),
            (~water_ok & ~water_unknown, f"standing water under {min_months:g} months/yr"),
            (~area_ok, f"area under {min_area:g} m²"),
        ],
        n,
    )
    # the field team checks parcels that pass, or fail only for want of a check
    pending = ~in_database & eligible & area_ok
    field_flags = [(pending & (check == text), text) for text in sorted(set(check) - {""}) if text]
    field_flags.append((pending & water_unknown, "observe standing water (months/yr)"))
    field_checks = _joined(field_flags, n)

    weights = potential_table["weight"].to_numpy(dtype=float)
    scores = []
    for indicator_id, row in potential_table.iterrows():
        values = (
            aligned.values(str(indicator_id))
            if str(indicator_id) in aligned.indicator_ids
            else np.full(n, np.nan)
        )
        direction = indicators.catalogue[str(indicator_id)].direction
        scores.append(minmax(values, float(row["low"]), float(row["high"]), direction))
    # weighted mean over the indicators present (weights re-normalised per parcel)
    stacked = np.vstack(scores)
    potential = weighted_sum(stacked.T, weights)
    weight_present = (~np.isnan(stacked) * weights[:, None]).sum(axis=0) / weights.sum()

    frame = pd.DataFrame(
        {
            "land_class": land_class,
            "township": _category(source, "township"),
            "area_m2": area,
            "role": role,
            "standing_water_months": months,
            **{f"pass_{rule}": passes[rule] for rule in RULES},
            "candidate": candidate,
            "reasons": reasons,
            "field_checks": field_checks,
            "potential": potential,
            "potential_weight": weight_present,
        },
        index=pd.Index(ids, name="parcel_id"),
    )
    chosen = np.flatnonzero(candidate)
    order = np.lexsort(
        (
            np.asarray(ids[chosen], dtype=str),
            -area[chosen],
            -np.nan_to_num(potential[chosen], nan=-1.0),
        )
    )
    ranked = chosen[order]
    rank = np.zeros(n, dtype=np.int64)
    rank[ranked] = np.arange(1, len(ranked) + 1)
    frame["rank"] = pd.arrays.IntegerArray(rank, ~candidate)
    candidates = frame.iloc[ranked]

    towns = frame["township"].cat
    township = towns.add_categories(["(not given)"]).fillna("(not given)")
    grouped = pd.DataFrame(
        {
            "township": township.array,
            "parcels": 1,
            "candidates": candidate.astype(int),
            "candidate_area_ha": np.where(candidate, area / M2_PER_HA, 0.0),
            "potential": np.where(candidate, potential, np.nan),
            "field_checks": (candidate & np.asarray(field_checks != "")).astype(int),
        }
    ).groupby("township", sort=True, observed=True)
    by_township = grouped.agg(
        parcels=("parcels", "sum"),
        candidates=("candidates", "sum"),
        candidate_area_ha=("candidate_area_ha", "sum"),
        mean_potential=("potential", "mean"),
        field_checks=("field_checks", "sum"),
    ).sort_values(["candidate_area_ha", "candidates"], ascending=False)

    # keyed, so a summary or report shows them in its reader's language
    requires = {
        "not_in_database": Message.of(
            "req_not_in_database",
            "note",
            roles=tuple(Term(f"role_{r}", str(r)) for r in database_roles),
        ),
        "land_class": Message.of("req_land_class", "note", classes=tuple(map(str, classes.index))),
        "legal_status": Message.of("req_legal_status", "note", column=verification_column),
        "standing_water": Message.of("req_standing_water", "note", months=float(min_months)),
        "min_area": Message.of("req_min_area", "note", area=float(min_area)),
    }
    rules = pd.DataFrame(
        {
            "requires": [requires[r] for r in RULES],
            "failed": [int((~passes[r]).sum()) for r in RULES],
        },
        index=pd.Index(RULES, name="rule"),
    )
    inputs = {"parcels": parcels.hash, "indicators": indicators.hash}
    return ReserveCensus(
        parcels=frame,
        candidates=candidates,
        by_township=by_township,
        rules=rules,
        card_id=card.id,
        synthetic=parcels.synthetic or indicators.synthetic,
        provenance=Provenance(
            method="reserve-census",
            cards=(card.ref,),
            inputs=inputs,
            options={"verification_column": verification_column, "database_roles": database_roles},
            notes=tuple(notes),
        ),
    )


def reserve_census_method(card: Card, inputs: ScreeningInputs) -> ReserveCensus:
    """The ``reserve-census`` method: :func:`reserve_census` on the inputs bundle."""
    return reserve_census(inputs.parcels, inputs.indicators, card)


# ------------------------------------------------------------------ card body
class ReserveCensusOptions(BodyOptions):
    """Options of a ``reserve-census`` card.

    Attributes
    ----------
    verification_column
        Parcel column saying a pond was verified not to be an aquaculture pond.
    database_roles
        Parcel roles already in the wetland database (not reserve resources).
    """

    verification_column: Annotated[str, Field(min_length=1)] = "verified_non_aquaculture"
    database_roles: tuple[Literal["existing", "reserve", "restoration", "occupation"], ...] = (
        "existing",
        "occupation",
    )  # the roles of wetval.tables.ROLES


class EligibleClass(Row):
    """An eligible land class, whether it needs verification and what the field team checks."""

    land_class: str
    requires_verification: StrictBool
    field_check: str
    source: str | None = None


class PotentialIndicator(Row):
    """An indicator of restoration potential: weight [1] and min–max reference bounds."""

    indicator: str
    weight: float = Field(ge=0, le=1)  # the weights sum to 1 (checked with the catalogue)
    low: float
    high: float


class PotentialTable(TypedTable[PotentialIndicator]):
    """The ``potential`` table: weights summing to 1 and low < high in every row."""

    @model_validator(mode="after")
    def _weights_and_bounds(self) -> PotentialTable:
        total = sum(row.weight for row in self.rows)
        found = [f"weights sum to {total:g}, not 1"] if abs(total - 1.0) > 1e-6 else []
        found += [
            f"{row.indicator}: low must be < high" for row in self.rows if row.low >= row.high
        ]
        if found:
            raise ValueError("; ".join(found))
        return self


class ReserveCensusTables(BodyTables):
    """Tables of a ``reserve-census`` card."""

    classes: TypedTable[EligibleClass]
    potential: PotentialTable


class ReserveCensusParameters(BodyParameters):
    """Parameters of a ``reserve-census`` card."""

    # months per year with standing water: 0–12 by the unit
    min_standing_water_months: Annotated[Parameter, within(ge=0, le=12)]
    min_area_m2: Annotated[Parameter, within(ge=0)]  # [m2]; 0 admits every parcel


class ReserveCensusBody(CardBody):
    """Body of a ``reserve-census`` card."""

    options: ReserveCensusOptions = Field(default_factory=ReserveCensusOptions)
    tables: ReserveCensusTables
    parameters: ReserveCensusParameters


RESERVE_CENSUS = Method(
    "reserve-census",
    "screening",
    reserve_census_method,
    "reserve-resource census: eligibility rules with reasons, restoration potential, ranking",
    ("screening",),
    body=ReserveCensusBody,
)


#: The old name, kept for one release (deprecated): the step's verb is ``screen``.
__getattr__ = forward(__name__, {"screen_reserves": f"{__name__}:screen"})
