"""Shared machinery of the valuation methods.

The :class:`ServiceValues` result, how a parcel gets its ecosystem type
(card crosswalk or the parcels' ``ecosystem`` column), the condition
adjustment protocol, money conversion of card values, and project overrides
of card parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from wetval.cards import Card, referenced
from wetval.condition.result import ConditionResult
from wetval.errors import CardError, Problem, ProblemCollector
from wetval.messages import Bilingual, Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, note
from wetval.tables import reindexed
from wetval.units import (
    DEFAULT_PRICE_INDEX,
    M2_PER_HA,
    MoneyConversion,
    PriceIndex,
    money_conversion,
    price_index,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.kinds import ValuationInputs
    from wetval.tables import IndicatorTable, ParcelTable

__all__ = [
    "SERVICE_COLUMNS",
    "VALUATION_KINDS",
    "ConditionLike",
    "ServiceValues",
    "override",
    "valuation_method",
]

#: Method kinds that produce :class:`ServiceValues`.
VALUATION_KINDS = ("unit-value", "benefit-transfer", "replacement-cost")
#: Columns of ``ServiceValues.services`` every method fills.
SERVICE_COLUMNS = ("name_zh", "name_en", "group", "concept", "condition_adjusted")
#: The ecosystem key meaning "no ecosystem services" (built land).
NONE_ECOSYSTEM = "none"

#: What ``condition=`` accepts: a DataFrame indexed by parcel_id with columns
#: ``index`` (0–1) and/or ``grade`` (labels), or any object whose
#: ``to_frame()`` returns such a DataFrame (e.g. a ConditionResult).
ConditionLike = Any


#: A valuation function as users call it:
#: ``f(parcels, card, *, condition, indicators, price_year)``.
ValuationFunction = Callable[..., "ServiceValues"]


def valuation_method(
    function: ValuationFunction,
) -> Callable[[Card, ValuationInputs], ServiceValues]:
    """The registered form ``f(card, inputs)`` of a public valuation function.

    Parameters
    ----------
    function
        ``function(parcels, card, *, condition, indicators, price_year)``.

    Returns
    -------
    Callable
        ``adapter(card, inputs)`` calling ``function`` with the fields of a
        :class:`~wetval.kinds.ValuationInputs` bundle.
    """

    def adapter(card: Card, inputs: ValuationInputs) -> ServiceValues:
        values: ServiceValues = function(
            inputs.parcels,
            card,
            condition=inputs.condition,
            indicators=inputs.indicators,
            price_year=inputs.price_year,
        )
        return values

    adapter.__name__ = adapter.__qualname__ = f"{function.__name__}_method"
    adapter.__module__ = function.__module__
    adapter.__doc__ = (
        f"The registered method: :func:`{function.__name__}` on a "
        f":class:`~wetval.kinds.ValuationInputs` bundle.\n\n{function.__doc__ or ''}"
    )
    return adapter


@dataclass(frozen=True)
class ServiceValues(Result):
    """Annual ecosystem-service values per parcel and service.

    Attributes
    ----------
    values
        Parcel × service values [CNY/yr at ``price_year``], indexed by
        ``parcel_id`` in the parcel table's order; one column per service.
        Values may be negative (e.g. paddy's water supply in Xie 2015).
    services
        One row per service: ``name_zh``, ``name_en``, ``group``
        (provisioning / regulating / supporting / cultural), ``concept`` (the
        common vocabulary used to stop double counting when combining
        methods), ``condition_adjusted`` and method-specific columns (unit
        prices, equivalents, source method when combined).
    parcels
        Per parcel: ``ecosystem`` (the type valued), ``area_m2`` and
        ``condition_factor`` (1 where no adjustment applied).
    method, kind, card_id
        What produced the values.
    price_year, currency
        Money unit of every value (currency is always CNY).
    quantities
        Physical quantities per parcel where the method has them (e.g.
        ``storage_m3``, ``carbon_t``), with units in ``quantity_units``.
    low, high
        Interval bounds of the values where the method gives one, described
        by ``interval``.
    transfer_error
        Expected transfer errors from the literature (benefit transfer).
    conversion
        How card money was converted to CNY at ``price_year`` (per service
        where prices differ in year), with every step.
    synthetic
        True when the parcels were synthetic.
    provenance
        Method, cards, input hashes, options and notes.
    """

    values: pd.DataFrame
    services: pd.DataFrame
    parcels: pd.DataFrame
    method: str
    kind: str
    card_id: str
    price_year: int
    currency: str = "CNY"
    quantities: pd.DataFrame | None = None
    quantity_units: dict[str, str] = field(default_factory=dict)
    low: pd.DataFrame | None = None
    high: pd.DataFrame | None = None
    interval: str | None = None
    transfer_error: pd.DataFrame | None = None
    conversion: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    #: Whether the values can be re-evaluated per Monte Carlo draw from the one card their
    #: provenance records (by that card's method). A result that cannot (a combination of
    #: several valuations, :class:`~wetval.valuation.CombinedValues`, or a plugin's values
    #: of no card) says False, and the uncertainty chain holds its values at the run.
    reevaluable: ClassVar[bool] = True

    # ---------------------------------------------------------------- views
    def to_frame(self, form: Literal["wide", "long"] = "wide") -> pd.DataFrame:
        """The values as a table.

        Parameters
        ----------
        form
            ``"wide"``: one row per parcel, one column per service [CNY/yr].
            ``"long"``: one row per parcel and service with columns
            ``parcel_id``, ``service``, ``ecosystem``, ``value_cny``.
        """
        if form == "wide":
            return self.values.copy()
        if form != "long":
            raise ValueError(f"form must be 'wide' or 'long', not {form!r}")
        n, s = self.values.shape
        return pd.DataFrame(
            {
                "parcel_id": np.repeat(self.values.index.to_numpy(), s),
                "service": np.tile(np.asarray(self.values.columns, dtype=object), n),
                "ecosystem": np.repeat(self.parcels["ecosystem"].to_numpy(), s),
                "value_cny": self.values.to_numpy().ravel(),
            }
        )

    def total(self) -> float:
        """Sum over parcels and services [CNY/yr]."""
        return float(self.values.to_numpy().sum())

    def by_service(self) -> pd.Series:
        """Sum over parcels per service [CNY/yr]."""
        return pd.Series(
            self.values.to_numpy().sum(axis=0), index=self.values.columns, name="value_cny"
        )

    def by_parcel(self) -> pd.Series:
        """Sum over services per parcel [CNY/yr]."""
        return pd.Series(
            self.values.to_numpy().sum(axis=1), index=self.values.index, name="value_cny"
        )

    def by_ecosystem(self) -> pd.DataFrame:
        """Area [ha] and value [CNY/yr] per ecosystem type."""
        frame = pd.DataFrame(
            {
                "ecosystem": self.parcels["ecosystem"].to_numpy(),
                "area_ha": self.parcels["area_m2"].to_numpy() / M2_PER_HA,
                "value_cny": self.by_parcel().to_numpy(),
            }
        )
        return frame.groupby("ecosystem", observed=True, sort=True).sum()

    def at_price_year(
        self, year: int, index: str | Card | PriceIndex | Mapping[int, float] = "cn-cpi"
    ) -> ServiceValues:
        """The same values moved to another price year with a CNY price index.

        Parameters
        ----------
        year
            Target price year.
        index
            CNY price index (card id, card or mapping year → level).
        """
        series = price_index(index)
        factor = series.factor(self.price_year, year)

        def scaled(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame * factor

        step = f"moved CNY {self.price_year}→{year} with {series.name}: ×{factor:.6g}"
        moved = Message.of(
            "n_moved", "note", start=self.price_year, end=int(year), index=series.name,
            factor=factor,
        )  # fmt: skip
        notes = (*self.provenance.notes, moved)
        return dataclasses.replace(
            self,
            values=self.values * factor,
            low=scaled(self.low),
            high=scaled(self.high),
            price_year=int(year),
            conversion={**self.conversion, "after": [*self.conversion.get("after", []), step]},
            provenance=self.provenance.model_copy(update={"notes": notes}),
        )

    # --------------------------------------------------------------- report
    def summary(self) -> Summary:
        """Method, card, price year, values per service, quantities, interval and notes."""
        totals = self.by_service()
        grand = float(totals.sum())
        names = self.services.reindex(totals.index)
        english = names["name_en"] if "name_en" in names else names["name_zh"]
        by_service = pd.DataFrame(
            {
                "service": totals.index.astype(str).tolist(),
                "name": [
                    Bilingual(str(z), str(e))
                    for z, e in zip(names["name_zh"], english, strict=True)
                ],
                "value_cny": totals.to_numpy(dtype=float),
                "share": totals.to_numpy(dtype=float) / grand if grand else np.nan,
            }
        )
        tables = [SummaryTable("by_service", "by_service", by_service, {"share": 3})]
        if self.quantities is not None:
            amounts = self.quantities.sum()
            tables.append(
                SummaryTable(
                    "quantities", "quantities", pd.DataFrame(
                        {
                            "service": amounts.index.astype(str).tolist(),
                            "quantity": amounts.to_numpy(dtype=float),
                            "unit": [self.quantity_units.get(str(n), "") for n in amounts.index],
                        }
                    ), {"quantity": 4},
                )
            )  # fmt: skip
        title = Message.of(
            "sum_services", "note", method=self.method, kind=self.kind, card=self.card_id,
            parcels=len(self.values), area_ha=float(self.parcels["area_m2"].sum()) / M2_PER_HA,
            year=self.price_year, currency=self.currency, total=grand,
        )  # fmt: skip
        noted = any(getattr(n, "key", "") == "n_synthetic_parcels" for n in self.provenance.notes)
        notes = [Message.of("sum_synthetic", "note")] if self.synthetic and not noted else []
        if self.low is not None and self.high is not None:
            notes.append(
                Message.of(
                    "sum_services_interval",
                    "note",
                    interval=str(self.interval),
                    low=float(self.low.to_numpy().sum()),
                    high=float(self.high.to_numpy().sum()),
                )
            )
        if self.transfer_error is not None:
            errors = tuple(
                f"{r.study}: {r.statistic} {r.value:g} %" for r in self.transfer_error.itertuples()
            )
            notes.append(Message.of("sum_transfer_error", "note", errors=errors))
        notes += [note(n, "note") for n in self.provenance.notes]
        return Summary(title, tuple(tables), tuple(notes))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of the total value per service [万元/yr]."""
        ax = axes(ax)
        totals = self.by_service() / 1e4
        names = [f"{s} {self.services.loc[s, 'name_zh']}" for s in totals.index]
        ax.barh(names, totals.to_numpy(), color="#3b7dbf")
        ax.invert_yaxis()
        ax.set_xlabel(f"value [万元/yr, {self.currency} {self.price_year}]")
        label = " (SYNTHETIC)" if self.synthetic else ""
        ax.set_title(f"{self.card_id}{label}")
        return ax


# --------------------------------------------------------------------- cards
def resolve_card(card: str | Card) -> Card:
    """A card object from a card or an id/path (the active bundle's, inside a computation)."""
    return card if isinstance(card, Card) else referenced(card)


def override(
    card: str | Card,
    *,
    parameters: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    reason: str = "project override",
) -> Card:
    """A copy of a card with some parameters or options replaced for one project.

    The copy keeps the card's id and version but has a different content hash
    (provenance shows the change), each replaced parameter is marked
    ``verified = false`` with its former value in the description, and an
    unverified assumption records what was overridden and why.

    Parameters
    ----------
    card
        The card (or its id).
    parameters
        Parameter name → new value (the parameter must exist).
    options
        Option name → new value (merged over the card's options).
    reason
        Why, in one line (shown in reports).

    Returns
    -------
    Card

    Raises
    ------
    CardError
        Naming every parameter the card does not have.
    """
    card = resolve_card(card)
    data = card.model_dump(mode="json", exclude_none=True)
    unknown = [name for name in (parameters or {}) if name not in card.parameters]
    if unknown:
        raise CardError(
            card.id,
            [
                (
                    f"parameters.{name}",
                    f"not a parameter of this card; it has {list(card.parameters)}",
                )
                for name in unknown
            ],
        )
    changed = []
    for name, new in (parameters or {}).items():
        old = data["parameters"][name]
        changed.append(f"{name}: {old['value']} → {new} {old.get('unit', '')}".strip())
        data["parameters"][name] = {
            **old,
            "value": new,
            "verified": False,
            "description": f"{old.get('description', '')} [{reason}; card value {old['value']}]",
        }
        data["parameters"][name].pop("distribution", None)
    if options:
        changed += [f"option {key} = {value!r}" for key, value in options.items()]
        data["options"] = {**data.get("options", {}), **dict(options)}
    data["assumptions"] = [
        *data.get("assumptions", []),
        {
            "key": f"override-{len(data.get('assumptions', [])) + 1}",
            "text": {
                "zh": f"项目调整: {'; '.join(changed)}",
                "en": f"{reason}: {'; '.join(changed)}",
            },
            "verified": False,
        },
    ]
    return Card.from_mapping(data, path=None)


def card_services(card: Card, table: str = "services") -> pd.DataFrame:
    """The card's service table (index service; name_zh, name_en, group, concept)."""
    services = card.table(table)
    missing = [c for c in ("name_zh", "name_en", "group", "concept") if c not in services.columns]
    if missing:
        raise CardError(card.id, [(f"tables.{table}", f"needs columns {missing}")])
    return services


# ---------------------------------------------------------------- ecosystems
def _crosswalk_card(card: Card, scheme: str) -> Card:
    """The crosswalk card ``card`` names for a land-class scheme."""
    option = card.option("crosswalk")
    if option is None:
        raise CardError(card.id, [("options.crosswalk", "missing: name the crosswalk card(s)")])
    crosswalk_id = option.get(scheme) if isinstance(option, Mapping) else option
    if crosswalk_id is None:
        raise CardError(
            card.id, [("options.crosswalk", f"has no crosswalk for the {scheme!r} scheme")]
        )
    key = f"options.crosswalk.{scheme}" if isinstance(option, Mapping) else "options.crosswalk"
    return referenced(str(crosswalk_id), referrer=card, key=key)


def _crosswalk(card: Card, scheme: str) -> tuple[dict[str, str], str | None, str]:
    crosswalk = _crosswalk_card(card, scheme)
    table = crosswalk.table("crosswalk")
    mapping = {str(code): str(eco) for code, eco in table["ecosystem"].items()}
    return mapping, crosswalk.option("default_ecosystem"), crosswalk.id


def parcel_ecosystems(
    parcels: ParcelTable, card: Card, allowed: Sequence[str]
) -> tuple[pd.Categorical[Any], list[str | Message]]:
    """The ecosystem key of every parcel, as the card's own keys.

    A parcel's type comes from the card's crosswalk of its land class
    (``options.crosswalk``, per scheme), unless the parcel table has an
    ``ecosystem`` column with a value for it. ``options.ecosystem_map`` then
    maps crosswalk keys (Xie 2015 rows) to the card's keys (e.g.
    ``wetland`` → ``inland_wetlands``); keys already in the card pass through.

    Returns
    -------
    ecosystems
        Categorical of card keys (``"none"`` for built land, valued 0).
    notes
        Statements for provenance.

    Raises
    ------
    ValidationError
        Naming every parcel whose land class has no crosswalk entry or whose
        ecosystem has no row in the card.
    """
    notes: list[str | Message] = []
    ids = parcels.ids
    problems = ProblemCollector(ids, ids)
    codes, uniques = parcels.codes("land_class")
    mapping, default, crosswalk_id = _crosswalk(card, parcels.scheme.value)
    resolved: list[str | None] = []
    for code in map(str, uniques):
        found = mapping.get(code)
        if found is None and len(code) == 6:
            found = mapping.get(code[:4])
        resolved.append(found if found is not None else default)
    # work on distinct keys: crosswalk keys (by land class) then ecosystem-column values
    keys = [*resolved]
    key_codes = codes.astype(np.int64)
    no_entry = np.asarray([r is None for r in resolved] + [False], dtype=bool)[codes]
    overridden = np.zeros(len(ids), dtype=bool)
    if parcels.has("ecosystem"):
        given_codes, given = parcels.codes("ecosystem")
        overridden = given_codes >= 0
        key_codes = np.where(overridden, given_codes.astype(np.int64) + len(keys), key_codes)
        keys += [str(v) for v in given]
        notes.append(Message.of("n_ecosystem_override", "note", parcels=int(overridden.sum())))
    crosswalk_gap = no_entry & ~overridden
    if crosswalk_gap.any():
        problems.add_rows(
            crosswalk_gap,
            column="land_class",
            values=parcels.column("land_class"),
            reason=f"land class has no entry in the crosswalk {crosswalk_id}",
            fix="give these parcels an 'ecosystem' column value, or use a crosswalk card that "
            "covers the class",
        )
    ecosystem_map = {str(k): str(v) for k, v in card.option("ecosystem_map", {}).items()}
    allowed_set = {*map(str, allowed), NONE_ECOSYSTEM}
    mapped = [
        None if key is None else key if key in allowed_set else ecosystem_map.get(key)
        for key in keys
    ]
    categories = sorted({str(v) for v in mapped if v is not None})
    category_of = np.asarray(
        [categories.index(v) if v is not None else -1 for v in mapped] + [-1], dtype=np.int64
    )
    final_codes = category_of[np.where(key_codes < 0, len(mapped), key_codes)]
    unknown = (final_codes < 0) & ~crosswalk_gap
    if unknown.any():
        labels = np.asarray([*keys, None], dtype=object)
        problems.add_rows(
            unknown,
            column="ecosystem",
            values=labels[np.where(key_codes < 0, len(keys), key_codes)],
            reason=f"ecosystem type has no row in card {card.id} "
            f"(its types: {', '.join(sorted(allowed_set))})",
            fix="value these parcels with another card, subset the parcels, or set their "
            "'ecosystem' column to one of the card's types",
        )
    problems.raise_if_any("valuation input", parcels.source)
    ecosystems = pd.Categorical.from_codes(final_codes, categories=pd.Index(categories))
    return ecosystems, notes


def ecosystem_rows(ecosystems: pd.Categorical, table: pd.DataFrame) -> np.ndarray:
    """Rows of ``table`` (index = ecosystem keys) per parcel; ``none`` → zeros.

    Returns an array of shape (parcels, table columns).
    """
    lookup = np.zeros((len(ecosystems.categories) + 1, table.shape[1]))
    for position, key in enumerate(ecosystems.categories):
        if key != NONE_ECOSYSTEM:
            lookup[position] = table.loc[key].to_numpy(dtype=float)
    codes = np.asarray(ecosystems.codes, dtype=np.intp)
    rows: np.ndarray = lookup[np.where(codes < 0, len(ecosystems.categories), codes)]
    return rows


# ----------------------------------------------------------------- condition
def _condition_frame(condition: ConditionLike, column: str) -> pd.DataFrame:
    if isinstance(condition, pd.DataFrame):
        return condition
    if isinstance(condition, ConditionResult) and column in condition.parcels.columns:
        # to_frame() starts with these columns, row for row (it appends the scores and points)
        return condition.parcels
    to_frame = getattr(condition, "to_frame", None)
    if callable(to_frame):
        frame = to_frame()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise TypeError(
        "condition= must be a DataFrame indexed by parcel_id with columns 'index' (0–1) "
        "and/or 'grade', or an object whose to_frame() returns one (e.g. a ConditionResult); "
        f"got {type(condition).__name__}"
    )


def condition_factors(
    condition: ConditionLike | None,
    parcels: ParcelTable,
    card: Card,
    services: Sequence[str],
) -> tuple[np.ndarray, list[str], list[str | Message]]:
    """Per-parcel condition factor and the services it applies to.

    The card's ``options.condition`` states the rule:

    - ``basis = "index"``: factor = piecewise-linear curve of the condition
      index (card table ``condition_curve``: columns ``index``, ``factor``);
    - ``basis = "grade"``: factor per grade label (card table
      ``condition_grades``: columns ``grade``, ``factor``; list each label
      spelling, e.g. 优 and excellent, as its own row);
    - ``basis = "none"`` (or no rule): no adjustment.

    ``services`` (default: all) lists the services adjusted; ``missing``
    (``"unadjusted"``, default, or ``"error"``) says what happens to parcels
    the condition result does not cover.

    Returns
    -------
    factor
        Per parcel (1 where not adjusted).
    adjusted
        Services the factor applies to.
    notes
        Statements for provenance.
    """
    rule = dict(card.option("condition", {}) or {})
    basis = rule.get("basis", "none")
    if basis not in ("index", "grade", "none"):
        raise CardError(card.id, [("options.condition.basis", f"{basis!r}: use index/grade/none")])
    ones = np.ones(len(parcels))
    if basis == "none":
        note = Message.of(
            "n_condition_ignored" if condition is not None else "n_no_condition_rule", "note"
        )
        return ones, [], [note]
    adjusted = [str(s) for s in rule.get("services", services)]
    unknown = [s for s in adjusted if s not in services]
    if unknown:
        raise CardError(card.id, [("options.condition.services", f"unknown services {unknown}")])
    if condition is None:
        return ones, [], ["no condition result: services not condition-adjusted"]
    column = "index" if basis == "index" else "grade"
    frame = _condition_frame(condition, column)
    if column not in frame.columns:
        raise TypeError(
            f"the card adjusts by condition {column}, but the condition table has no "
            f"{column!r} column (columns: {list(frame.columns)})"
        )
    aligned = reindexed(frame[column], parcels.ids)
    problems = ProblemCollector(parcels.ids, parcels.ids)
    if basis == "index":
        index = pd.to_numeric(aligned, errors="coerce").to_numpy(dtype=float)
        present = ~np.isnan(index)
        problems.add_rows(
            present & ((index < 0) | (index > 1)), column="condition index", values=index,
            reason="condition index outside 0–1", fix="give the index on the 0–1 scale",
        )  # fmt: skip
        curve = card.table("condition_curve")
        xs = np.asarray(curve.index, dtype=float)
        factor = np.interp(index, xs, curve["factor"].to_numpy(dtype=float))
    else:
        labels = aligned.astype(object)
        present = labels.notna().to_numpy()
        grades = card.table("condition_grades")["factor"]
        lookup = {str(k): float(v) for k, v in grades.items()}
        text = labels.where(labels.isna(), labels.astype(str))
        factor = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
        problems.add_rows(
            present & np.isnan(factor), column="condition grade", values=labels,
            reason=f"grade not in the card's condition_grades ({', '.join(lookup)})",
            fix="use the card's grade labels or add the label to the card",
        )  # fmt: skip
    missing = ~present
    if rule.get("missing", "unadjusted") == "error":
        problems.add_rows(
            missing, column=column, values=aligned,
            reason="no condition result for this parcel",
            fix="score the parcel's condition, or use a card with condition.missing = 'unadjusted'",
        )  # fmt: skip
    problems.raise_if_any("condition input", None)
    factor = np.where(missing, 1.0, factor)
    notes: list[str | Message] = [
        Message.of(
            "n_condition_adjusted",
            "note",
            basis=Term(f"basis_{basis}", basis),
            services=tuple(Term(f"svc_{s}", s) for s in adjusted),
        )
    ]
    if missing.any():
        share = parcels.area("m2")[missing].sum() / parcels.area("m2").sum()
        notes.append(
            Message.of("n_no_condition_result", "note", parcels=int(missing.sum()), share=share)
        )
    return factor, adjusted, notes


def apply_condition(
    condition: ConditionLike | None,
    parcels: ParcelTable,
    card: Card,
    services: pd.DataFrame,
    *matrices: np.ndarray,
) -> tuple[np.ndarray, pd.DataFrame, list[str | Message]]:
    """Apply the card's condition rule (:func:`condition_factors`) in place.

    Parameters
    ----------
    condition, parcels, card
        As for :func:`condition_factors`.
    services
        The result's service table (index = service, in column order of the
        matrices).
    *matrices
        Parcel × service arrays [CNY/yr] (values, and interval bounds where the
        method has them); the adjusted services' columns are multiplied by the
        per-parcel factor.

    Returns
    -------
    factor
        Per parcel (1 where not adjusted).
    services
        A copy of ``services`` with the boolean column ``condition_adjusted``.
    notes
        Statements for provenance.
    """
    names = [str(s) for s in services.index]
    factor, adjusted, notes = condition_factors(condition, parcels, card, names)
    columns = [names.index(s) for s in adjusted]
    for matrix in matrices:
        matrix[:, columns] *= factor[:, None]
    out = services.copy()
    out["condition_adjusted"] = [s in adjusted for s in names]
    return factor, out, notes


# --------------------------------------------------------------------- money
def card_conversion(
    card: Card, price_year: int | None, *, from_year: int | None = None
) -> MoneyConversion:
    """Conversion of the card's money (or one of its prices) to CNY at ``price_year``.

    The card's ``options.conversion`` may set ``rate`` (``"ppp"``/``"market"``),
    ``order`` (``"deflate-first"``/``"convert-first"``), ``indices``
    (currency → price-index card), ``rates`` (currency → rate kind → series,
    for a currency wetval ships no rates for) and ``target_price_year`` (the
    default ``price_year`` for non-CNY cards); CNY cards may set
    ``options.price_index``.
    """
    if card.currency is None or card.price_year is None:
        raise CardError(card.id, [("price_year", "valuation cards need currency and price_year")])
    options = dict(card.option("conversion", {}) or {})
    source_year = from_year if from_year is not None else card.price_year
    target = price_year
    if target is None:
        target = int(options.get("target_price_year", card.price_year))
    indices = dict(options.get("indices", {}))
    if card.currency == "CNY":
        indices.setdefault("CNY", card.option("price_index", DEFAULT_PRICE_INDEX["CNY"]))
    return money_conversion(
        from_currency=card.currency,
        from_year=source_year,
        to_currency="CNY",
        to_year=int(target),
        rate=options.get("rate", "ppp"),
        order=options.get("order", "deflate-first"),
        indices=indices,
        rates=options.get("rates"),
    )


def conversion_notes(conversion: MoneyConversion) -> list[Message]:
    """Provenance notes for a money conversion (its steps are in the result's provenance)."""
    if conversion.factor == 1.0 and not conversion.steps:
        return []
    notes = [
        Message.of(
            "n_money_conversion",
            "note",
            from_currency=conversion.from_currency,
            from_year=conversion.from_year,
            to_year=conversion.to_year,
            factor=conversion.factor,
            series=conversion.series,
        )
    ]
    if not conversion.verified:
        notes.append(Message.of("n_unverified_series", series=conversion.unverified_series))
    return notes


# --------------------------------------------------------------------- build
def indicator_positions(indicators: IndicatorTable, parcels: ParcelTable) -> np.ndarray | None:
    """Row of each parcel in the indicator table (−1 where absent); None if already aligned.

    Matches ids with Arrow's ``index_in`` (pandas' reindex on Arrow strings is
    several times slower on a million parcels).
    """
    if indicators.ids.equals(parcels.ids):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(index: pd.Index) -> pa.Array:
        return pa.array(index.array, from_pandas=True).cast(pa.large_string())

    found = pc.index_in(arrow(parcels.ids), value_set=arrow(indicators.ids))
    positions: np.ndarray = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return positions


def aligned_indicator(
    indicators: IndicatorTable, name: str, positions: np.ndarray | None
) -> np.ndarray:
    """One indicator in the parcels' order (NaN for parcels without a row)."""
    values = indicators.values(name)
    if positions is None:
        return values
    missing = positions < 0
    out = values[np.where(missing, 0, positions)] if len(values) else np.zeros(len(positions))
    out[missing] = np.nan
    return out


def require_indicators(
    indicators: IndicatorTable | None, needed: Sequence[str], parcels: ParcelTable, what: str
) -> dict[str, np.ndarray]:
    """Aligned indicator arrays, or one error naming every missing indicator."""
    absent = list(needed)
    if indicators is not None:
        absent = [name for name in needed if name not in indicators.indicator_ids]
    if absent:
        from wetval.errors import ValidationError

        raise ValidationError(
            [
                Problem(
                    reason=f"{what} needs the indicator {name!r}, which the indicator table "
                    + ("does not have" if indicators is not None else "was not given"),
                    column=name,
                    fix=f"pass indicators= with a {name!r} column (see wetval.CATALOGUE)",
                )
                for name in absent
            ],
            what="valuation input",
        )
    assert indicators is not None
    positions = indicator_positions(indicators, parcels)
    return {name: aligned_indicator(indicators, name, positions) for name in needed}


def make_result(
    *,
    parcels: ParcelTable,
    card: Card,
    method: str,
    kind: str,
    values: np.ndarray,
    services: pd.DataFrame,
    ecosystems: pd.Categorical[Any],
    condition_factor: np.ndarray,
    price_year: int,
    conversion: dict[str, Any],
    notes: Sequence[str | Message],
    inputs: Mapping[str, str],
    options: Mapping[str, Any] | None = None,
    quantities: pd.DataFrame | None = None,
    quantity_units: Mapping[str, str] | None = None,
    low: np.ndarray | None = None,
    high: np.ndarray | None = None,
    interval: str | None = None,
    transfer_error: pd.DataFrame | None = None,
) -> ServiceValues:
    """Assemble a :class:`ServiceValues` (frames share the parcel index)."""
    index = parcels.ids
    columns = pd.Index([str(s) for s in services.index])

    def frame(array: np.ndarray | None) -> pd.DataFrame | None:
        return (
            None if array is None else pd.DataFrame(array, index=index, columns=columns, copy=False)
        )

    all_notes = list(dict.fromkeys(notes))
    unverified = card.unverified()
    if unverified:
        all_notes.append(Message.of("n_card_unverified", "note", card=card.id, n=len(unverified)))
    if parcels.synthetic:
        all_notes.append(Message.of("n_synthetic_parcels", "note"))
    refs = [card.ref]
    if card.option("crosswalk") is not None:
        refs.append(_crosswalk_card(card, parcels.scheme.value).ref)
    provenance = Provenance(
        method=method,
        cards=tuple(refs),
        inputs={"parcels": parcels.hash, **inputs},
        options={"price_year": price_year, **(options or {})},
        notes=tuple(all_notes),
    )
    values_frame = frame(values)
    assert values_frame is not None
    return ServiceValues(
        values=values_frame,
        services=services,
        parcels=pd.DataFrame(
            {
                "ecosystem": ecosystems,
                "area_m2": parcels.area("m2"),
                "condition_factor": condition_factor,
            },
            index=index,
        ),
        method=method,
        kind=kind,
        card_id=card.id,
        price_year=int(price_year),
        quantities=quantities,
        quantity_units=dict(quantity_units or {}),
        low=frame(low),
        high=frame(high),
        interval=interval,
        transfer_error=transfer_error,
        conversion=conversion,
        synthetic=parcels.synthetic,
        provenance=provenance,
    )
