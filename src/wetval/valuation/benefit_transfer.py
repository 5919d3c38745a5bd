"""Benefit transfer: unit-value transfer and value-function (meta-regression) transfer.

:func:`standardise_study_value`
    a study's reported value to money per ha per year (the standardisation
    protocol: currency and PPP, per month → per year, per household → site
    total, site total → per ha, one-off → annual).
:func:`transfer_unit_value`
    one study value to the policy site:
    V_p = V_s × (Y_p / Y_s)^ε × money factor (price year, currency).
``unit-value-transfer`` (method)
    several study values per ecosystem type and service from a card,
    each converted and income-adjusted, combined by median or weighted mean;
    the spread (min–max) is reported as the interval.
``value-function-transfer`` (method)
    a linear-in-logs meta-regression from a card evaluated at each parcel's
    site characteristics: ln V = β₀ + Σ βₖ xₖ, V = exp(x·β) [card currency/ha/yr],
    with an interval from the card's coefficient (co)variance.

:func:`income_elasticity`
    ε chosen from the policy site's GNI per capita by its World Bank income
    class (card ``income-elasticity-btransfer``, as the btransfer package does).

Every result carries the literature's expected transfer error
(card ``transfer-errors``). See ``docs/valuation-benefit-transfer.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from wetval.cards import Card, Normal, referenced
from wetval.errors import CardError, Problem, ProblemCollector, ValidationError
from wetval.messages import Bilingual, Message, MessageValue, Term
from wetval.plotting import axes
from wetval.plugins import Method
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable
from wetval.tables import IndicatorTable, ParcelTable
from wetval.units import (
    M2_PER_HA,
    ConversionOrder,
    MoneyConversion,
    PriceIndex,
    Rate,
    money_conversion,
)
from wetval.valuation._common import (
    ConditionLike,
    ServiceValues,
    apply_condition,
    card_conversion,
    card_services,
    conversion_notes,
    ecosystem_rows,
    make_result,
    parcel_ecosystems,
    valuation_method,
)
from wetval.valuation.body import UnitValueTransferBody, ValueFunctionTransferBody
from wetval.variation import DrawFactor, HookParameter, Variation

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "UNIT_VALUE_TRANSFER",
    "VALUE_FUNCTION_TRANSFER",
    "IncomeElasticity",
    "StandardisedStudyValue",
    "TransferredUnitValue",
    "expected_transfer_error",
    "income_elasticity",
    "log_value_function",
    "standardise_study_value",
    "transfer_unit_value",
    "unit_value_transfer",
    "value_function_transfer",
]

#: Card holding the literature's transfer-error magnitudes.
TRANSFER_ERROR_CARD = "transfer-errors"
#: Card of income classes and the income elasticity of WTP per class.
INCOME_ELASTICITY_CARD = "income-elasticity-btransfer"
#: Two-sided 95 % normal quantile.
_Z95 = 1.959963984540054


def expected_transfer_error(card: Card | None = None) -> pd.DataFrame:
    """The literature's expected transfer errors (absolute percentage errors).

    Parameters
    ----------
    card
        A card with a ``transfer_error`` table; default the shipped
        ``transfer-errors`` card (Kaul et al. 2013, Rosenberger & Loomis 2017,
        Rosenberger 2015, Brander et al. 2006 and 2013, Asare et al. 2022).

    Returns
    -------
    pandas.DataFrame
        Columns ``study``, ``transfer``, ``statistic``, ``value`` [%], ``source``.
    """
    if card is None or "transfer_error" not in card.tables:
        # a constant dependency of the transfer methods, resolved into the bundle before computing
        card = referenced(TRANSFER_ERROR_CARD)
    return card.table("transfer_error").reset_index()


@dataclass(frozen=True)
class IncomeElasticity(Result):
    """The income elasticity of WTP chosen from the policy site's income class.

    Attributes
    ----------
    gni_per_capita
        The policy site's GNI per capita as given [US$/person/yr, Atlas].
    income_class
        World Bank class code (``LIC``, ``LMC``, ``UMC``, ``HIC``).
    class_name
        The class's name, ``{"zh": …, "en": …}``, from the card.
    gni_min, gni_max
        The class's bounds, gni_min ≤ GNI per capita < gni_max [US$/person/yr]
        (``inf`` for the highest class).
    elasticity
        Income elasticity ε of the class [-].
    provenance
        The card used.
    """

    gni_per_capita: float
    income_class: str
    class_name: dict[str, str]
    gni_min: float
    gni_max: float
    elasticity: float
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """One row: GNI per capita, class, bounds and ε."""
        return pd.DataFrame(
            [
                {
                    "gni_per_capita": self.gni_per_capita,
                    "income_class": self.income_class,
                    "gni_min": self.gni_min,
                    "gni_max": self.gni_max,
                    "elasticity": self.elasticity,
                }
            ]
        )

    def summary(self) -> Summary:
        """Class (names from the card), its bounds, the GNI per capita and ε."""
        upper = self.gni_max if np.isfinite(self.gni_max) else float("nan")
        table = pd.DataFrame(
            {
                "bt_income_class": [self.income_class],
                "bt_gni_min": [float(self.gni_min)],
                "bt_gni_per_capita": [float(self.gni_per_capita)],
                "bt_gni_max": [upper],
                "bt_elasticity": [float(self.elasticity)],
            }
        )
        digits = dict.fromkeys(["bt_gni_min", "bt_gni_per_capita", "bt_gni_max"], 0)
        card = self.provenance.cards[0].id if self.provenance.cards else "–"
        title = Message.of(
            "sum_income_elasticity", "note", card=card, code=self.income_class,
            name=Bilingual(self.class_name["zh"], self.class_name["en"]), e=self.elasticity,
        )  # fmt: skip
        notes = () if np.isfinite(self.gni_max) else (
            Message.of("bt_no_upper_bound", "note", code=self.income_class),
        )  # fmt: skip
        return Summary(
            title,
            (
                SummaryTable(
                    "income_class", "bt_income_table", table, digits | {"bt_elasticity": 2}
                ),
            ),
            notes,
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """The class's GNI range as a bar and the policy site's GNI per capita as a line."""
        ax = axes(ax, figsize=(7.0, 2.0))
        top = (
            self.gni_max
            if np.isfinite(self.gni_max)
            else max(2 * self.gni_min, self.gni_per_capita * 1.5)
        )
        ax.barh([0], [top - self.gni_min], left=self.gni_min, color="#9ecae1",
                label=f"{self.income_class} ε = {self.elasticity:g}")  # fmt: skip
        ax.axvline(self.gni_per_capita, color="black", linewidth=1.2, label="GNI per capita")
        ax.set_yticks([0], [f"{self.class_name['zh']} / {self.class_name['en']}"])
        ax.set_xlabel("GNI per capita [US$/person/yr, Atlas]")
        ax.legend(loc="upper right", fontsize="small")
        return ax


def income_elasticity(
    gni_per_capita: float, card: Card | str = INCOME_ELASTICITY_CARD
) -> IncomeElasticity:
    """The income elasticity ε of the policy site's income class (btransfer's rule).

    The class is the row of the card's ``income_class`` table with
    gni_min ≤ GNI per capita < the next row's gni_min (btransfer
    ``compute_epsilon``); the last class has no upper bound.

    Parameters
    ----------
    gni_per_capita
        The policy site's GNI per capita [US$/person/yr, Atlas method, on the
        basis of the card's thresholds].
    card
        An ``income-elasticity`` card or its id.

    Returns
    -------
    IncomeElasticity

    Raises
    ------
    wetval.errors.ValidationError
        If GNI per capita is not a finite number ≥ 0.
    wetval.errors.CardError
        If the card is of another kind, or its classes leave the value uncovered.

    Examples
    --------
    >>> income_elasticity(12_000).income_class
    'UMC'
    """
    chosen = referenced(card) if isinstance(card, str) else card
    if chosen.kind != "income-elasticity":
        raise CardError(chosen.id, [("kind", f"{chosen.kind!r}: use an income-elasticity card")])
    try:
        gni = float(gni_per_capita)
    except (TypeError, ValueError):
        gni = float("nan")
    if not (np.isfinite(gni) and gni >= 0):
        raise ValidationError(
            [
                Problem(
                    reason=f"GNI per capita must be a finite number ≥ 0, got {gni_per_capita!r}",
                    column="gni_per_capita",
                    fix="give the policy site's GNI per capita in US$ (Atlas method)",
                )
            ],
            what="income elasticity input",
        )
    classes = chosen.table("income_class")
    lower = classes["gni_min"].to_numpy(dtype=float)
    upper = np.append(lower[1:], np.inf)  # each class ends where the next begins
    inside = (lower <= gni) & (gni < upper)
    if inside.sum() != 1 or not np.all(np.diff(lower) > 0):
        raise CardError(
            chosen.id,
            [("tables.income_class", f"classes must rise by gni_min and contain GNI {gni:,.0f}")],
        )
    row = classes[inside].iloc[0]
    return IncomeElasticity(
        gni_per_capita=gni,
        income_class=str(classes.index[inside][0]),
        class_name={"zh": str(row["name_zh"]), "en": str(row["name_en"])},
        gni_min=float(row["gni_min"]),
        gni_max=float(upper[inside][0]),
        elasticity=float(row["elasticity"]),
        provenance=Provenance(method="income_elasticity", cards=(chosen.ref,)),
    )


StudyValueBasis = Literal["ha", "site", "household", "person"]
StudyValuePeriod = Literal["year", "month", "once"]


@dataclass(frozen=True)
class StandardisedStudyValue(Result):
    """A study's reported value brought to money per ha (or per site) per year.

    Attributes
    ----------
    value
        The standardised value [currency per ha per year], or [currency per
        site per year] when no site area was given.
    unit
        ``value``'s unit in words, e.g. ``"Int$ per ha per year"``.
    steps
        One row per step, in order: ``step``, ``operation``, ``factor`` and
        the ``value`` after the step (the first row is the value as reported).
    provenance
        The inputs and the money conversion's steps.
    """

    value: float
    unit: str
    steps: pd.DataFrame
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The steps, one row each."""
        return self.steps.copy()

    def summary(self) -> Summary:
        """The steps as a table and the result."""
        options = self.provenance.options
        steps = pd.DataFrame(
            {
                "bt_step": [
                    Term(f"bt_step_{str(step).replace(' ', '_')}", str(step))
                    for step in self.steps["step"]
                ],
                "bt_operation": [
                    _operation(str(step), str(text), options)
                    for step, text in zip(self.steps["step"], self.steps["operation"], strict=True)
                ],
                "bt_factor": self.steps["factor"].to_numpy(dtype=float),
                "bt_value_after": self.steps["value"].to_numpy(dtype=float),
            }
        )
        title = Message.of("sum_standardised", "note", value=self.value, unit=_unit(self.unit))
        digits = {"bt_factor": 4, "bt_value_after": 4}
        return Summary(title, (SummaryTable("steps", "bt_steps_table", steps, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """The value after each step (log scale)."""
        ax = axes(ax)
        values = self.steps["value"].to_numpy(dtype=float)
        ax.bar([str(s) for s in self.steps["step"]], values, color="#3b7ea1")
        if (values > 0).all():
            ax.set_yscale("log")
        ax.set_ylabel(f"value after the step [{self.unit}]")
        ax.set_title("Standardisation of the study value")
        return ax


def _unit(unit: str) -> MessageValue:
    """``"<currency> per <basis> per year"`` as a message (the unit string as it is otherwise)."""
    currency, _, rest = unit.partition(" per ")
    basis, _, period = rest.partition(" per ")
    if not currency or basis not in ("ha", "site") or period != "year":
        return unit
    return Message.of("bt_unit", "note", currency=currency, basis=Term(f"bt_basis_{basis}", basis))


def _operation(step: str, text: str, options: Mapping[str, Any]) -> MessageValue:
    """A standardisation step's operation as a message, from the options it was made with.

    The stored English text when the options do not say (a result built by hand).
    """
    per, period = options.get("per"), options.get("period")
    money = options.get("money") or {}
    rate, years = options.get("discount_rate"), options.get("horizon_years")
    if step == "reported" and per and period and options.get("currency"):
        return Message.of(
            "bt_op_reported", "note", currency=str(options["currency"]),
            per=Term(f"bt_basis_{per}", str(per)), period=Term(f"bt_period_{period}", str(period)),
        )  # fmt: skip
    if step == "money" and money:
        return Message.of(
            "bt_op_money", "note", **{k: money[k] for k in
                                      ("from_currency", "from_year", "to_currency", "to_year")},
        )  # fmt: skip
    if step == "per year" and period == "month":
        return Message.of("bt_op_months", "note")
    if step == "per year" and period == "once" and rate is not None:
        if years is None:
            return Message.of("bt_op_perpetuity", "note", r=float(rate))
        return Message.of("bt_op_annuity", "note", r=float(rate), years=float(years))
    if step == "site total" and per in ("household", "person") and options.get("beneficiaries"):
        return Message.of(
            "bt_op_beneficiaries", "note", count=float(options["beneficiaries"]),
            who=Term(f"bt_count_{per}", f"{per}s"),
        )  # fmt: skip
    if step == "per ha" and options.get("area_ha"):
        return Message.of("bt_op_area", "note", area=float(options["area_ha"]))
    return text


def standardise_study_value(
    value: float,
    *,
    per: StudyValueBasis,
    period: StudyValuePeriod,
    currency: str,
    money: MoneyConversion | None = None,
    beneficiaries: float | None = None,
    area_ha: float | None = None,
    discount_rate: float | None = None,
    horizon_years: float | None = None,
) -> StandardisedStudyValue:
    """Bring a study's reported value to money per ha per year before transfer.

    The standardisation protocol of value-transfer databases (Brander et al.
    2013; ESVD; García Álvarez et al., Land Economics 102(2), Table 2),
    in its order: money (currency, PPP, price year) → per year → site total
    → per ha. Each step is a factor; the steps are kept.

    Parameters
    ----------
    value
        The value as the study reports it [``currency`` per ``per`` per
        ``period``].
    per
        What the value is per: ``"household"`` or ``"person"`` (summed over
        ``beneficiaries``), ``"site"`` (the whole site) or ``"ha"``.
    period
        ``"month"`` (× 12), ``"year"`` or ``"once"`` (a one-off or capitalised
        amount, annualised at ``discount_rate`` over ``horizon_years``, or as
        a perpetuity without a horizon).
    currency
        Currency of ``value``; must be ``money.from_currency`` when ``money``
        is given.
    money
        Conversion to the target currency and price year
        (:func:`wetval.units.money_conversion`); None keeps the money as is.
    beneficiaries
        Households or persons the per-capita value is summed over [count];
        required for ``per="household"`` or ``"person"``.
    area_ha
        Site area [ha]; without it the result is per site per year. Not
        allowed with ``per="ha"``.
    discount_rate
        Rate [1/yr] annualising a one-off amount; required for
        ``period="once"``.
    horizon_years
        Years [yr] of the annuity; None for a perpetuity.

    Returns
    -------
    StandardisedStudyValue

    Raises
    ------
    ValueError
        Naming every missing or inconsistent argument.

    Examples
    --------
    >>> s = standardise_study_value(10.0, per="household", period="month", currency="USD",
    ...                             beneficiaries=1_000, area_ha=40.0)
    >>> s.value, s.unit
    (3000.0, 'USD per ha per year')
    """
    problems: list[str] = []
    if not np.isfinite(value):
        problems.append(f"value {value!r} is not a finite number")
    per_capita = per in ("household", "person")
    if per not in ("ha", "site", "household", "person"):
        problems.append(f"per={per!r}: use 'ha', 'site', 'household' or 'person'")
    if per_capita and not (beneficiaries is not None and beneficiaries > 0):
        problems.append(f"per={per!r} needs beneficiaries > 0 (the number of {per}s)")
    if not per_capita and beneficiaries is not None:
        problems.append(f"beneficiaries is only for a value per household or person, not {per!r}")
    if per == "ha" and area_ha is not None:
        problems.append("area_ha is not used for a value already per ha; leave it out")
    if area_ha is not None and not area_ha > 0:
        problems.append(f"area_ha must be > 0, got {area_ha!r}")
    if period not in ("year", "month", "once"):
        problems.append(f"period={period!r}: use 'year', 'month' or 'once'")
    if period == "once" and not (discount_rate is not None and discount_rate > 0):
        problems.append("period='once' needs discount_rate > 0 to annualise the amount")
    if period != "once" and (discount_rate is not None or horizon_years is not None):
        problems.append("discount_rate and horizon_years are only for period='once'")
    if horizon_years is not None and not horizon_years > 0:
        problems.append(f"horizon_years must be > 0, got {horizon_years!r}")
    if money is not None and money.from_currency != currency:
        problems.append(
            f"the money conversion starts from {money.from_currency}, the value is in {currency}"
        )
    if problems:
        raise ValueError(
            "cannot standardise the study value:\n" + "\n".join(f"- {p}" for p in problems)
        )
    rows: list[tuple[str, str, float]] = []
    target = currency
    if money is not None:
        target = money.to_currency
        rows.append(
            (
                "money",
                f"{money.from_currency} {money.from_year} → {money.to_currency} {money.to_year}",
                money.factor,
            )
        )
    if period == "month":
        rows.append(("per year", "× 12 months", 12.0))
    elif period == "once":
        assert discount_rate is not None
        if horizon_years is None:
            rows.append(("per year", f"perpetuity at r = {discount_rate:g}", discount_rate))
        else:
            annuity = discount_rate / (1.0 - (1.0 + discount_rate) ** -horizon_years)
            rows.append(
                ("per year", f"annuity at r = {discount_rate:g} over {horizon_years:g} yr", annuity)
            )
    if per_capita:
        assert beneficiaries is not None
        rows.append(("site total", f"× {beneficiaries:,.0f} {per}s", float(beneficiaries)))
    if area_ha is not None:
        rows.append(("per ha", f"÷ {area_ha:,.4g} ha", 1.0 / area_ha))
    running = float(value)
    table = [("reported", f"{currency} per {per} per {period}", 1.0, running)]
    for step, operation, factor in rows:
        running *= factor
        table.append((step, operation, factor, running))
    basis = "ha" if per == "ha" or area_ha is not None else "site"
    notes = list(money.steps) if money is not None else []
    return StandardisedStudyValue(
        value=running,
        unit=f"{target} per {basis} per year",
        steps=pd.DataFrame(table, columns=["step", "operation", "factor", "value"]),
        provenance=Provenance(
            method="standardise_study_value",
            options={
                "per": per, "period": period, "currency": currency,
                "beneficiaries": beneficiaries, "area_ha": area_ha,
                "discount_rate": discount_rate, "horizon_years": horizon_years,
                "money": money.as_dict() if money is not None else None,
            },
            notes=tuple(notes),
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class TransferredUnitValue(Result):
    """One study value transferred to the policy site.

    Attributes
    ----------
    value
        Transferred value [to_currency per unit at to_year prices].
    low, high
        Values at the ends of the elasticity range (equal to ``value``
        without a range).
    study_value
        The value as given.
    income_factor
        (Y_p / Y_s)^ε.
    money_factor
        Price-year and currency factor (1 without conversion).
    elasticity, elasticity_range
        ε and its (low, high) range.
    conversion
        Steps of the money conversion.
    transfer_error
        Expected transfer errors from the literature.
    provenance
        Cards used and notes.
    """

    value: float
    low: float
    high: float
    study_value: float
    income_factor: float
    money_factor: float
    elasticity: float
    elasticity_range: tuple[float, float] | None
    currency: str | None
    price_year: int | None
    conversion: dict[str, Any]
    transfer_error: pd.DataFrame
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """One row: study value, factors, transferred value and range."""
        return pd.DataFrame(
            [
                {
                    "study_value": self.study_value,
                    "income_factor": self.income_factor,
                    "money_factor": self.money_factor,
                    "value": self.value,
                    "low": self.low,
                    "high": self.high,
                    "currency": self.currency,
                    "price_year": self.price_year,
                }
            ]
        )

    def summary(self) -> Summary:
        """The transfer's factors and values, with the expected transfer error."""
        factors = pd.DataFrame(
            {
                "bt_study_value": [self.study_value],
                "bt_income_factor": [self.income_factor],
                "bt_elasticity": [self.elasticity],
                "bt_money_factor": [self.money_factor],
                "bt_transferred": [self.value],
                "bt_low": [self.low],
                "bt_high": [self.high],
            }
        )
        digits = {"bt_income_factor": 4, "bt_elasticity": 2, "bt_money_factor": 6}
        errors = self.transfer_error
        error_table = pd.DataFrame(
            {
                "bt_study": errors["study"].astype(str).tolist(),
                "bt_transfer": errors["transfer"].astype(str).tolist(),
                "bt_statistic": [
                    Term(f"bt_stat_{str(v).lower().replace(' ', '_')}", str(v))
                    for v in errors["statistic"]
                ],
                "bt_error_pct": errors["value"].to_numpy(dtype=float),
            }
        )
        if self.currency:
            title = Message.of(
                "sum_unit_transfer_money", "note", study=self.study_value, value=self.value,
                currency=self.currency, year=self.price_year if self.price_year else "–",
            )  # fmt: skip
        else:
            title = Message.of(
                "sum_unit_transfer", "note", study=self.study_value, value=self.value
            )
        notes: tuple[Message, ...] = ()
        if self.elasticity_range:
            low, high = self.elasticity_range
            notes = (Message.of("bt_elasticity_range", "note", low=low, high=high),)
        return Summary(
            title,
            (
                SummaryTable("factors", "bt_factors_table", factors, digits),
                SummaryTable("transfer_error", "bt_errors_table", error_table, {"bt_error_pct": 0}),
            ),
            notes,
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Study value and transferred value, the elasticity range as an error bar."""
        ax = axes(ax)
        unit = f" [{self.currency} {self.price_year}]" if self.currency else ""
        error = [[self.value - self.low], [self.high - self.value]]
        ax.bar(["study value", "transferred"], [self.study_value, self.value],
               color=["#9ecae1", "#3b7ea1"])  # fmt: skip
        ax.errorbar([1], [self.value], yerr=error, color="black", capsize=6, linestyle="none")
        ax.set_ylabel(f"value per unit{unit}")
        ax.set_title(f"Unit-value transfer (ε = {self.elasticity:g})")
        return ax


def transfer_unit_value(
    value: float,
    *,
    study_income: float,
    policy_income: float,
    elasticity: float,
    elasticity_range: tuple[float, float] | None = None,
    from_currency: str | None = None,
    from_year: int | None = None,
    to_currency: str = "CNY",
    to_year: int | None = None,
    rate: Rate = "ppp",
    order: ConversionOrder = "deflate-first",
    indices: Mapping[str, str | Card | PriceIndex | Mapping[int, float]] | None = None,
    rates: Mapping[str, Mapping[str, str | Card | PriceIndex | Mapping[int, float]]] | None = None,
) -> TransferredUnitValue:
    """Transfer one study unit value to the policy site.

    V_p = V_s × (Y_p / Y_s)^ε × money factor, where the money factor moves
    the value from (``from_currency``, ``from_year``) to (``to_currency``,
    ``to_year``) by :func:`wetval.units.money_conversion`.

    Parameters
    ----------
    value
        Study value V_s (e.g. [Int$/ha/yr]).
    study_income, policy_income
        Income at the study and policy sites (Y_s, Y_p) in the same unit,
        e.g. GDP per capita at PPP, constant prices.
    elasticity
        Income elasticity of WTP, ε (0.2–1.2 in the literature; ≈ 0.5–0.6
        for China as an upper-middle-income country).
    elasticity_range
        (low, high) ε for the reported range.
    from_currency, from_year
        Currency and price year of ``value``; give both to convert money.
    to_currency, to_year
        Target currency and price year.
    rate, order, indices, rates
        See :func:`wetval.units.money_conversion` (``rates`` for a study
        currency wetval ships no rates for, e.g. EUR).

    Returns
    -------
    TransferredUnitValue

    Examples
    --------
    >>> t = transfer_unit_value(100.0, study_income=40_000, policy_income=20_000,
    ...                         elasticity=1.0)
    >>> t.value
    50.0
    """
    if study_income <= 0 or policy_income <= 0:
        raise ValueError("incomes must be positive")
    ratio = policy_income / study_income
    income_factor = ratio**elasticity
    money_factor = 1.0
    conversion: dict[str, Any] = {}
    notes: list[str | Message] = [f"income ratio Y_p/Y_s = {ratio:.4f}"]
    if (from_currency is None) != (from_year is None):
        raise ValueError("give both from_currency and from_year to convert money, or neither")
    if from_currency is not None and from_year is not None:
        done = money_conversion(
            from_currency=from_currency, from_year=from_year, to_currency=to_currency,
            to_year=to_year if to_year is not None else from_year, rate=rate, order=order,
            indices=indices, rates=rates,
        )  # fmt: skip
        money_factor = done.factor
        conversion = done.as_dict()
        notes += conversion_notes(done)
    central = value * income_factor * money_factor
    low = high = central
    if elasticity_range is not None:
        ends = sorted(value * ratio**e * money_factor for e in elasticity_range)
        low, high = ends[0], ends[-1]
    error_card = referenced(TRANSFER_ERROR_CARD)
    return TransferredUnitValue(
        value=float(central),
        low=float(low),
        high=float(high),
        study_value=float(value),
        income_factor=float(income_factor),
        money_factor=float(money_factor),
        elasticity=float(elasticity),
        elasticity_range=(
            (float(elasticity_range[0]), float(elasticity_range[1])) if elasticity_range else None
        ),
        currency=to_currency if from_currency is not None else None,
        price_year=(to_year if to_year is not None else from_year) if from_year else None,
        conversion=conversion,
        transfer_error=expected_transfer_error(error_card),
        provenance=Provenance(
            method="transfer_unit_value", cards=(error_card.ref,), notes=tuple(notes)
        ),
    )


# ------------------------------------------------------------ study values
def _combined_study_values(
    card: Card, price_year: int | None
) -> tuple[pd.DataFrame, int, list[str | Message], dict[str, Any]]:
    """Per (ecosystem, service): central, low, high, n of the adjusted study values [CNY/ha/yr]."""
    studies = card.table("study_values")
    needed = ["ecosystem", "service", "value", "currency", "price_year"]
    missing = [c for c in needed if c not in studies.columns]
    if missing:
        raise CardError(card.id, [("tables.study_values", f"needs columns {missing}")])
    options = dict(card.option("conversion", {}) or {})
    default_year = int(options.get("target_price_year", card.price_year or 0))
    target = int(price_year) if price_year is not None else default_year
    factors: list[float] = []
    steps: dict[str, Any] = {}
    unverified: set[str] = set()
    for key, row in studies.iterrows():
        done = money_conversion(
            from_currency=str(row["currency"]), from_year=int(row["price_year"]), to_currency="CNY",
            to_year=target, rate=options.get("rate", "ppp"),
            order=options.get("order", "deflate-first"), indices=options.get("indices"),
            rates=options.get("rates"),
        )  # fmt: skip
        factors.append(done.factor)
        steps[str(key)] = done.as_dict()
        unverified.update(done.unverified_series)
    studies["money_factor"] = factors
    raw_income = studies["study_income"] if "study_income" in studies.columns else None
    income = pd.to_numeric(
        raw_income if raw_income is not None else pd.Series(np.nan, index=studies.index),
        errors="coerce",
    )
    elasticity = float(card.param("elasticity"))
    has_income = income.notna().to_numpy()
    income_factor = np.ones(len(studies))
    notes: list[str | Message] = []
    if has_income.any():
        policy = float(card.param("policy_income"))
        income_factor[has_income] = (policy / income[has_income].to_numpy()) ** elasticity
        notes.append(
            Message.of("n_bt_income_adjusted", "note", n=int(has_income.sum()), e=elasticity)
        )
    if (~has_income).any():
        notes.append(Message.of("n_bt_no_income", "note", n=int((~has_income).sum())))
    studies["adjusted"] = studies["value"].astype(float) * studies["money_factor"] * income_factor
    has_weights = "weight" in studies.columns
    studies["w"] = studies["weight"].astype(float) if has_weights else 1.0
    how = card.option("combine", "median")
    if how not in ("median", "weighted-mean"):
        raise CardError(card.id, [("options.combine", f"{how!r}: use 'median' or 'weighted-mean'")])

    def summarise(group: pd.DataFrame) -> pd.Series:
        adjusted = group["adjusted"].to_numpy()
        if how == "median":
            central = float(np.median(adjusted))
        else:
            central = float(np.average(adjusted, weights=group["w"].to_numpy()))
        return pd.Series(
            {"central": central, "low": float(adjusted.min()), "high": float(adjusted.max()),
             "n": len(adjusted)}
        )  # fmt: skip

    grouped = studies.groupby(["ecosystem", "service"], sort=True)[["adjusted", "w"]]
    table = pd.DataFrame(grouped.apply(summarise))
    notes.append(Message.of("n_bt_combined", "note", how=Term(f"bt_combine_{how}", how)))
    if unverified:
        notes.append(Message.of("n_unverified_series", series=tuple(sorted(unverified))))
    return table, target, notes, {"per_study": steps, "target_year": target}


def unit_value_transfer(
    parcels: ParcelTable,
    card: Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Service values from several transferred study values [CNY/yr].

    Each study value of the card (table ``study_values``: ``ecosystem``,
    ``service``, ``value`` per ha per year, ``currency``, ``price_year``,
    optional ``study_income`` and ``weight``) is converted to CNY at
    ``price_year`` and, where it has a study income, adjusted by
    (policy_income / study_income)^ε; the values of each type and service
    are combined by ``options.combine`` (``median`` or ``weighted-mean``) and
    multiplied by area. ``low``/``high`` hold the min–max spread.

    Parameters
    ----------
    parcels, card, condition, indicators, price_year
        As for :func:`wetval.valuation.value`.

    Returns
    -------
    ServiceValues
    """
    services = card_services(card)
    types = [str(t) for t in card.option("ecosystems", [])]
    table, target, notes, conversion = _combined_study_values(card, price_year)
    unknown = sorted({s for _, s in table.index} - set(services.index))
    if unknown:
        raise CardError(
            card.id, [("tables.study_values", f"services not in tables.services: {unknown}")]
        )
    ecosystems, eco_notes = parcel_ecosystems(parcels, card, types)
    area_ha = parcels.area("m2") / M2_PER_HA
    matrices = {}
    for part in ("central", "low", "high"):
        wide = table[part].unstack("service").reindex(index=types, columns=services.index)
        matrices[part] = ecosystem_rows(ecosystems, wide.fillna(0.0)) * area_ha[:, None]
    cond, out_services, condition_notes = apply_condition(
        condition, parcels, card, services, *matrices.values()
    )
    counts = table["n"].groupby(level="service").sum().reindex(services.index)
    out_services["n_studies"] = counts.fillna(0).astype(int).to_numpy()
    return make_result(
        parcels=parcels,
        card=card,
        method="unit-value-transfer",
        kind="benefit-transfer",
        values=matrices["central"],
        services=out_services,
        ecosystems=ecosystems,
        condition_factor=cond,
        price_year=target,
        conversion=conversion,
        notes=[*notes, *eco_notes, *condition_notes],
        inputs={"indicators": indicators.hash} if indicators is not None else {},
        options={"combine": card.option("combine", "median")},
        low=matrices["low"],
        high=matrices["high"],
        interval="min–max of the transferred study values",
        transfer_error=expected_transfer_error(card),
    )


# ---------------------------------------------------------- value function
def _function_inputs(
    parcels: ParcelTable, card: Card, coefficients: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Site characteristics per parcel: parcel column, else ``options.inputs`` scalar."""
    scalars = dict(card.option("inputs", {}) or {})
    inputs: dict[str, np.ndarray] = {}
    problems = ProblemCollector(parcels.ids, parcels.ids)
    n = len(parcels)
    for variable, row in coefficients.iterrows():
        transform, name = str(row["transform"]), str(row["input"])
        if transform == "constant" or name == "service":
            continue
        if parcels.has(name):
            values = pd.to_numeric(pd.Series(parcels.column(name)), errors="coerce").to_numpy(
                dtype=float
            )
            source = f"parcel column {name!r}"
        elif name in scalars:
            values = np.full(n, float(scalars[name]))
            source = f"card option inputs.{name}"
        else:
            problems.add(
                Problem(
                    reason=f"the value function needs {name!r} ({row['description']}, "
                    f"[{row['unit']}]) for variable {variable!r}",
                    column=name,
                    fix=f"add a parcel column {name!r} or set it for the whole project with "
                    f"wetval.valuation.override(card, options={{'inputs': {{'{name}': ...}}}})",
                )
            )
            continue
        bad = np.isnan(values) | ((values <= 0) if transform == "ln" else ~np.isin(values, [0, 1]))
        problems.add_rows(
            bad, column=name, values=values,
            reason="must be a positive number (it enters as a logarithm)" if transform == "ln"
            else "must be 0 or 1 (a dummy)",
            fix=f"correct {source}",
        )  # fmt: skip
        if transform == "ln":
            values = np.log(np.where(bad, 1.0, values))
        inputs[str(variable)] = values
    problems.raise_if_any("value-function input", parcels.source)
    return inputs


def log_value_function(
    coefficients: pd.DataFrame,
    inputs: Mapping[str, np.ndarray],
    dummies: pd.DataFrame,
    n: int,
    covariance: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate a value function: ln v = x·β per site and service, and its variance x'Σx.

    The one evaluation of a value function: the ``value-function-transfer``
    method and :meth:`wetval.calibrate.ValueFunctionFit.predict` both call it,
    so a fit and the card exported from it predict bit-identical values.

    Parameters
    ----------
    coefficients
        Indexed by variable: ``coefficient``, ``transform`` (constant / ln /
        dummy) and ``input`` (``service`` for a service dummy).
    inputs
        Variable → per-site value of x (already transformed: ln of the
        input for ``ln`` variables) [n]; a missing variable counts as 0.
    dummies
        One row per service, one 0/1 column per service-dummy variable.
    n
        Number of sites.
    covariance
        Covariance matrix Σ of the coefficients, in the order of ``coefficients``.

    Returns
    -------
    log_value, variance : numpy.ndarray
        Sites × services: ln v [ln(currency/ha/yr)] and x'Σx [ln² units].
    """
    variables = list(coefficients.index)
    b = coefficients["coefficient"].to_numpy(dtype=float)
    service_positions = [variables.index(str(d)) for d in dummies.columns]
    # x = c + v + e: c the parts constant over sites (intercept, project-wide inputs), v the
    # per-site inputs (n × m, usually few or none), e the service dummies. Then
    # x·β = c·β + v·β_v + e·β and x'Σx = c'Σc + 2 v Σ_v· c + v Σ_vv v' + 2 (c + v)'Σe + e'Σe,
    # so the per-site work is O(n·m) instead of O(n·k²).
    constant = np.zeros(len(variables))
    varying: list[int] = []
    columns: list[np.ndarray] = []
    for k, variable in enumerate(variables):
        if str(coefficients.loc[variable, "transform"]) == "constant":
            constant[k] = 1.0
        elif k not in service_positions:
            column = inputs.get(str(variable), np.zeros(n))
            if n and np.all(column == column[0]):
                constant[k] = column[0]
            else:
                varying.append(k)
                columns.append(column)
    per_site = np.column_stack(columns) if columns else np.zeros((n, 0))
    sigma_vc = covariance[varying] @ constant
    base_linear = constant @ b + per_site @ b[varying]
    base_variance = (
        constant @ covariance @ constant
        + 2.0 * (per_site @ sigma_vc)
        + ((per_site @ covariance[np.ix_(varying, varying)]) * per_site).sum(axis=1)
    )
    shape = (n, len(dummies))
    log_value, variance = np.empty(shape), np.empty(shape)
    for j, (_, row) in enumerate(dummies.iterrows()):
        e = np.zeros(len(variables))
        e[service_positions] = row.to_numpy(dtype=float)
        cross = constant @ covariance @ e + per_site @ (covariance[varying] @ e)
        variance[:, j] = base_variance + 2.0 * cross + e @ covariance @ e
        log_value[:, j] = base_linear + e @ b
    return log_value, variance


def value_function_transfer(
    parcels: ParcelTable,
    card: Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Service values from a meta-regression value function [CNY/yr].

    For each service s and parcel: ln v = β₀ + Σₖ βₖ xₖ with the card's
    coefficients (table ``coefficients``: ``coefficient``, ``se``,
    ``transform`` ∈ constant/dummy/ln, ``input``), the service dummies of
    table ``services`` and the parcel's site characteristics (a parcel column
    named by ``input``, else ``options.inputs``); value = exp(ln v)
    [card currency/ha/yr] × area [ha] × money factor × condition factor.

    ``low``/``high`` bound exp(ln v ± 1.96 σ) with σ² = x'Σx, Σ from the
    card's ``covariance`` table or, lacking one, diag(se²) (an approximation
    that ignores the covariances and the residual variance).

    Parameters
    ----------
    parcels, card, condition, indicators, price_year
        As for :func:`wetval.valuation.value`.

    Returns
    -------
    ServiceValues
    """
    coefficients = card.table("coefficients")
    services = card_services(card)
    service_dummies = [str(v) for v, r in coefficients.iterrows() if str(r["input"]) == "service"]
    missing = [d for d in service_dummies if d not in services.columns]
    if missing:
        raise CardError(card.id, [("tables.services", f"needs dummy columns {missing}")])
    inputs = _function_inputs(parcels, card, coefficients)
    variables = list(coefficients.index)
    if "covariance" in card.tables:
        covariance = card.table("covariance").reindex(index=variables, columns=variables)
        if covariance.isna().any().any():
            raise CardError(card.id, [("tables.covariance", "must cover every coefficient")])
        sigma = covariance.to_numpy(dtype=float)
        interval = "95 % interval from the card's coefficient covariance (no residual variance)"
    else:
        sigma = np.diag(coefficients["se"].astype(float).to_numpy() ** 2)
        interval = (
            "95 % interval from the published standard errors, diagonal covariance "
            "(approximation: ignores coefficient covariances and residual variance)"
        )
    conversion = card_conversion(card, price_year)
    scale = parcels.area("m2") * (conversion.factor / M2_PER_HA)
    log_value, variance = log_value_function(
        coefficients, inputs, services[service_dummies], len(parcels), sigma
    )
    spread = np.exp(_Z95 * np.sqrt(np.maximum(variance, 0.0)))
    central = np.exp(log_value) * scale[:, None]
    low, high = central / spread, central * spread
    ecosystems, eco_notes = parcel_ecosystems(parcels, card, card.option("ecosystems", []))
    categories = list(ecosystems.categories)
    none_code = categories.index("none") if "none" in categories else -2
    valued = np.asarray(ecosystems.codes) != none_code
    for matrix in (central, low, high):
        matrix[~valued] = 0.0
    cond, out_services, condition_notes = apply_condition(
        condition, parcels, card, services[["name_zh", "name_en", "group", "concept"]],
        central, low, high,
    )  # fmt: skip
    return make_result(
        parcels=parcels,
        card=card,
        method="value-function-transfer",
        kind="benefit-transfer",
        values=central,
        services=out_services,
        ecosystems=ecosystems,
        condition_factor=cond,
        price_year=conversion.to_year,
        conversion=conversion.as_dict(),
        notes=[
            *[str(note) for note in card.option("notes", [])],
            "exp(x·β) estimates the median (geometric mean) value, not the mean",
            *eco_notes,
            *condition_notes,
            *conversion_notes(conversion),
        ],
        inputs={"indicators": indicators.hash} if indicators is not None else {},
        options={"inputs": {k: str(v) for k, v in (card.option("inputs", {}) or {}).items()}},
        low=low,
        high=high,
        interval=interval,
        transfer_error=expected_transfer_error(card),
    )


def unit_value_transfer_variation(card: Card, parcels: ParcelTable) -> Variation:
    """The uncertainty hook of ``unit-value-transfer``: the study values are held at the run.

    Parameters
    ----------
    card
        The ``benefit-transfer`` card.
    parcels
        The parcels valued.

    Returns
    -------
    Variation
        Nothing enters; the reason depends on whether any study value has a
        study income (the only way the card's elasticity enters).
    """
    studies = card.table("study_values")
    raw = studies["study_income"] if "study_income" in studies else pd.Series()
    incomes = pd.to_numeric(raw, errors="coerce")  # the benefit-transfer reading
    return Variation(
        held="enters only through study values with a study income; this card has none"
        if incomes.isna().all()
        else "the Monte Carlo evaluator does not re-combine study values"
    )


def _linear(delta: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The product delta @ matrix.T, term by term (independent of the chunk's shape)."""
    total = np.zeros((delta.shape[0], matrix.shape[0]))
    for k in range(matrix.shape[1]):
        total += delta[:, k, None] * matrix[None, :, k]
    return total


def _coefficient_factor(keys: list[tuple[str, float]], matrix: np.ndarray) -> DrawFactor:
    """exp(Δβ · x) per draw for the coefficients ``keys`` (name, β̂) and their columns x."""

    def factor(draws: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
        if not any(name in draws for name, _ in keys):
            return None
        delta = np.column_stack(
            [draws[name] - beta if name in draws else np.zeros(n) for name, beta in keys]
        )
        multiplier: np.ndarray = np.exp(_linear(delta, matrix))
        return multiplier

    return factor


def value_function_variation(card: Card, parcels: ParcelTable) -> Variation:
    """The uncertainty hook of ``value-function-transfer``: the coefficients vary.

    ln v is linear in β, so a draw β_d multiplies each value by exp(x·(β_d − β̂)):
    service dummies give a factor per service, site variables one per parcel.
    Each coefficient with a standard error is ~ N(β̂, se²), independently.

    Parameters
    ----------
    card
        The ``benefit-transfer`` card with a ``coefficients`` table.
    parcels
        The parcels valued (their site variables).

    Returns
    -------
    Variation
        The coefficients as added parameters; the card's own parameters held.
    """
    coefficients = card.table("coefficients")
    services = card.table("services")
    inputs = _function_inputs(parcels, card, coefficients)
    added: list[HookParameter] = []
    site, dummies = [], []
    site_keys: list[tuple[str, float]] = []
    dummy_keys: list[tuple[str, float]] = []
    verified = bool(card.tables["coefficients"].verified)
    for variable, row in coefficients.iterrows():
        name = f"coefficients.{variable}"
        beta, se = float(row["coefficient"]), float(row["se"])
        if se > 0:
            added.append(
                HookParameter(
                    name=name,
                    central=beta,
                    distribution=Normal(mean=beta, sd=se),
                    unit="ln(value)" if row["transform"] == "constant" else "1",
                    note="meta-regression coefficient ~ N(β, se²), independent (diagonal "
                    "covariance: the published s.e. only)",
                    verified=verified,
                )
            )
        if str(row["input"]) == "service":
            dummies.append(services[str(variable)].to_numpy(dtype=float))
            dummy_keys.append((name, beta))
        else:
            constant = str(row["transform"]) == "constant"
            site.append(np.ones(len(parcels)) if constant else inputs[str(variable)])
            site_keys.append((name, beta))
    site_matrix = np.column_stack(site) if site else np.zeros((len(parcels), 0))
    dummy_matrix = np.column_stack(dummies) if dummies else np.zeros((len(services), 0))
    return Variation(
        held="a value function's uncertainty enters through its coefficients only",
        added=tuple(added),
        service_factor=_coefficient_factor(dummy_keys, dummy_matrix),
        parcel_factor=_coefficient_factor(site_keys, site_matrix),
    )


UNIT_VALUE_TRANSFER = Method(
    body=UnitValueTransferBody,
    name="unit-value-transfer",
    kind="benefit-transfer",
    function=valuation_method(unit_value_transfer),
    uncertainty=unit_value_transfer_variation,
    summary="study unit values converted, income-adjusted and combined (median/weighted mean)",
    card_kinds=("benefit-transfer",),
    references=(TRANSFER_ERROR_CARD,),
)

VALUE_FUNCTION_TRANSFER = Method(
    body=ValueFunctionTransferBody,
    name="value-function-transfer",
    kind="benefit-transfer",
    function=valuation_method(value_function_transfer),
    uncertainty=value_function_variation,
    summary="meta-regression value function (e.g. Brander et al. 2013) at each site",
    card_kinds=("benefit-transfer",),
    references=(TRANSFER_ERROR_CARD,),
)
