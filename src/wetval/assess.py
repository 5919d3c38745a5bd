"""The assessment: one call from county data to every result a reviewer needs.

:func:`assess` runs, in order, validation → condition → valuation (one or more
methods) → quota accounting and balance → pricing → the proposed sale's fund
split → uncertainty and sensitivity → quota-pledged loan and insurance of the
credit pool, keeping every step's result, the warnings of every step, and
provenance. An :class:`AssessmentSpec` describes the project once; it loads
from a TOML project file (see ``docs/example-project.toml`` and
``docs/assessment.md``).

This module orchestrates only: :func:`assess` is the sequence of steps. Every
method step runs through :func:`wetval.plugins.run`; the work between them
(loading the data and cards, the overlay, selecting the project, the sale and
the provenance) lives in :mod:`wetval.assessment`, one job per module; the
project-file models live in :mod:`wetval.spec` (re-exported here); reports are
rendered from the :class:`Assessment` by :mod:`wetval.report`.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wetval.assessment.cards import declared_references, load_cards
from wetval.assessment.data import load_data
from wetval.assessment.methods import (
    account_quota,
    pledged_pool,
    price_credits,
    price_uncertainty,
    pricing_services,
    score_condition,
    value_services,
)
from wetval.assessment.overlay import not_overlaid, overlay_footprints
from wetval.assessment.preflight import preflight
from wetval.assessment.record import HasProvenance, assessment_provenance
from wetval.assessment.sale import fund_split, proposed_sale
from wetval.assessment.selection import (
    priced_level,
    project_masks,
    restoration_plans,
    select_project,
)
from wetval.assessment.steps import Steps
from wetval.boundary import accept, register_conversion
from wetval.cards import CardBundle, attach_bundle
from wetval.condition import ConditionResult
from wetval.hashing import result_hash
from wetval.inventory import Inventory
from wetval.messages import Message
from wetval.pricing import PoolFinance, QuotaPrice
from wetval.provenance import Provenance
from wetval.quota import BalanceReport, FundSplit, QuotaAccounts
from wetval.results import Result
from wetval.spec import (
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
from wetval.summary import Summary
from wetval.uncertainty import MonteCarloResult
from wetval.uncertainty.sensitivity import TornadoResult
from wetval.valuation import ServiceValues

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.spatial import Overlay
    from wetval.strings import Lang

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
    cards = load_cards(spec)
    CardBundle.resolve(cards, declared_references(cards))  # every reference, as assess does
    data = load_data(spec)
    preflight(spec, data.parcels, data.indicators)
    frame = data.parcels.to_frame()
    project_masks(spec, frame)
    restoration_plans(spec, frame)
    return data.parcels.inventory(data.indicators)


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

    def summary(self) -> Summary:
        """The headline figures (price, credit pool, sale, pledged pool) and the verdict."""
        from wetval.messages import Term
        from wetval.summary import SummaryTable

        head = self.headline()
        low, high = head["price_range_per_unit"]
        rows = [
            ("recommended_price", head["price_per_unit"], "CNY/quota unit"),
            ("sum_price_per_mu", head["price_per_mu"], "CNY/亩"),
            ("sum_price_low", low, "CNY/quota unit"),
            ("sum_price_high", high, "CNY/quota unit"),
            ("credit_units", head["credit_units"], "quota units"),
        ]
        if "sale_amount" in head:
            rows += [
                ("units_required", head["units_required"], "quota units"),
                ("units_delivered", head["units_delivered"], "quota units"),
                ("sale_amount", head["sale_amount"], "CNY"),
            ]
        if "loan_capacity" in head:
            rows += [
                ("sum_loan_capacity", head["loan_capacity"], "CNY"),
                ("sum_insurance_premium", head["insurance_premium"], "CNY"),
            ]
        table = pd.DataFrame(
            {
                "sum_figure": [Term(key, key) for key, _, _ in rows],
                "sum_value": [float(value) for _, value, _ in rows],
                "unit": [Term(f"unit_{unit}", unit) for _, _, unit in rows],
            }
        )
        notes = [
            Message.of(
                "balance_verdict_is", "note",
                verdict=Term("balanced" if head["balanced"] else "not_balanced", ""),
            )
        ]  # fmt: skip
        if self.synthetic:
            notes.append(Message.of("sum_synthetic", "note"))
        if self.warnings:
            notes.append(Message.of("sum_warnings", n=len(self.warnings)))
        title = Message.of(
            "sum_assessment", "note", report_id=self.report_id,
            project=str(head["project"]), year=head["price_year"],
        )  # fmt: skip
        return Summary(
            title, (SummaryTable("headline", "sum_headline_table", table),), tuple(notes)
        )

    def plot(self, ax: Axes | None = None, *, lang: Lang = "en") -> Axes:
        """The headline figure: the price per quota unit by approach, in ``lang``.

        The price's own plot (:meth:`wetval.pricing.QuotaPrice.plot`: a bar per
        approach, the recommended price and its range) with, when the Monte
        Carlo step ran, the P5 and P95 of the price per unit as dashed lines;
        titled with the project and the report id.
        """
        from wetval.strings import tr

        ax = self.price.plot(ax, lang=lang)
        if self.uncertainty is not None and "price_per_unit" in self.uncertainty.draws:
            low, high = (self.uncertainty.percentile("price_per_unit", q) for q in (5, 95))
            ax.axhline(low, color="#555", linestyle="--", linewidth=1, label=tr("mc_range", lang))
            ax.axhline(high, color="#555", linestyle="--", linewidth=1)
            ax.legend(fontsize="small")
        ax.set_title(
            tr("assessment_plot_title", lang, project=self.spec["project"]["name"],
               report_id=self.report_id)
        )  # fmt: skip
        return ax

    def to_frame(self) -> pd.DataFrame:
        """The headline figures as a one-column table."""
        head = {k: v for k, v in self.headline().items() if not isinstance(v, list | dict)}
        return pd.DataFrame({"value": pd.Series(head, dtype=object)})


# ------------------------------------------------------------------ running
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
    steps = Steps(progress)
    with steps.step("cards"):
        cards = load_cards(spec)
        # every card a card references and the methods' constants, resolved once (one error)
        bundle = CardBundle.resolve(cards, declared_references(cards))
    steps.bundle = bundle
    with steps.step("validation"):
        data = load_data(spec)
        preflight(spec, data.parcels, data.indicators)
        assert data.indicators is not None  # preflight refuses a spec without indicators
        inventory = data.parcels.inventory(data.indicators)
    site = not_overlaid(data.parcels, data.indicators)
    if spec.data.footprints:
        with steps.step("overlay"):
            site = overlay_footprints(spec, data.parcels, data.indicators)
            steps.warnings += site.notes
    with steps.step("condition"):  # scored on the whole surveyed parcels
        condition = score_condition(cards["condition"], data.parcels, data.indicators, site)
    with steps.step("selection"):
        project, condition_input, excluded, notes = select_project(spec, site.parcels, condition)
        plans = restoration_plans(spec, project.to_frame())
        steps.warnings += notes
    with steps.step("valuation"):
        services = value_services(spec, cards, project, condition_input, site.indicators)
    with steps.step("quota"):
        accounts, balance = account_quota(
            cards["quota"], project, condition_input, data.projects, data.ledger
        )
    level = priced_level(accounts)
    with steps.step("pricing"):
        valued = pricing_services(spec, cards, services)
        price = price_credits(spec, cards, accounts, plans, valued, level)
    with steps.step("funds"):
        sale = proposed_sale(balance, price)
        funds = fund_split(spec, sale, cards.get("funds"))
    uncertainty: MonteCarloResult | None = None
    sensitivity: TornadoResult | None = None
    if spec.options.monte_carlo_draws or spec.options.sensitivity:
        with steps.step("uncertainty"):
            uncertainty, sensitivity = price_uncertainty(
                spec,
                cards,
                bundle,
                site,
                condition,
                valued,
                accounts,
                price,
                plans,
                monte_carlo_progress,
            )
    finance: PoolFinance | None = None
    if "finance" in cards and not price.table.empty:
        with steps.step("finance"):
            finance = pledged_pool(cards["finance"], price, accounts, uncertainty)
    results: list[HasProvenance | None] = [condition, *services.values(), accounts.credits]
    results += [accounts.debits, balance, price, funds, uncertainty, finance]
    provenance = assessment_provenance(spec, cards, data.inputs | site.inputs, level, results)
    assessment = Assessment(
        spec=spec.describe(),
        inventory=inventory,
        condition=condition,
        # geometry stays with the overlays (pieces, footprints), which serialise it as WKB
        project_parcels=project.to_frame().drop(columns="geometry", errors="ignore"),
        services=services,
        accounts=accounts,
        balance=balance,
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
        overlays=site.overlays,
        townships=site.townships,
        county=site.county,
    )
    attach_bundle(assessment, bundle)  # the report reads the cards used from here
    return assessment


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
