"""Expert review of assessments: the expert pool, panel draws, score sheets, verdicts.

The Jinxian plan (进府办发〔2023〕35号) asks the wetland bank for an expert
pool (专家库) in economics and finance, wetlands and ecology/environment,
objective and fair reviews, and dynamic management of the experts. This
package makes each step auditable:

- :class:`ExpertPool` — experts with fields, affiliation and declared
  conflicts; CSV/XLSX rosters; an append-only, hash-chained history of
  suspensions, reinstatements and panels served; :meth:`ExpertPool.performance`.
- :func:`draw_panel` — a seeded, stratified draw that excludes conflicted
  and recent panellists and records everything needed to re-run it
  (:class:`PanelDraw`).
- :class:`ReviewSheet` — criteria and weights from the review card, the
  blank form, validated and hashed :class:`ReviewEntry` objects.
- :class:`ReviewRecord` — aggregation (mean, trimmed mean, median),
  :func:`kendalls_w`, outlying experts, Delphi rounds, the verdict, and a
  content hash checked whenever the record is read.

See ``docs/review.md`` for the centre's step-by-step guide.
"""

from wetval.review._synthetic import synthetic_entries, synthetic_pool
from wetval.review.concordance import ReviewKendallW, kendalls_w
from wetval.review.draw import (
    EXCLUSION_REASONS,
    MIN_PANEL_SIZE,
    DrawRules,
    PanelDraw,
    ReviewCase,
    draw_panel,
)
from wetval.review.errors import InfeasibleDrawError, ReviewIntegrityError
from wetval.review.fields import FIELDS, Field
from wetval.review.pool import Expert, ExpertEvent, ExpertPool, read_pool
from wetval.review.record import DelphiFeedback, ReviewRecord, ReviewRound, ReviewVerdict
from wetval.review.sheet import DECISIONS, ReviewEntry, ReviewRules, ReviewSheet

__all__ = [
    "DECISIONS",
    "EXCLUSION_REASONS",
    "FIELDS",
    "MIN_PANEL_SIZE",
    "DelphiFeedback",
    "DrawRules",
    "Expert",
    "ExpertEvent",
    "ExpertPool",
    "Field",
    "InfeasibleDrawError",
    "PanelDraw",
    "ReviewCase",
    "ReviewEntry",
    "ReviewIntegrityError",
    "ReviewKendallW",
    "ReviewRecord",
    "ReviewRound",
    "ReviewRules",
    "ReviewSheet",
    "ReviewVerdict",
    "draw_panel",
    "kendalls_w",
    "read_pool",
    "synthetic_entries",
    "synthetic_pool",
]
