"""The legal and policy basis and the sign-off blocks of a report, from a ``legal-basis`` card.

A ``legal-basis`` card (e.g. ``methods/report/legal-jinxian.toml``) holds the
texts a province or county may change without touching code: the laws and
policy documents cited with the provisions applied (table ``instruments``),
the authority whose approval or opinion an occupation needs per wetland level
(table ``approval``) and the sign-off blocks of the appraisal firm and the
review panel (table ``signoff``). :func:`legal_basis` loads and validates one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from wetval.cards import BodyTables, Card, CardBody, Row, TypedTable, referenced

__all__ = [
    "Approval",
    "Instrument",
    "LegalBasisBody",
    "SignOffRole",
    "legal_basis",
]

#: The fields a sign-off line may ask for.
SignOffField = Literal["name", "qualification", "affiliation", "signature", "date", "seal"]


class Instrument(Row):
    """One law, regulation or policy document, the provisions applied and how."""

    key: str
    title_zh: str
    title_en: str
    provisions: str
    applies_zh: str
    applies_en: str
    source: str
    verified: StrictBool


class Approval(Row):
    """Who approves (or must be consulted on) an occupation of wetland of one level."""

    level: Literal["national", "provincial", "general"]
    authority_zh: str
    authority_en: str
    provisions: str


class SignOffRole(Row):
    """A role that signs the report: its block, label, how many lines and what each holds."""

    block: Literal["firm", "panel"]
    role_zh: str
    role_en: str
    count: int = Field(ge=1, le=30)
    fields: str

    def field_names(self) -> tuple[SignOffField, ...]:
        """The fields of each line (``name``, ``qualification``, ``signature`` …)."""
        allowed = SignOffField.__args__  # type: ignore[attr-defined]
        names = tuple(self.fields.split())
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValueError(f"unknown sign-off fields {unknown}; use {', '.join(allowed)}")
        return names  # type: ignore[return-value]


class LegalBasisTables(BodyTables):
    """Tables of a ``legal-basis`` card."""

    instruments: TypedTable[Instrument]
    approval: TypedTable[Approval]
    signoff: TypedTable[SignOffRole]


class LegalBasisBody(CardBody):
    """Body of a ``legal-basis`` card."""

    tables: LegalBasisTables


def legal_basis(card: str | Card = "legal-jinxian") -> tuple[Card, LegalBasisBody]:
    """A ``legal-basis`` card and its validated body.

    Parameters
    ----------
    card
        Card id (``"legal-jinxian"``), path or card.

    Returns
    -------
    tuple
        The card and its :class:`LegalBasisBody`.
    """
    found = card if isinstance(card, Card) else referenced(card)
    return found, LegalBasisBody.of(found)
