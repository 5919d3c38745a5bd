"""Split of quota-sale proceeds (Jinxian plan, Annex 2), exact to the fen.

Each sale is split into

1. the township share (20 % under the 2023 rule) — compensation to rights
   holders, maintenance and management, dispute mediation;
2. the operation-centre share (10 %) — surveys, publicity, expert review,
   design tendering, budgeting, acceptance;
3. the restoration cost computed from the design's engineering quantities;
4. the remainder to county finance.

The shares come from a versioned ``fund-split`` card with an effective date
(the Annex 2 rule applied for one year on trial and is then to be adjusted).
Amounts are handled in integer fen: each percentage share is rounded to the
fen with the card's rounding rule (half up by default) and the remainder —
including any rounding fen — goes to county finance, so the parts of a
covered sale sum to the amount exactly. A sale that does not cover the
restoration cost plus the shares is reported as not covered with its
shortfall (parts = amount + shortfall, county finance 0); no part is ever
negative.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

import pandas as pd
from pydantic import Field, model_validator

from wetval.cards import BodyOptions, BodyParameters, Card, CardBody, Parameter, in_force, within
from wetval.dates import parse_date
from wetval.errors import WetvalError
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "FundSplit",
    "FundSplitBody",
    "allocate_funds",
    "fund_split_card",
    "to_fen",
]

_Share = Annotated[Parameter, within(ge=0, le=1)]


# ---------------------------------------------------------------- fund split
class FundSplitOptions(BodyOptions):
    """Options of a ``fund-split`` card.

    Attributes
    ----------
    effective_from
        ISO date the split takes effect.
    review_due
        ISO date the split is due for review, if any.
    share_rounding
        :mod:`decimal` rounding of each share to the fen.
    remainder_to
        Who receives what is left after the shares and restoration.
    """

    effective_from: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    review_due: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    share_rounding: Literal["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_DOWN"] = "ROUND_HALF_UP"
    remainder_to: Literal["county_finance"] = "county_finance"


class FundSplitParameters(BodyParameters):
    """Shares [1] of a quota sale that go to the township and to the centre."""

    township_share: _Share
    centre_share: _Share

    @model_validator(mode="after")
    def _at_most_whole(self) -> FundSplitParameters:
        total = float(self.township_share.value) + float(self.centre_share.value)
        if total > 1:
            raise ValueError(f"township_share + centre_share = {total}; shares must sum to <= 1")
        return self


class FundSplitBody(CardBody):
    """Body of a ``fund-split`` card."""

    options: FundSplitOptions
    parameters: FundSplitParameters


DEFAULT_CARD_ID = "funds-jinxian"
_FEN = Decimal(100)
_ROUNDINGS = {
    "ROUND_HALF_UP": decimal.ROUND_HALF_UP,
    "ROUND_HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "ROUND_DOWN": decimal.ROUND_DOWN,
}


def to_fen(amount: Decimal | int | str | float, what: str = "amount") -> int:
    """An amount in yuan as integer fen (分), refusing more than two decimals.

    Parameters
    ----------
    amount
        Yuan, as :class:`~decimal.Decimal`, int, decimal text or float (a
        float is read through its shortest decimal representation).
    what
        Name used in error messages.

    Raises
    ------
    WetvalError
        For negative, non-finite or sub-fen amounts.
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except decimal.InvalidOperation:
        raise WetvalError(f"{what} {amount!r} is not a number of yuan") from None
    if not value.is_finite() or value < 0:
        raise WetvalError(f"{what} must be a finite amount ≥ 0 yuan, got {amount!r}")
    fen = value * _FEN
    if fen != fen.to_integral_value():
        raise WetvalError(
            f"{what} {amount!r} has more than two decimals; amounts are exact to the fen "
            "(0.01 yuan)"
        )
    return int(fen)


def fund_split_card(date: dt.date | str, card_id: str = DEFAULT_CARD_ID) -> Card:
    """The version of a fund-split card in force on ``date``.

    The version with the latest ``effective_from`` on or before the date wins.

    Raises
    ------
    WetvalError
        If no version was in force on that date.
    """
    return in_force(card_id, parse_date(date, "date"))


@dataclass(frozen=True)
class FundSplit(Result):
    """One sale split into its parts, in integer fen.

    Attributes
    ----------
    amount_fen
        Transaction amount.
    township_fen, centre_fen
        The two percentage shares.
    restoration_fen
        Restoration cost from the engineering quantities.
    county_finance_fen
        Remainder to county finance (0 when the sale does not cover the rest).
    shortfall_fen
        How much the amount falls short of restoration cost + shares (0 if covered).
    township_share, centre_share
        Shares applied.
    sale_date
        ISO date of the sale, if given.
    review_overdue
        True when the sale is after the rule's review date and no newer
        version was found.
    provenance
        The fund-split card (id, version, hash) and the rounding rule.
    """

    amount_fen: int
    township_fen: int
    centre_fen: int
    restoration_fen: int
    county_finance_fen: int
    shortfall_fen: int
    township_share: Decimal
    centre_share: Decimal
    sale_date: str | None = None
    review_overdue: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def covered(self) -> bool:
        """True when the amount covers restoration cost plus both shares."""
        return self.shortfall_fen == 0

    @staticmethod
    def yuan(fen: int) -> Decimal:
        """Fen as yuan (exact)."""
        return (Decimal(fen) / _FEN).quantize(Decimal("0.01"))

    def to_frame(self) -> pd.DataFrame:
        """One row per recipient: share, yuan (Decimal) and fen."""
        rows = [
            ("township", self.township_share, self.township_fen),
            ("centre", self.centre_share, self.centre_fen),
            ("restoration", None, self.restoration_fen),
            ("county_finance", None, self.county_finance_fen),
        ]
        return pd.DataFrame(
            {
                "share": [r[1] for r in rows],
                "yuan": [self.yuan(r[2]) for r in rows],
                "fen": [r[2] for r in rows],
            },
            index=pd.Index([r[0] for r in rows], name="recipient"),
        )

    def summary(self) -> Summary:
        """The split, with a note when the sale does not cover its costs."""
        frame = self.to_frame()
        table = pd.DataFrame(
            {
                "recipient": [Term(f"recipient_{r}", str(r)) for r in frame.index],
                "share": [float("nan") if v is None else float(v) for v in frame["share"]],
                "amount": frame["yuan"].tolist(),
            }
        )
        card = self.provenance.cards[0] if self.provenance.cards else None
        notes = []
        if not self.covered:
            notes.append(Message.of("sum_funds_short", short=str(self.yuan(self.shortfall_fen))))
        if self.review_overdue:
            notes.append(Message.of("sum_funds_overdue", "note"))
        return Summary(
            Message.of(
                "sum_funds",
                "note",
                amount=str(self.yuan(self.amount_fen)),
                card=f"{card.id}@{card.version}" if card else "–",
            ),
            (SummaryTable("funds", "funds_table", table),),
            tuple(notes),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """The split in yuan per recipient."""
        ax = axes(ax)
        frame = self.to_frame()
        ax.bar([str(r) for r in frame.index], [float(v) for v in frame["yuan"]])
        ax.set_ylabel("yuan")
        ax.set_title("Fund split")
        return ax


def allocate_funds(
    amount: Decimal | int | str | float,
    restoration_cost: Decimal | int | str | float,
    card: Card | str | None = None,
    *,
    date: dt.date | str | None = None,
) -> FundSplit:
    """Split a quota sale into township, centre, restoration and county-finance parts.

    Parameters
    ----------
    amount
        Transaction amount [yuan], at most two decimals.
    restoration_cost
        Restoration cost from the design's engineering quantities [yuan].
    card
        A ``fund-split`` card or id; ``None`` picks the version in force on
        ``date`` (:func:`fund_split_card`).
    date
        Sale date; needed when ``card`` is ``None``, and checked against the
        card's ``effective_from`` and ``review_due``.

    Returns
    -------
    FundSplit
        Parts in integer fen that sum exactly to the amount.

    Raises
    ------
    WetvalError
        For amounts with more than two decimals or below zero, a sale dated
        before the card took effect, or no card and no date.
    """
    if card is None:
        if date is None:
            raise WetvalError("give the fund-split card or the sale date to pick its version")
        card = fund_split_card(date)
    rules = resolve_card(card, "fund-split")
    amount_fen = to_fen(amount, "amount")
    restoration_fen = to_fen(restoration_cost, "restoration cost")
    township = Decimal(str(rules.param("township_share")))
    centre = Decimal(str(rules.param("centre_share")))
    body = FundSplitBody.of(rules)
    rounding_name = body.options.share_rounding
    rounding = _ROUNDINGS[rounding_name]
    township_fen = int((amount_fen * township).to_integral_value(rounding=rounding))
    centre_fen = int((amount_fen * centre).to_integral_value(rounding=rounding))
    remainder = amount_fen - township_fen - centre_fen - restoration_fen
    overdue = False
    if date is not None:
        when = parse_date(date, "date")
        start = parse_date(body.options.effective_from, "effective_from")
        if when < start:
            raise WetvalError(
                f"the sale date {when} is before {rules.id}@{rules.version} took effect ({start})"
            )
        review = body.options.review_due
        overdue = review is not None and when >= parse_date(review, "review_due")
    return FundSplit(
        amount_fen=amount_fen,
        township_fen=township_fen,
        centre_fen=centre_fen,
        restoration_fen=restoration_fen,
        county_finance_fen=max(remainder, 0),
        shortfall_fen=max(-remainder, 0),
        township_share=township,
        centre_share=centre,
        sale_date=None if date is None else parse_date(date, "date").isoformat(),
        review_overdue=overdue,
        provenance=Provenance(
            method="allocate_funds",
            cards=(rules.ref,),
            options={"share_rounding": rounding_name, "remainder_to": body.options.remainder_to},
        ),
    )
