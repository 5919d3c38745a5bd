"""The registry's recorded trades as comparables for the market approach of pricing.

:func:`comparables_card` turns every trade :meth:`Registry.trades` holds into a
row of a ``market-comparables`` card, so that
:func:`wetval.pricing.price_quota` (``comparables=``) prices a quota unit from
the county's own sales instead of (or beside) the few published ones. The
card keeps the base card's location factors, date drift and assumptions, and
names the registry's audit chain head as its source, so a price that relied on
it can be traced to the exact state of the record.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from wetval.cards import Card, referenced
from wetval.registry.core import RegistryError

if TYPE_CHECKING:
    from wetval.registry.core import Registry

__all__ = ["comparables_card"]


def comparables_card(
    registry: Registry,
    *,
    base: str | Card = "market-jiangxi-trades",
    scope: str = "county",
    since: str | None = None,
) -> Card:
    """A ``market-comparables`` card of the registry's recorded trades.

    Each trade is one comparable: its units are standard quota units, so a row's
    ``area_mu`` is the units sold with ``units_per_mu`` = 1, ``price_per_mu`` is the
    trade's unit-weighted price [yuan per quota unit] and its ``weight`` the units
    sold (a large sale counts for more than a small one).

    Parameters
    ----------
    registry
        The registry whose trades are the comparables.
    base
        The ``market-comparables`` card whose location factors, ``annual_drift``
        parameter, sources and assumptions the new card keeps.
    scope
        Location scope of the registry's trades (a row of the base card's
        ``location`` table; ``county``: the registry's own county).
    since
        Only trades on or after this date [ISO date].

    Returns
    -------
    Card
        Id ``market-registry-<head>`` (the audit chain head's first 12 hex digits).

    Raises
    ------
    RegistryError
        If the registry has no trade (since ``since``), or ``scope`` is not a
        location of the base card.
    """
    card = base if isinstance(base, Card) else referenced(base)
    location = card.table("location")
    if scope not in location.index:
        raise RegistryError(
            f"scope {scope!r} is not a location of the card {card.id!r}; fix: use one of "
            f"{', '.join(map(str, location.index))}"
        )
    trades = registry.trades()
    if since is not None:
        trades = trades[trades["date"] >= dt.date.fromisoformat(since).isoformat()]
    if trades.empty:
        after = f" since {since}" if since is not None else ""
        raise RegistryError(
            f"the registry {registry.source} has no trade{after} to take as comparables; "
            "fix: record trades first, or price from the published comparables card"
        )
    seq, head = registry.head()
    source = f"registry-{head[:12]}"
    units = trades["units"].astype(float)
    amount = units * trades["price_per_unit"].astype(float)
    per_trade = (
        trades.assign(units_f=units, amount=amount)
        .groupby("trade_id", sort=True)
        .agg(date=("date", "first"), contract=("contract", "first"),
             units=("units_f", "sum"), amount=("amount", "sum"))
    )  # fmt: skip
    rows = [
        [f"registry-trade-{trade}", row.date, float(row.units), float(row.amount),
         float(row.amount / row.units), "recorded", scope, 1.0, float(row.units), source,
         f"contract {row.contract}; units recorded as 亩-equivalents (one standard unit each)"]
        for trade, row in per_trade.iterrows()
    ]  # fmt: skip
    data: dict[str, Any] = card.model_dump(mode="json", exclude_none=True)
    data["id"] = f"market-registry-{head[:12]}"
    data["version"] = "1.0.0"
    data["title"] = {
        "zh": "本县登记簿成交记录（市场法参照）",
        "en": "The registry's recorded trades (market comparables)",
    }
    data["sources"] = [
        *data.get("sources", []),
        {
            "key": source,
            "citation": f"wetval registry {registry.source}, audit chain head {head} "
            f"(event {seq}): {len(per_trade)} recorded trades",
            "verified": True,
        },
    ]
    trades_table = dict(data["tables"]["trades"])
    trades_table["rows"] = rows
    data["tables"] = {**data["tables"], "trades": trades_table}
    return Card.from_mapping(data)
