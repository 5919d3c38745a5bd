"""Typed card body of the ``review`` card (expert panel draw, score sheet and pool flags).

Validated when a ``review`` card loads (see :class:`wetval.cards.CardBody`);
the ranges are the ones :class:`wetval.review.sheet.ReviewRules`,
:class:`wetval.review.draw.PanelRules` and the pool flags enforce, checked
at load so that a wrong card is refused before any panel is drawn.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, model_validator

from wetval.cards import (
    BodyOptions,
    BodyParameters,
    BodyTables,
    CardBody,
    Parameter,
    Row,
    TypedTable,
    within,
)

__all__ = ["ReviewBody"]


def _share(parameter: Parameter) -> Parameter:
    """A share such as ``"2/3"`` or ``0.75`` in (0, 1] (as ``sheet.parse_share``)."""
    value = parameter.value
    try:
        share = Fraction(str(value).strip()).limit_denominator(1000)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"value {value!r} must be a fraction such as 2/3 or a number") from None
    if isinstance(value, bool) or not 0 < share <= 1:
        raise ValueError(f"value {value!r} is out of range: must be > 0 and <= 1")
    return parameter


_Count = Annotated[Parameter, within(ge=0, integer=True)]
_Share01 = Annotated[Parameter, within(ge=0, le=1)]


class ReviewOptions(BodyOptions):
    """Options of a ``review`` card.

    Attributes
    ----------
    exclude_same_township
        Whether experts of the applicant's township are excluded from the draw.
    consensus
        How the panel's scores are combined (``sheet.CONSENSUS_METHODS``).
    """

    exclude_same_township: StrictBool = True
    consensus: Literal["trimmed_mean", "mean", "median"] = "trimmed_mean"


class FieldMinimum(Row):
    """The least number of panel members from one expert field."""

    field: str
    minimum: Annotated[int, Field(strict=True, ge=0)]
    source: str | None = None


class Criterion(Row):
    """A review criterion, its weight [1] (positive) and the guidance to experts."""

    criterion: str
    name_zh: str
    name_en: str
    weight: float = Field(gt=0)
    guidance_zh: str = ""
    guidance_en: str = ""


class ReviewTables(BodyTables):
    """Tables of a ``review`` card."""

    field_minimums: TypedTable[FieldMinimum]
    criteria: TypedTable[Criterion]


class ReviewParameters(BodyParameters):
    """Parameters of a ``review`` card."""

    # 招标投标法 Art. 37: five or more, odd (draw.MIN_PANEL_SIZE; checked below)
    panel_size: Annotated[Parameter, within(ge=5, integer=True)]
    alternates: _Count
    applicant_lookback_days: _Count  # [d]
    score_max: Annotated[Parameter, within(gt=0)]  # [points]
    pass_score: Annotated[Parameter, within(ge=0)]  # [points], at most score_max
    approve_share: Annotated[Parameter, AfterValidator(_share)]
    outlier_z: Annotated[Parameter, within(gt=0)]  # modified z (Iglewicz & Hoaglin 1993: 3.5)
    outlier_min_gap: Annotated[Parameter, within(ge=0)]  # [points]
    concordance_alpha: Annotated[Parameter, within(gt=0, lt=1)]
    concordance_permutations: _Count
    flag_min_panels: _Count
    flag_on_time_share: _Share01
    flag_outlier_share: _Share01

    @model_validator(mode="after")
    def _panel_and_pass(self) -> ReviewParameters:
        found = []
        size = self.panel_size.value
        if isinstance(size, int | float) and int(size) % 2 == 0:
            found.append(f"panel_size {size:g} must be odd (an odd panel cannot tie)")
        top, passing = self.score_max.value, self.pass_score.value
        if isinstance(top, int | float) and isinstance(passing, int | float) and passing > top:
            found.append(f"pass_score {passing:g} is above score_max {top:g}")
        if found:
            raise ValueError("; ".join(found))
        return self


class ReviewBody(CardBody):
    """Body of a ``review`` card."""

    options: ReviewOptions = Field(default_factory=ReviewOptions)
    tables: ReviewTables
    parameters: ReviewParameters
