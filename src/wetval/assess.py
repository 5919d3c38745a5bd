"""The assessment: one call from county data to every result a reviewer needs.

:func:`assess` runs, in order, validation → condition → valuation (one or more
methods) → quota accounting and balance → pricing → the proposed sale's fund
split → uncertainty and sensitivity → quota-pledged loan and insurance of the
credit pool, keeping every step's result, the warnings of every step, and
provenance. An :class:`AssessmentSpec` describes the project once; it loads
from a TOML project file (see ``docs/example-project.toml`` and
``docs/assessment.md``).

This module orchestrates only: every computation lives in the step's own
module, the project-file models live in :mod:`wetval.spec` (re-exported here),
and reports are rendered from the :class:`Assessment` by :mod:`wetval.report`.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
import pandas as pd

from wetval.boundary import accept, register_conversion
from wetval.cards import Card, CardBundle, attach_bundle, load_card
from wetval.condition import ConditionResult
from wetval.datasets import sample_county
from wetval.errors import CardError, Problem
from wetval.errors import ValidationError as DataError
from wetval.hashing import file_hash, path_hash, result_hash
from wetval.inventory import Inventory
from wetval.io import read_indicators, read_parcels, read_table
from wetval.kinds import ConditionInputs, PriceInputs, QuotaInputs, ValuationInputs
from wetval.messages import Bilingual, Message
from wetval.plugins import run
from wetval.pricing import PoolFinance, QuotaPrice, RestorationPlan, pool_finance
from wetval.provenance import CardRef, Provenance
from wetval.quota import (
    BalanceReport,
    FundSplit,
    LedgerBalances,
    QuotaAccounts,
    QuotaLedger,
    allocate_funds,
    balance,
)
from wetval.results import Result
from wetval.spec import (
    SAMPLE_SOURCE,
    AssessmentSpec,
    CardSpec,
    DataSpec,
    FootprintSpec,
    ImportantWetlandSpec,
    OptionSpec,
    PlanSpec,
    ProjectSpec,
    ReportSpec,
    SpecError,
    load_spec,
)
from wetval.tables import IndicatorTable, ParcelTable
from wetval.uncertainty import MonteCarloResult, PriceChain, monte_carlo
from wetval.uncertainty.sensitivity import TornadoResult
from wetval.units import M2_PER_MU
from wetval.valuation import VALUATION_KINDS, ServiceValues

if TYPE_CHECKING:
    from wetval.spatial import Overlay

__all__ = [
    "Assessment",
    "AssessmentSpec",
    "CardSpec",
    "DataSpec",
    "FootprintSpec",
    "ImportantWetlandSpec",
    "OptionSpec",
    "PlanSpec",
    "ProjectSpec",
    "ReportSpec",
    "SpecError",
    "assess",
    "check_spec",
    "load_spec",
]

_LEVEL_ORDER = {"general": 0, "provincial": 1, "national": 2}


def check_spec(spec: AssessmentSpec | str | Path) -> Inventory:
    """Check a project without computing: the file, the cards, the data, the projects.

    Parameters
    ----------
    spec
        A spec or the path of a project file.

    Returns
    -------
    Inventory
        The validated data's inventory.

    Raises
    ------
    SpecError, wetval.errors.ValidationError
        For the first stage that fails (every problem of that stage listed).
    """
    if not isinstance(spec, AssessmentSpec):
        spec = load_spec(spec)
    _cards(spec)
    parcels, indicators, _, _, _ = _load_data(spec)
    _preflight(spec, parcels, indicators)
    frame = parcels.to_frame()
    _project_masks(spec, frame)
    _plans(spec, frame)
    return parcels.inventory(indicators)


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class Assessment(Result):
    """Every result of one assessment, with warnings and provenance.

    Attributes
    ----------
    spec
        The specification as plain data (:meth:`AssessmentSpec.describe`).
    inventory
        Counts and areas of the whole parcel table and indicator coverage.
    condition
        Condition of every scored parcel.
    project_parcels
        The parcels the assessment accounts for (restoration credits and the
        occupation), with the reason any were left out in :attr:`excluded`.
    services
        Service values of the project parcels per valuation card, at the
        assessment's price year.
    accounts
        Quota credits and debits.
    balance
        Area, quality and unit balance and the matching of credits to the occupation.
    price
        Quota prices of the credit parcels by three approaches, reconciled.
    sale
        The proposed sale: matched credits, amount and restoration cost.
    funds
        Fund split of the proposed sale (Annex 2), if there is an occupation.
    uncertainty
        Monte Carlo result of the price, if run.
    sensitivity
        One-at-a-time sensitivity of the price, if run.
    finance
        Loan capacity of the pledged credit pool and its insurance premium, per
        restoration-risk class (price haircut from the Monte Carlo draws when
        run), unless ``options.finance`` is false or nothing is priced.
    excluded
        Parcels left out of the accounts, with reasons.
    warnings
        Warnings of every step, in order, prefixed by the step.
    timings
        Seconds per step (not part of :attr:`hash`).
    provenance
        Versions, cards (id, version, hash), input hashes, seed, options.
    overlays
        The overlays (压占分析) of ``data.footprints``, in their order: pieces
        with geometry, the totals by land class and ownership, findings.
    townships
        Township boundaries around the project (``geometry_wkb`` in the first
        overlay's CRS), for the project map; empty without footprints.
    county
        Every township of the county, simplified for the county overview
        (:func:`wetval.spatial.maps.county_townships`); empty without footprints.
    """

    spec: dict[str, Any]
    inventory: Inventory
    condition: ConditionResult
    project_parcels: pd.DataFrame
    services: dict[str, ServiceValues]
    accounts: QuotaAccounts
    balance: BalanceReport
    price: QuotaPrice
    sale: pd.DataFrame
    funds: FundSplit | None
    uncertainty: MonteCarloResult | None
    sensitivity: TornadoResult | None
    finance: PoolFinance | None
    excluded: pd.DataFrame
    warnings: tuple[str | Message, ...]
    timings: dict[str, float]
    provenance: Provenance = field(default_factory=Provenance)
    overlays: tuple[Overlay, ...] = ()
    townships: pd.DataFrame = field(default_factory=pd.DataFrame)
    county: pd.DataFrame = field(default_factory=pd.DataFrame)

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the assessment's content: the report id.

        Timings and the library versions of every provenance are left out, so
        the same assessment keeps its id after a library upgrade.
        """
        return result_hash(dataclasses.replace(self, timings={}).to_json())

    @property
    def report_id(self) -> str:
        """Short report identifier: the first 16 hex digits of :attr:`hash`."""
        return self.hash[:16]

    def sale_by_project(self) -> pd.DataFrame:
        """The proposed sale per compensating (restoration) project, as a trade records it.

        Returns
        -------
        pandas.DataFrame
            Index ``project_id`` (the credit project; ``None`` for restoration
            parcels of no project): ``credit_units`` the matches take from the
            project [quota units, before location factors: what its account is
            debited, as :meth:`~wetval.quota.QuotaLedger.post` books it] and
            ``amount`` [yuan, ``Decimal``: the sum of the sale rows, each to the
            fen].
        """
        matches = self.balance.matches
        if self.sale.empty or matches.empty:
            return pd.DataFrame(
                {"credit_units": pd.Series(dtype=float), "amount": pd.Series(dtype=object)},
                index=pd.Index([], name="project_id", dtype=object),
            )
        # the sale is the matches, row for row (_sale)
        frame = pd.DataFrame(
            {
                "project_id": matches["credit_project"].to_numpy(dtype=object),
                "credit_units": matches["credit_units"].to_numpy(dtype=float),
                # each row is to the fen (_sale); sum the fen exactly
                "fen": [round(float(a) * 100) for a in self.sale["amount"]],
            }
        )
        grouped = frame.groupby("project_id", dropna=False, sort=True)
        fen = grouped["fen"].sum()
        return pd.DataFrame(
            {
                "credit_units": grouped["credit_units"].sum(),
                "amount": pd.Series(
                    [Decimal(int(f)).scaleb(-2) for f in fen], index=fen.index, dtype=object
                ),
            }
        )

    @property
    def synthetic(self) -> bool:
        """Whether the assessment ran on SYNTHETIC data."""
        return bool(self.inventory.synthetic)

    def headline(self) -> dict[str, Any]:
        """The figures a reader needs first, as plain data."""
        low, high = self.price.range_per_unit
        facts: dict[str, Any] = {
            "project": self.spec["project"]["name"],
            "price_year": self.price.price_year,
            "price_per_unit": round(self.price.per_unit, 2),
            "price_per_mu": round(self.price.per_mu, 2),
            "price_range_per_unit": [round(low, 2), round(high, 2)],
            "credit_units": round(float(self.price.units), 4),
            "balanced": bool(self.balance.balanced),
            "synthetic": self.synthetic,
        }
        if not self.sale.empty:
            facts["units_required"] = round(float(self.balance.projects["units_required"].sum()), 4)
            facts["units_delivered"] = round(float(self.sale["units_delivered"].sum()), 4)
            facts["sale_amount"] = float(self.sale["amount"].sum())
        if self.uncertainty is not None:
            facts["price_per_unit_p5_p50_p95"] = [
                round(self.uncertainty.percentile("price_per_unit", q), 2) for q in (5, 50, 95)
            ]
        if self.finance is not None:
            facts["loan_capacity"] = float(self.finance.loan_capacity)
            facts["insurance_premium"] = float(self.finance.premium)
        return facts

    def summary(self) -> str:
        """A text summary of the assessment."""
        head = self.headline()
        label = "SYNTHETIC data — " if self.synthetic else ""
        lines = [
            f"Assessment {self.report_id}: {head['project']} "
            f"({label}price year {head['price_year']})",
            f"  recommended quota price: {head['price_per_unit']:,.2f} CNY per quota unit "
            f"({head['price_per_mu']:,.2f} CNY per 亩 of credit area); range "
            f"{head['price_range_per_unit'][0]:,.2f}–{head['price_range_per_unit'][1]:,.2f}",
            f"  credit pool: {head['credit_units']:,.2f} quota units; balance: "
            f"{'BALANCED' if head['balanced'] else 'NOT BALANCED'}",
        ]
        if "sale_amount" in head:
            lines.append(
                f"  proposed sale: {head['units_delivered']:,.2f} units delivered "
                f"({head['units_required']:,.2f} required) for {head['sale_amount']:,.2f} CNY"
            )
        if "loan_capacity" in head:
            lines.append(
                f"  pledged pool: loan capacity {head['loan_capacity']:,.2f} CNY; insurance "
                f"premium {head['insurance_premium']:,.2f} CNY (unverified finance card)"
            )
        if self.warnings:
            lines.append(
                f"  warnings: {len(self.warnings)} (see the report's data-quality section)"
            )
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The headline figures as a one-column table."""
        head = {k: v for k, v in self.headline().items() if not isinstance(v, list | dict)}
        return pd.DataFrame({"value": pd.Series(head, dtype=object)})


# ------------------------------------------------------------------ running
class _Steps:
    """Runs steps, timing each and collecting its warnings."""

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[str | Message] = []
        self._progress = progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self._progress is not None:
            self._progress(name)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.timings[name] = round(time.perf_counter() - start, 4)
        for warning in caught:
            message = f"{name}: {warning.message}"
            if message not in self.warnings:
                self.warnings.append(message)


def _load_data(
    spec: AssessmentSpec,
) -> tuple[
    ParcelTable, IndicatorTable | None, pd.DataFrame | None, LedgerBalances | None, dict[str, str]
]:

    data = spec.data
    inputs: dict[str, str] = {}
    county = sample_county() if SAMPLE_SOURCE in (data.parcels, data.indicators) else None

    def missing(kind: str, path: Path) -> DataError:
        return DataError(
            [Problem(reason="file not found", fix="check the path in the project file")],
            what=f"{kind} file",
            source=str(path),
        )

    if isinstance(data.parcels, ParcelTable):
        parcels = data.parcels
    elif isinstance(data.parcels, pd.DataFrame):
        parcels = ParcelTable.from_frame(data.parcels, scheme=data.scheme)
    elif data.parcels == SAMPLE_SOURCE:
        assert county is not None
        parcels = county.parcels
    else:
        from wetval.spatial.read import is_geometry_file

        path = spec.resolve(data.parcels)
        if is_geometry_file(path):
            from wetval.spatial import read_dltb

            parcels = read_dltb(path, data.layer, scheme=data.scheme, encoding=data.encoding)
            inputs["parcels_file"] = path_hash(path)
        else:
            if not path.is_file():
                raise missing("parcel", path)
            if data.layer is not None:
                raise SpecError(
                    f"data.layer = {data.layer!r}, but data.parcels = {data.parcels!r} is not "
                    "a layered spatial file; fix: name a .gdb folder, .gdb.zip, .gpkg or .shp "
                    "in data.parcels, or remove data.layer"
                )
            parcels = read_parcels(path, scheme=data.scheme, encoding=data.encoding)
            inputs["parcels_file"] = file_hash(path)
    inputs["parcels"] = parcels.hash

    indicators: IndicatorTable | None
    if data.indicators is None:
        indicators = None
    elif isinstance(data.indicators, IndicatorTable):
        indicators = data.indicators
    elif isinstance(data.indicators, pd.DataFrame):
        indicators = IndicatorTable.from_frame(data.indicators)
    elif data.indicators == SAMPLE_SOURCE:
        assert county is not None
        indicators = county.indicators
    else:
        path = spec.resolve(data.indicators)
        if not path.is_file():
            raise missing("indicator", path)
        indicators = read_indicators(path, encoding=data.encoding)
        inputs["indicators_file"] = file_hash(path)
    if indicators is not None:
        inputs["indicators"] = indicators.hash

    projects: pd.DataFrame | None
    if isinstance(data.projects, pd.DataFrame):
        projects = data.projects
    elif data.projects == SAMPLE_SOURCE or (data.projects is None and county is not None):
        projects = county.projects if county is not None else sample_county().projects
    elif data.projects is None:
        projects = None
    else:
        path = spec.resolve(data.projects)
        if not path.is_file():
            raise missing("project", path)
        projects = read_table(path, encoding=data.encoding)
        inputs["projects_file"] = file_hash(path)

    if data.ledger is not None and data.registry is not None:
        raise SpecError(
            "data.ledger and data.registry both name the units available; give only one: "
            "data.registry (the registry holds the quota history) or data.ledger (a ledger file)"
        )
    ledger: QuotaLedger | None
    if data.ledger is None or isinstance(data.ledger, QuotaLedger):
        ledger = data.ledger
    elif not isinstance(data.ledger, str):
        raise SpecError(
            f"data.ledger: expected a ledger file path or a QuotaLedger, "
            f"got {type(data.ledger).__name__}"
        )
    else:
        path = spec.resolve(data.ledger)
        if not path.is_file():
            raise missing("ledger", path)
        ledger = QuotaLedger.from_json(path.read_text(encoding="utf-8"))
    balances: LedgerBalances | None = None
    if ledger is not None:
        inputs["ledger"] = ledger.hash
        balances = ledger.balances()
    elif data.registry is not None:
        balances = _registry_balances(spec, data.registry)
        inputs["registry"] = balances.hash
    return parcels, indicators, projects, balances, inputs


def _registry_url(spec: AssessmentSpec) -> str:
    """``data.registry`` with a relative SQLite file taken from the project file's folder.

    Raises
    ------
    SpecError
        If ``data.registry`` is not a database URL (naming it).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = spec.data.registry
    if not isinstance(url, str) or "://" not in url:
        raise SpecError(
            f"data.registry = {url!r} is not a database URL; fix: give the registry's "
            'SQLAlchemy URL, e.g. "sqlite:///jinxian.db" (a path relative to the project '
            'file) or "postgresql+psycopg://user@host/dbname"'
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SpecError(
            f"data.registry = {url!r} is not a database URL; fix: give the registry's "
            'SQLAlchemy URL, e.g. "sqlite:///jinxian.db"'
        ) from None
    database = parsed.database
    sqlite_file = parsed.get_backend_name() == "sqlite" and database not in (None, "", ":memory:")
    if sqlite_file and not Path(str(database)).is_absolute():
        return parsed.set(database=str(spec.resolve(str(database)))).render_as_string(
            hide_password=False
        )
    return url


def _registry_balances(spec: AssessmentSpec, url: str) -> LedgerBalances:
    """The registry's quota balances (pledged units locked); one error naming data.registry."""
    from wetval.registry import Registry, RegistryError, SchemaError

    resolved = _registry_url(spec)
    try:
        with Registry(resolved) as registry:
            return registry.ledger_balances()
    except (RegistryError, SchemaError) as error:
        shown = _hide_password(url)
        raise SpecError(
            f"data.registry = {shown!r}: {error}\n(checked {_hide_password(resolved)!r}; "
            "relative SQLite paths are taken from the project file's folder)"
        ) from None


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _footprint_layer(spec: AssessmentSpec, source: str | pd.DataFrame, layer: str | None) -> Any:
    from wetval.spatial.read import read_layer

    if isinstance(source, pd.DataFrame):
        return source
    return read_layer(spec.resolve(source), layer)


class _Overlaid(NamedTuple):
    """What the overlay step hands on: the cut tables, the overlays, the maps' townships."""

    parcels: ParcelTable
    indicators: IndicatorTable
    overlays: tuple[Overlay, ...]
    townships: pd.DataFrame
    county: pd.DataFrame
    notes: list[str | Message]
    inputs: dict[str, str]


def _overlay(spec: AssessmentSpec, parcels: ParcelTable, indicators: IndicatorTable) -> _Overlaid:
    """Overlay every footprint of the spec and cut the parcels into pieces (压占分析).

    Returns the cut parcel table and its indicators, the overlays, the township
    boundaries of the project map and of the county overview, the overlays'
    findings as messages, and input hashes.
    """
    from wetval.errors import DataQualityWarning
    from wetval.spatial import overlay
    from wetval.spatial.maps import county_townships, map_view, township_boundaries
    from wetval.spatial.split import split_indicators, split_parcels

    data = spec.data
    levels: dict[str, Any] = {}
    if data.important_wetlands is not None:
        wetlands = data.important_wetlands
        levels = {
            "important_wetlands": _footprint_layer(spec, wetlands.path, wetlands.layer),
            "level_field": wetlands.level_field,
            "name_field": wetlands.name_field,
        }
    results: list[Overlay] = []
    notes: list[str | Message] = []
    inputs: dict[str, str] = {}
    for number, footprint in enumerate(data.footprints, start=1):
        layer = _footprint_layer(spec, footprint.path, footprint.layer)
        with warnings.catch_warnings():
            # the findings come back as messages (below), in the reader's language
            warnings.simplefilter("ignore", DataQualityWarning)
            result = overlay(
                parcels,
                layer,
                role=footprint.role,
                project_id=footprint.project_id,
                project_field=footprint.project_field,
                control_area_m2=footprint.control_area_m2,
                default_level=data.default_level,
                **levels,
            )
        results.append(result)
        notes += result.messages
        inputs[f"footprint_{number}"] = result.provenance.inputs["footprint"]
    cut, cleared = split_parcels(parcels, results)
    if cleared:
        notes.append(Message.of("w_footprints_cleared_roles", rows=cleared))
    crs = results[0].crs
    return _Overlaid(
        cut,
        split_indicators(indicators, cut),
        tuple(results),
        township_boundaries(parcels, map_view(results), crs),
        county_townships(parcels, crs),
        notes,
        inputs,
    )


#: The card kind each method step of the assessment runs.
_STEP_KINDS = {"condition": ("condition",), "quota": ("quota",), "pricing": ("pricing",)}


def _preflight(
    spec: AssessmentSpec, parcels: ParcelTable, indicators: IndicatorTable | None
) -> None:
    """The checks of the data and options ``assess`` runs before computing, all at once.

    :func:`check_spec` (``wetval validate``) runs the same function, so a
    project it calls valid is not refused by ``assess`` for any of these.

    Raises
    ------
    SpecError
        Listing every problem with its project-file key and the fix.
    """
    from wetval.uncertainty.monte_carlo import check_options

    problems = []
    if len(parcels.to_frame()) == 0:
        problems.append(
            f"- data.parcels = {spec.data.parcels!r}: the parcel table has no rows; fix: "
            "export the parcels with their records, not only the header"
        )
    if indicators is None:
        problems.append(
            "- data.indicators is required: condition scoring needs them; fix: name the "
            "indicator file"
        )
    if spec.data.footprints and not parcels.has("geometry"):
        problems.append(
            f"- data.footprints: the parcels of data.parcels = {spec.data.parcels!r} have no "
            "geometry to overlay them on; fix: name the DLTB layer (.gdb folder, .gdb.zip, "
            ".gpkg or .shp) in data.parcels, or pass a table read with wetval.spatial.read_dltb"
        )
    if spec.data.important_wetlands is not None and not spec.data.footprints:
        problems.append(
            "- data.important_wetlands is only read to set the levels of overlaid pieces; "
            "fix: add data.footprints or remove data.important_wetlands"
        )
    if spec.options.monte_carlo_draws:
        found = check_options(
            draws=spec.options.monte_carlo_draws,
            percentiles=spec.options.percentiles,
            indicator_error=spec.options.indicator_error,
            indicator_ids=None if indicators is None else list(indicators.indicator_ids),
        )
        key = {"draws": "monte_carlo_draws"}
        problems += [f"- options.{key.get(name, name)}: {why}" for name, why in found]
    if problems:
        raise SpecError(
            f"the project cannot be assessed ({len(problems)} problem(s)):\n" + "\n".join(problems)
        )


def _cards(spec: AssessmentSpec) -> dict[str, Card]:
    """Load every card the spec names, reporting all problems at once."""
    names = {
        "condition": spec.cards.condition,
        "quota": spec.cards.quota,
        "pricing": spec.cards.pricing,
        "review": spec.cards.review,
        **{f"valuation:{v}": v for v in spec.cards.valuation},
    }
    if spec.cards.funds is not None:
        names["funds"] = spec.cards.funds
    if spec.options.finance:
        names["finance"] = spec.cards.finance
    if spec.cards.value_approach not in spec.cards.valuation:
        raise SpecError(
            f"cards.value_approach = {spec.cards.value_approach!r} must be one of "
            f"cards.valuation {list(spec.cards.valuation)}"
        )
    cards: dict[str, Card] = {}
    errors = []
    for role, name in names.items():
        target = str(spec.resolve(name)) if name.endswith(".toml") else name
        try:
            cards[role] = load_card(target)
        except (CardError, KeyError) as error:
            errors.append(f"- cards.{role.split(':')[0]} = {name!r}: {error}")
            continue
        step = role.split(":")[0]
        wanted = VALUATION_KINDS if step == "valuation" else _STEP_KINDS.get(step)
        if wanted is not None and cards[role].kind not in wanted:
            errors.append(
                f"- cards.{step} = {name!r} is a card of kind {cards[role].kind!r}; "
                f"this step needs a card of kind {' or '.join(map(repr, wanted))}; fix: name "
                f"a card of that kind ('wetval cards list --kind {wanted[0]}' lists them)"
            )
    if errors:
        raise SpecError("cannot load the project's cards:\n" + "\n".join(errors))
    overrides = {
        name: value
        for name, value in (
            ("discount_rate", spec.options.discount_rate),
            ("om_years", spec.options.om_years),
        )
        if value is not None
    }
    if overrides:
        cards["pricing"] = _with_project_values(cards["pricing"], overrides)
    return cards


def _with_project_values(card: Card, values: dict[str, float]) -> Card:
    """A copy of ``card`` with parameter values set by the project (held fixed, unverified)."""
    data = card.model_dump()
    missing = [name for name in values if name not in data["parameters"]]
    if missing:
        raise SpecError(
            f"options {missing} override parameters the pricing card {card.id!r} does not "
            "have; drop these options or name a pricing card that has the parameters"
        )
    for name, value in values.items():
        parameter = data["parameters"][name]
        parameter.update(value=value, verified=False, distribution=None)
        parameter["description"] = (
            f"set by the project (card value {card.param(name)}); "
            + (parameter.get("description") or "")
        ).strip("; ")
    return Card.from_mapping(data, path=card.path)


def _plans(spec: AssessmentSpec, parcels: pd.DataFrame) -> list[RestorationPlan]:

    plans = []
    for plan in spec.data.plans:
        if isinstance(plan.quantities, str):
            path = spec.resolve(plan.quantities)
            quantities = read_table(path)
        else:
            quantities = pd.DataFrame(list(plan.quantities))
        members = parcels.index[
            (parcels["role"].astype(object) == "restoration")
            & (parcels["project_id"].astype(object) == plan.project_id)
        ]
        if len(members) == 0:
            raise SpecError(
                f"plan {plan.name!r}: no restoration parcels of project {plan.project_id!r}"
            )
        plans.append(
            RestorationPlan(
                name=plan.name,
                parcel_ids=tuple(str(i) for i in members),
                quantities=quantities,
                species=plan.species,
                compensation=plan.compensation,
                om_per_year=plan.om_per_year,
                price_year=plan.price_year,
            )
        )
    return plans


def _project_masks(spec: AssessmentSpec, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The spec's restoration and occupation parcels of the parcel table, as boolean masks.

    Raises
    ------
    SpecError
        If the table lacks ``role`` or ``project_id``, or a project the spec names has
        no parcels of its role (naming the projects the data has).
    """
    for column in ("role", "project_id"):
        if column not in frame.columns:
            raise SpecError(
                f"the parcel table has no {column!r} column: the assessment needs "
                "role (restoration/occupation) and project_id to select the project"
            )
    role = frame["role"].astype(object)
    project = frame["project_id"].astype(object)
    restoration = (role == "restoration").to_numpy().copy()
    if spec.project.restoration_projects is not None:
        unknown = sorted(set(spec.project.restoration_projects) - set(project[restoration]))
        if unknown:
            raise SpecError(
                f"project.restoration_projects not found among restoration parcels: {unknown}"
            )
        restoration &= project.isin(spec.project.restoration_projects).to_numpy()
    occupation = np.zeros(len(frame), dtype=bool)
    if spec.project.occupation_project is not None:
        occupation = (
            (role == "occupation") & (project == spec.project.occupation_project)
        ).to_numpy()
        if not occupation.any():
            known = sorted(set(project[role == "occupation"].dropna()))
            raise SpecError(
                f"project.occupation_project = {spec.project.occupation_project!r} has no "
                f"occupation parcels; occupation projects in the data: {known}"
            )
    if not restoration.any():
        raise SpecError("no restoration parcels to supply quota credits")
    return restoration, occupation


def _select_project(
    spec: AssessmentSpec, parcels: ParcelTable, condition: ConditionResult
) -> tuple[ParcelTable, pd.DataFrame, pd.DataFrame, list[str | Message]]:
    """The parcels to account for, their condition input, the exclusions and notes."""
    frame = parcels.to_frame()
    restoration, occupation = _project_masks(spec, frame)
    role = frame["role"].astype(object)
    scores = condition.to_frame().reindex(frame.index)
    unscored = scores["index"].isna().to_numpy()
    notes: list[str | Message] = []
    excluded = pd.DataFrame(
        {
            "role": role[restoration & unscored],
            "reason": "unscored",
        }
    )
    if excluded.shape[0]:
        notes.append(Message.of("w_unscored_restoration", parcels=len(excluded)))
    keep = (restoration & ~unscored) | occupation
    condition_input = scores.loc[keep, ["index", "grade", "grade_zh", "grade_en"]].copy()
    unscored_occupied = occupation & unscored
    if unscored_occupied.any():
        ids = list(frame.index[unscored_occupied])
        if spec.options.unscored_occupation == "error":
            problems = [
                Problem(
                    reason="occupied parcel has no condition score",
                    parcel_id=i,
                    fix="add monitoring data or set options.unscored_occupation = 'best-grade'",
                )
                for i in ids
            ]
            raise DataError(problems, what="occupation parcels")
        best = condition.grades.index[0]
        condition_input.loc[ids, ["index", "grade", "grade_zh", "grade_en"]] = [
            float(condition.grades["upper"].iloc[0]),
            best,
            condition.grades["label_zh"].iloc[0],
            condition.grades["label_en"].iloc[0],
        ]
        notes.append(
            Message.of(
                "w_unscored_occupation",
                parcels=len(ids),
                grade=Bilingual(
                    str(condition.grades["label_zh"].iloc[0]),
                    str(condition.grades["label_en"].iloc[0]),
                ),
            )
        )
    return parcels.subset(keep), condition_input, excluded, notes


def _sale(balance_report: BalanceReport, price: QuotaPrice) -> pd.DataFrame:
    """The proposed sale: each matched credit's share of its reconciled price and works."""
    matches = balance_report.matches
    if matches.empty:
        return pd.DataFrame(
            columns=[
                "credit_parcel",
                "units_delivered",
                "credit_share",
                "amount",
                "restoration_cost",
            ]
        )
    table = price.to_frame()
    share = matches["credit_share"].to_numpy(dtype=float)
    recommended = table["recommended"].reindex(matches["credit_parcel"]).to_numpy(dtype=float)
    works = table["works"].reindex(matches["credit_parcel"]).to_numpy(dtype=float)
    sale = matches[
        [
            "debit_parcel",
            "project_id",
            "credit_parcel",
            "location",
            "units_delivered",
            "credit_share",
        ]
    ].copy()
    sale["amount"] = np.round(recommended * share, 2)
    sale["restoration_cost"] = np.round(works * share, 2)
    return sale.reset_index(drop=True)


def assess(
    spec: AssessmentSpec | str | Path,
    *,
    progress: Callable[[str], None] | None = None,
    monte_carlo_progress: bool | None = False,
) -> Assessment:
    """Run an assessment.

    Parameters
    ----------
    spec
        What to assess (see :class:`AssessmentSpec`; :func:`load_spec` reads a
        project file, :func:`wetval.datasets.sample_project` gives the demo's),
        or the path of a project file.
    progress
        Called with each step's name as it starts (the CLI shows it).
    monte_carlo_progress
        Progress bar of the Monte Carlo step: ``None`` shows it when stderr is
        a terminal (see :func:`wetval.uncertainty.monte_carlo`).

    Returns
    -------
    Assessment

    Raises
    ------
    SpecError
        For a malformed spec, unknown cards or projects.
    wetval.errors.ValidationError
        For bad data, naming every offending row.
    """
    spec = accept(spec, AssessmentSpec, "spec")
    steps = _Steps(progress)
    with steps.step("cards"):
        cards = _cards(spec)
        # every card a card references, resolved once here (one error naming all missing)
        bundle = CardBundle.resolve(cards)
    with steps.step("validation"):
        parcels, indicators, projects, ledger, inputs = _load_data(spec)
        _preflight(spec, parcels, indicators)
        assert indicators is not None  # _preflight refuses a spec without indicators
        inventory = parcels.inventory(indicators)
    overlays: tuple[Overlay, ...] = ()
    townships = county = pd.DataFrame()
    surveyed = ConditionInputs(indicators, parcels)  # condition is scored on whole parcels
    if spec.data.footprints:
        with steps.step("overlay"):
            overlaid = _overlay(spec, parcels, indicators)
            parcels, indicators, overlays = overlaid.parcels, overlaid.indicators, overlaid.overlays
            townships, county = overlaid.townships, overlaid.county
            steps.warnings += overlaid.notes
            inputs.update(overlaid.inputs)
    with steps.step("condition"):
        condition: ConditionResult = run("condition", cards["condition"], surveyed)
        if overlays:
            from wetval.spatial.split import split_condition

            condition = split_condition(condition, parcels)
    with steps.step("selection"):
        project, condition_input, excluded, notes = _select_project(spec, parcels, condition)
        plans = _plans(spec, project.to_frame())
        steps.warnings += notes
    year = spec.options.price_year
    services: dict[str, ServiceValues] = {}
    with steps.step("valuation"):
        for name in spec.cards.valuation:
            card = cards[f"valuation:{name}"]
            inputs_v = ValuationInputs(project, condition_input, indicators)
            result: ServiceValues = run(str(card.kind), card, inputs_v)
            if result.price_year != year:
                result = result.at_price_year(year, spec.options.price_index)
            services[name] = result
    with steps.step("quota"):
        accounts: QuotaAccounts = run(
            "quota", cards["quota"], QuotaInputs(project, condition_input, projects)
        )
        balance_report = balance(accounts.credits, accounts.debits, ledger=ledger)
    occupied = accounts.debits.to_frame()
    levels = occupied.loc[occupied["permissible"].astype(bool), "wetland_level"].astype(object)
    level = max(levels.dropna(), key=_LEVEL_ORDER.__getitem__, default="general")
    with steps.step("pricing"):
        value_services = services[spec.cards.value_approach]
        pricing_year = cards["pricing"].price_year or year
        if value_services.price_year != pricing_year:
            value_services = value_services.at_price_year(pricing_year, spec.options.price_index)
        price_inputs = PriceInputs(
            accounts.credits,
            plans=tuple(plans),
            services=value_services,
            fund_card=cards.get("funds"),
            wetland_level=level,
            valuation_date=spec.project.date,
        )
        price: QuotaPrice = run("pricing", cards["pricing"], price_inputs)
    with steps.step("funds"):
        sale = _sale(balance_report, price)
        funds = None
        if spec.project.occupation_project is not None and not sale.empty:
            amount = Decimal(str(round(float(sale["amount"].sum()), 2)))
            cost = Decimal(str(round(float(sale["restoration_cost"].sum()), 2)))
            funds = allocate_funds(amount, cost, cards.get("funds"), date=spec.project.date)
    uncertainty: MonteCarloResult | None = None
    sensitivity: TornadoResult | None = None
    if spec.options.monte_carlo_draws or spec.options.sensitivity:
        with steps.step("uncertainty"):
            chain = PriceChain(
                parcels,
                value_services,
                accounts.credits,
                price,
                condition=condition,
                indicators=indicators,
                valuation_card=cards[f"valuation:{spec.cards.value_approach}"],
                pricing_card=cards["pricing"],
                condition_card=cards["condition"],
                fund_card=cards.get("funds"),
                plans=tuple(plans),
                cards=bundle,
            )
            if spec.options.monte_carlo_draws:
                uncertainty = monte_carlo(
                    chain,
                    draws=spec.options.monte_carlo_draws,
                    seed=spec.options.seed,
                    percentiles=spec.options.percentiles,
                    indicator_error=spec.options.indicator_error or None,
                    progress=monte_carlo_progress,
                )
            if spec.options.sensitivity and chain.parameters()["enters"].any():
                sensitivity = chain.tornado("price_per_unit")
    finance = None
    if "finance" in cards and not price.table.empty:
        with steps.step("finance"):
            finance = pool_finance(
                price,
                accounts.credits,
                price_draws=None if uncertainty is None else uncertainty.price_draws,
                card=cards["finance"],
            )
    provenance = Provenance(
        method="assessment",
        cards=tuple(
            _unique_refs(
                [card.ref for card in cards.values()],
                condition,
                *services.values(),
                accounts.credits,
                accounts.debits,
                balance_report,
                price,
                funds,
                uncertainty,
                finance,
            )
        ),
        inputs=inputs,
        seed=spec.options.seed,
        options={
            "price_year": year,
            "price_index": spec.options.price_index,
            "monte_carlo_draws": spec.options.monte_carlo_draws,
            "unscored_occupation": spec.options.unscored_occupation,
            "discount_rate": cards["pricing"].param("discount_rate"),
            "om_years": cards["pricing"].param("om_years"),
            "wetland_level_priced": level,
            "area_unit": f"亩 = {M2_PER_MU:.4f} m²",
        },
    )
    assessment = Assessment(
        spec=spec.describe(),
        inventory=inventory,
        condition=condition,
        # geometry stays with the overlays (pieces, footprints), which serialise it as WKB
        project_parcels=project.to_frame().drop(columns="geometry", errors="ignore"),
        services=services,
        accounts=accounts,
        balance=balance_report,
        price=price,
        sale=sale,
        funds=funds,
        uncertainty=uncertainty,
        sensitivity=sensitivity,
        finance=finance,
        excluded=excluded,
        warnings=tuple(steps.warnings),
        timings=steps.timings,
        provenance=provenance,
        overlays=overlays,
        townships=townships,
        county=county,
    )
    attach_bundle(assessment, bundle)  # the report reads the cards used from here
    return assessment


class _HasProvenance(Protocol):
    @property
    def provenance(self) -> Provenance: ...


def _unique_refs(named: list[CardRef], *results: _HasProvenance | None) -> list[CardRef]:
    """The spec's cards, then every further card a step's result used, each once.

    Steps load cards the spec does not name: the valuation card's crosswalk, the
    market comparables, the fund split in force, the species list.
    """
    refs: list[CardRef] = []
    for ref in [*named, *(r for result in results if result for r in result.provenance.cards)]:
        if ref not in refs:
            refs.append(ref)
    return refs


# a project file's path is the obvious stand-in for its spec (assess("project.toml"))
register_conversion(
    AssessmentSpec, "an AssessmentSpec", (str, Path), load_spec, "a project file's path"
)


class _CallableModule(types.ModuleType):
    """The type of this module: callable as :func:`assess`.

    ``wetval.assess`` is both the name of this module and the user's verb. The
    import system binds ``wetval.assess`` to the module whenever it is imported
    (``from wetval.assess import AssessmentSpec``), so a top-level function of
    that name would be replaced by the module depending on import order; making
    the module callable gives ``wetval.assess(spec)`` one meaning always (D62-layers).
    """

    def __call__(
        self,
        spec: AssessmentSpec,
        *,
        progress: Callable[[str], None] | None = None,
        monte_carlo_progress: bool | None = False,
    ) -> Assessment:
        """Run an assessment: :func:`wetval.assess.assess`."""
        return assess(spec, progress=progress, monte_carlo_progress=monte_carlo_progress)


sys.modules[__name__].__class__ = _CallableModule
