"""Units: area conversions, price-year adjustment and currency conversion.

Areas are kept in square metres (``area_m2``), the unit of the Third National
Land Survey (三调) fields TBMJ, KCMJ and TBDLMJ, and converted only where a
formula or a report needs hectares or 亩 (mu).

1 ha = 10,000 m² and 1 亩 = 10,000 / 15 m² (≈ 666.67 m²), so 1 ha = 15 亩
(the statutory 市制 mu; see ``shared/reference/README.md``, *Conventions*).

Money is always at an explicit price year. :func:`adjust_price_year` moves a
value between years with a named price-index series (shipped as cards of kind
``price-index``: ``cn-cpi``, ``cn-gdp-deflator``, ``us-cpi-u``) or a mapping
year → index level. :func:`convert_money` changes currency and year together
with a documented, selectable order of operations (see
``docs/valuation.md``, *Price year and currency*):

``"deflate-first"`` (default)
    deflate in the source currency from the source year to the target year,
    then convert at the target year's rate (the standardisation protocol of
    Brander et al. 2013 and ESVD: GDP deflator in local currency, then PPP);
``"convert-first"``
    convert at the source year's rate, then deflate in the target currency.

The rate is the PPP conversion factor (``rate="ppp"``, WDI ``PA.NUS.PPP``,
CNY per international dollar) or the market exchange rate (``rate="market"``,
WDI ``PA.NUS.FCRF``, CNY per US$). US$ and international dollars (``Int$``)
share one price level (the PPP factor of the United States is 1 by
definition), so both deflate with the US index and convert with the same
CNY series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
import pandas as pd

from wetval.errors import WetvalError

if TYPE_CHECKING:
    from wetval.cards import Card
    from wetval.provenance import CardRef

__all__ = [
    "AREA_UNITS",
    "CURRENCIES",
    "DEFAULT_PRICE_INDEX",
    "M2_PER_HA",
    "M2_PER_MU",
    "RATE_SERIES",
    "AreaUnit",
    "ConversionOrder",
    "MoneyConversion",
    "PriceIndex",
    "PriceIndexError",
    "Rate",
    "adjust_price_year",
    "convert_area",
    "convert_money",
    "money_conversion",
    "price_index",
]

AreaUnit = Literal["m2", "ha", "mu"]

#: Square metres per hectare [m²/ha].
M2_PER_HA = 10_000.0
#: Square metres per 亩 [m²/亩]; exactly 10,000 / 15.
M2_PER_MU = 10_000.0 / 15.0

#: Square metres in one unit of each supported area unit.
AREA_UNITS: dict[str, float] = {"m2": 1.0, "ha": M2_PER_HA, "mu": M2_PER_MU}

_T = TypeVar("_T", float, np.ndarray, pd.Series)


def convert_area(value: _T, from_unit: AreaUnit, to_unit: AreaUnit) -> _T:
    """Convert an area between m², ha and 亩.

    Parameters
    ----------
    value
        Area(s) in ``from_unit``: a number, an array or a Series.
    from_unit, to_unit
        ``"m2"``, ``"ha"`` or ``"mu"`` (亩).

    Returns
    -------
    Same type as ``value``
        The area(s) in ``to_unit``.

    Examples
    --------
    >>> convert_area(1.0, "ha", "mu")
    15.0
    >>> round(convert_area(1.0, "mu", "m2"), 2)
    666.67
    """
    try:
        factor = AREA_UNITS[from_unit] / AREA_UNITS[to_unit]
    except KeyError as missing:
        raise ValueError(
            f"unknown area unit {missing.args[0]!r}; use one of {sorted(AREA_UNITS)}"
        ) from None
    return value * factor


# ------------------------------------------------------------------ money
#: Currencies wetval ships series for. ``Int$`` (international dollar) and
#: ``USD`` share the US price level. Any other currency (EUR, DKK, …) converts
#: when the caller gives its rate series (``rates``) and, across price years,
#: its price index (``indices``).
CURRENCIES = ("CNY", "USD", "Int$")
#: Price-index card used to deflate each currency unless told otherwise.
DEFAULT_PRICE_INDEX: dict[str, str] = {"CNY": "cn-cpi", "USD": "us-cpi-u", "Int$": "us-cpi-u"}
#: Rate cards of CNY: CNY per US$/Int$ by PPP (WDI PA.NUS.PPP) or market rate
#: (WDI PA.NUS.FCRF).
RATE_SERIES: dict[str, str] = {"ppp": "cn-ppp-gdp", "market": "cn-usd-market-rate"}
_DOLLARS = ("USD", "Int$")
_RATES = ("ppp", "market")

Rate = Literal["ppp", "market"]
ConversionOrder = Literal["deflate-first", "convert-first"]
_ORDERS = ("deflate-first", "convert-first")
_T2 = TypeVar("_T2", float, np.ndarray, pd.Series, pd.DataFrame)


class PriceIndexError(WetvalError, ValueError):
    """A year is missing from a price-index or rate series, or a series is malformed."""


@dataclass(frozen=True)
class PriceIndex:
    """An annual series of index levels (price index or conversion rate).

    Attributes
    ----------
    name
        Series name (the card id, or ``"user mapping"``).
    levels
        Year → level. For price indices only ratios matter (any base); for
        rates the level is the rate itself [e.g. CNY per Int$].
    card
        The card the series came from, if any (for provenance).
    verified
        Whether every number was checked against its source.
    """

    name: str
    levels: Mapping[int, float]
    card: CardRef | None = None
    verified: bool = True
    description: str = field(default="", compare=False)

    @property
    def years(self) -> list[int]:
        """The years the series has, ascending."""
        return sorted(self.levels)

    def level(self, year: int) -> float:
        """The level in ``year``.

        Raises
        ------
        PriceIndexError
            Naming the series and the years it has.
        """
        try:
            return float(self.levels[int(year)])
        except KeyError:
            raise PriceIndexError(
                f"year {year} is not in the series {self.name!r}, which has "
                f"{_year_ranges(self.years)}; choose a year it covers or supply a series "
                "that includes it (a card of kind 'price-index' or a mapping year -> level)"
            ) from None

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiplier moving a value from ``from_year`` to ``to_year`` prices."""
        return self.level(to_year) / self.level(from_year)


def _year_ranges(years: list[int]) -> str:
    """Compact text of a sorted list of years, e.g. ``1995–2010, 2012``."""
    if not years:
        return "no years"
    parts: list[str] = []
    start = previous = years[0]
    for year in [*years[1:], None]:
        if year is not None and year == previous + 1:
            previous = year
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if year is not None:
            start = previous = year
    return ", ".join(parts)


def _series_from_card(card: Card) -> PriceIndex:
    from wetval.errors import CardError

    if card.kind not in ("price-index", "exchange-rate"):
        raise CardError(
            card.id,
            [("kind", f"is {card.kind!r}; a series card is 'price-index' or 'exchange-rate'")],
        )
    table = card.table("series")
    years = [int(y) for y in table.index]
    values = [float(v) for v in table["value"]]
    form = card.option("form", "level")
    if form == "level":
        levels = dict(zip(years, values, strict=True))
    elif form == "chain":
        if years != list(range(years[0], years[0] + len(years))):
            raise CardError(
                card.id, [("tables.series", "a chained series needs consecutive years")]
            )
        # each value is the index with the previous year = 100; the first year is the base
        chained = np.cumprod(np.asarray([100.0, *values[1:]]) / 100.0) * 100.0
        levels = dict(zip(years, chained.tolist(), strict=True))
    else:
        raise CardError(card.id, [("options.form", f"is {form!r}; use 'level' or 'chain'")])
    return PriceIndex(
        name=card.id,
        levels=levels,
        card=card.ref,
        verified=card.verified,
        description=card.title.en,
    )


_SERIES: dict[str, PriceIndex] = {}


def _series_by_id(card_id: str) -> PriceIndex:
    """The series of card ``card_id``, built once per card content (hash).

    Inside a computation the card comes from the active bundle
    (:func:`wetval.cards.referenced`; the default series are constant
    dependencies of the valuation kinds, :data:`wetval.kinds.MONEY_SERIES`).
    """
    from wetval.cards import referenced

    card = referenced(card_id)
    series = _SERIES.get(card.hash)
    if series is None:
        series = _SERIES[card.hash] = _series_from_card(card)
    return series


def price_index(index: str | Card | PriceIndex | Mapping[int, float]) -> PriceIndex:
    """Resolve a price-index or rate series.

    Parameters
    ----------
    index
        A card id (``"cn-cpi"``, ``"cn-gdp-deflator"``, ``"us-cpi-u"``,
        ``"cn-ppp-gdp"``, ``"cn-usd-market-rate"``, or your own card), a
        :class:`~wetval.cards.Card`, a :class:`PriceIndex`, or a mapping
        year → level supplied by the user.

    Returns
    -------
    PriceIndex
    """
    from wetval.cards import Card

    if isinstance(index, PriceIndex):
        return index
    if isinstance(index, str):
        return _series_by_id(index)
    if isinstance(index, Card):
        return _series_from_card(index)
    levels = {int(year): float(level) for year, level in index.items()}
    bad = [year for year, level in levels.items() if not np.isfinite(level) or level <= 0]
    if bad:
        raise PriceIndexError(f"user price index: levels must be positive numbers (years {bad})")
    return PriceIndex(name="user mapping", levels=levels, verified=False)


def adjust_price_year(
    value: _T2,
    from_year: int,
    to_year: int,
    index: str | Card | PriceIndex | Mapping[int, float],
) -> _T2:
    """Move money from ``from_year`` prices to ``to_year`` prices in one currency.

    ``value × I(to_year) / I(from_year)``.

    Parameters
    ----------
    value
        Amount(s) at ``from_year`` prices: a number, array, Series or DataFrame.
    from_year, to_year
        Price years.
    index
        The series: a card id such as ``"cn-cpi"``, a card, a
        :class:`PriceIndex` or a mapping year → index level.

    Returns
    -------
    Same type as ``value``
        The amount(s) at ``to_year`` prices.

    Raises
    ------
    PriceIndexError
        If either year is not in the series (the message names the series and
        the years it has).

    Examples
    --------
    >>> round(adjust_price_year(100.0, 2010, 2020, "us-cpi-u"), 2)
    118.69
    """
    return value * price_index(index).factor(from_year, to_year)


@dataclass(frozen=True)
class MoneyConversion:
    """How an amount was converted: the factor and every step that made it.

    Attributes
    ----------
    from_currency, from_year, to_currency, to_year
        Source and target.
    factor
        Multiply source amounts by this.
    rate, order
        Rate kind and order of operations used (``None`` within one currency).
    steps
        One line per step: series, years, factor.
    series
        Names of the series used.
    verified
        False when any series used holds unverified numbers.
    unverified_series
        Names of the series used that hold unverified numbers.
    """

    from_currency: str
    from_year: int
    to_currency: str
    to_year: int
    factor: float
    rate: str | None
    order: str | None
    steps: tuple[str, ...]
    series: tuple[str, ...]
    verified: bool
    unverified_series: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Plain dictionary (for provenance options and result fields)."""
        return {
            "from_currency": self.from_currency,
            "from_year": self.from_year,
            "to_currency": self.to_currency,
            "to_year": self.to_year,
            "factor": self.factor,
            "rate": self.rate,
            "order": self.order,
            "steps": list(self.steps),
            "series": list(self.series),
            "verified": self.verified,
            "unverified_series": list(self.unverified_series),
        }


def _check_currency(currency: str, given: Mapping[str, object]) -> None:
    if currency not in CURRENCIES and currency not in given:
        raise ValueError(
            f"unknown currency {currency!r}: wetval ships series for {CURRENCIES}; for "
            f"another currency give its rate series in {currency} per US$/Int$ (WDI "
            f"PA.NUS.PPP or PA.NUS.FCRF), rates={{{currency!r}: {{'ppp': {{year: level}}}}}}, "
            f"and, across price years, its price index, "
            f"indices={{{currency!r}: {{year: level}}}}"
        )


def money_conversion(
    *,
    from_currency: str,
    from_year: int,
    to_currency: str = "CNY",
    to_year: int,
    rate: Rate = "ppp",
    order: ConversionOrder = "deflate-first",
    indices: Mapping[str, str | Card | PriceIndex | Mapping[int, float]] | None = None,
    rates: Mapping[str, Mapping[str, str | Card | PriceIndex | Mapping[int, float]]] | None = None,
) -> MoneyConversion:
    """The factor converting money between currencies and price years.

    Between two currencies other than the dollar the conversion goes through
    the dollar: × (target units per $) ÷ (source units per $), both at the
    same year and rate kind.

    Parameters
    ----------
    from_currency, to_currency
        ``"CNY"``, ``"USD"``, ``"Int$"``, or any currency whose rate series
        is given in ``rates``.
    from_year, to_year
        Price years. Within one year nothing is deflated and no price index
        is needed.
    rate
        ``"ppp"`` (PPP conversion factor, purchasing-power equivalent) or
        ``"market"`` (market exchange rate, tradable-dollar equivalent). A
        policy choice: state it in every output.
    order
        ``"deflate-first"``: deflate in the source currency, then convert at
        the target year's rate (default; Brander et al. 2013, ESVD).
        ``"convert-first"``: convert at the source year's rate, then deflate
        in the target currency.
    indices
        Price index per currency, overriding :data:`DEFAULT_PRICE_INDEX`.
    rates
        Rate series per currency and rate kind, in that currency's units per
        US$/Int$ (WDI ``PA.NUS.PPP`` or ``PA.NUS.FCRF``), e.g.
        ``{"DKK": {"ppp": {2022: 6.153561}}}``; CNY's default to
        :data:`RATE_SERIES`.

    Returns
    -------
    MoneyConversion

    Raises
    ------
    PriceIndexError
        If a year is missing from a series used.
    ValueError
        For an unknown currency (one without a shipped or given rate series),
        rate kind or order, or a currency without a price index when price
        years differ.
    """
    given_rates = {currency: dict(series) for currency, series in (rates or {}).items()}
    described = {**given_rates, **(indices or {})}
    _check_currency(from_currency, described)
    _check_currency(to_currency, described)
    if order not in _ORDERS:
        raise ValueError(f"unknown order {order!r}; use one of {_ORDERS}")
    if rate not in _RATES:
        raise ValueError(f"unknown rate {rate!r}; use 'ppp' or 'market'")
    chosen = {**DEFAULT_PRICE_INDEX, **(indices or {})}
    rate_series: dict[str, dict[str, str | Card | PriceIndex | Mapping[int, float]]] = {
        "CNY": {**RATE_SERIES, **given_rates.get("CNY", {})},
        **{c: kinds for c, kinds in given_rates.items() if c != "CNY"},
    }
    steps: list[str] = []
    used: list[PriceIndex] = []

    def deflate(currency: str) -> float:
        if from_year == to_year:
            return 1.0
        if currency not in chosen:
            raise ValueError(
                f"no price index for {currency}: moving {currency} money from {from_year} to "
                f"{to_year} needs one; give indices={{{currency!r}: <card id or year → level>}}"
            )
        series = price_index(chosen[currency])
        used.append(series)
        step = series.factor(from_year, to_year)
        steps.append(f"deflate {currency} {from_year}→{to_year} with {series.name}: ×{step:.6g}")
        return step

    def per_dollar(currency: str, year: int) -> float:
        if currency in _DOLLARS:
            return 1.0
        kinds = rate_series.get(currency, {})
        if rate not in kinds:
            raise ValueError(
                f"no {rate} rate series for {currency}; give rates={{{currency!r}: "
                f"{{{rate!r}: <card id or year → {currency} per $>}}}}"
            )
        series = price_index(kinds[rate])
        used.append(series)
        level = series.level(year)
        steps.append(f"{year} {rate} rate of {currency}: {level:.6g} per $ ({series.name})")
        return level

    def convert(year: int) -> float:
        step = per_dollar(to_currency, year) / per_dollar(from_currency, year)
        steps.append(
            f"convert {from_currency}→{to_currency} at the {year} {rate} rate: ×{step:.6g}"
        )
        return step

    same_level = {from_currency, to_currency} <= set(_DOLLARS)
    rate_used: str | None = rate
    order_used: str | None = order
    if from_currency == to_currency or same_level:
        factor = deflate(from_currency)
        if same_level and from_currency != to_currency:
            steps.append("USD and Int$ share the US price level: ×1")
        rate_used = order_used = None
    elif order == "deflate-first":
        factor = deflate(from_currency) * convert(to_year)
    else:
        factor = convert(from_year) * deflate(to_currency)
    return MoneyConversion(
        from_currency, from_year, to_currency, to_year, factor, rate_used, order_used,
        tuple(steps), tuple(dict.fromkeys(s.name for s in used)), all(s.verified for s in used),
        tuple(dict.fromkeys(s.name for s in used if not s.verified)),
    )  # fmt: skip


def convert_money(
    value: _T2,
    *,
    from_currency: str,
    from_year: int,
    to_currency: str = "CNY",
    to_year: int,
    rate: Rate = "ppp",
    order: ConversionOrder = "deflate-first",
    indices: Mapping[str, str | Card | PriceIndex | Mapping[int, float]] | None = None,
    rates: Mapping[str, Mapping[str, str | Card | PriceIndex | Mapping[int, float]]] | None = None,
) -> _T2:
    """Convert money between currencies and price years (see :func:`money_conversion`).

    Examples
    --------
    >>> round(convert_money(1.0, from_currency="USD", from_year=2020, to_year=2020,
    ...                     rate="market"), 4)
    6.8976
    """
    conversion = money_conversion(
        from_currency=from_currency, from_year=from_year, to_currency=to_currency,
        to_year=to_year, rate=rate, order=order, indices=indices, rates=rates,
    )  # fmt: skip
    return value * conversion.factor
