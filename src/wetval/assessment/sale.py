"""The proposed sale: the matched credits' share of their price, and its fund split."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.pricing import QuotaPrice
from wetval.quota import BalanceReport, FundSplit, allocate_funds
from wetval.spec import AssessmentSpec

__all__ = ["fund_split", "proposed_sale"]


def proposed_sale(balance_report: BalanceReport, price: QuotaPrice) -> pd.DataFrame:
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


def fund_split(spec: AssessmentSpec, sale: pd.DataFrame, card: Card | None) -> FundSplit | None:
    """The fund split (Annex 2) of the sale, if the project has an occupation and a sale.

    Parameters
    ----------
    spec
        The project (its occupation and date).
    sale
        The proposed sale (:func:`proposed_sale`): ``amount`` and
        ``restoration_cost`` [yuan] per matched credit.
    card
        The fund card the project names, or ``None`` for the one in force on the
        project's date.

    Returns
    -------
    FundSplit or None
        The split of the sale's amount, to the fen.
    """
    if spec.project.occupation_project is None or sale.empty:
        return None
    amount = Decimal(str(round(float(sale["amount"].sum()), 2)))
    cost = Decimal(str(round(float(sale["restoration_cost"].sum()), 2)))
    return allocate_funds(amount, cost, card, date=spec.project.date)
