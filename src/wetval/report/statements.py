"""The registry's statements for the centre, in the report style (HTML, PDF, Markdown, XLSX).

:func:`statement_document` turns the statements of
:func:`wetval.registry.statements.statement_frame` (quota balance sheet, trades,
fund accounts, pledged units, wetland balance by year) into one
:class:`~wetval.report.document.ReportDocument`, so they print like the
assessment report: a cover naming the registry, the date and the audit chain's
head with the result of :meth:`~wetval.registry.Registry.verify`, one section per
statement with its numbers formatted by kind, and the preparer's and checker's
sign-off lines. Render it with :func:`wetval.report.render`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wetval._version import __version__
from wetval.errors import Problem, ValidationError
from wetval.report.document import (
    Facts,
    Kind,
    Paragraph,
    ReportDocument,
    Section,
    SignOff,
    TableBlock,
)
from wetval.strings import Lang, tr

if TYPE_CHECKING:
    from wetval.registry import Registry

__all__ = ["statement_document"]

#: The kind of number in each statement column (by its key in the registry's labels).
_COLUMN_KINDS: dict[str, Kind] = {
    "potential": "units", "released": "units", "debited": "units", "pledged": "units",
    "available": "units", "free": "units", "units": "units",
    "price_per_unit": "money", "yuan": "money", "loan": "money", "fen": "count",
    "wetland_m2": "area", "change_from_base_m2": "area", "change_from_previous_m2": "area",
    "year": "year",
}  # fmt: skip


def statement_document(
    registry: Registry,
    kinds: Sequence[str] | None = None,
    lang: Lang = "zh",
    *,
    on: str | None = None,
) -> ReportDocument:
    """The centre's statements as one printable document.

    Parameters
    ----------
    registry
        The registry the statements are read from.
    kinds
        Statement kinds, in order (default: every kind of
        :data:`wetval.registry.statements.STATEMENTS`).
    lang
        ``"zh"`` (default) or ``"en"``.
    on
        Date the statements are made [ISO date] (default: today), shown on the cover.

    Returns
    -------
    ReportDocument

    Raises
    ------
    wetval.errors.ValidationError
        For an unknown statement kind (all of them named).
    """
    from wetval.registry.statements import (
        STATEMENTS,
        column_label,
        statement_frame,
        statement_title,
    )

    chosen = list(STATEMENTS) if kinds is None else list(kinds)
    unknown = [k for k in chosen if k not in STATEMENTS]
    if unknown:
        raise ValidationError(
            [Problem(value=k, reason="unknown statement", fix=f"use one of {', '.join(STATEMENTS)}")
             for k in unknown],
            what="statements",
        )  # fmt: skip
    day = dt.date.today().isoformat() if on is None else dt.date.fromisoformat(on).isoformat()
    check = registry.verify()
    seq, head = registry.head()
    verdict = (
        tr("pub_verify_ok", lang, events=check.events)
        if check.ok
        else tr("pub_verify_broken", lang, seq=check.first_bad, reason=check.reason_text(lang))
    )
    sections = []
    for kind in chosen:
        frame = statement_frame(registry, kind, lang)
        declared = {column_label(key, lang): k for key, k in _COLUMN_KINDS.items()}
        table = TableBlock(
            frame=frame,
            caption=tr("st_table", lang, title=statement_title(kind, lang)),
            sheet=kind,
            sheet_name=statement_title(kind, lang),
            max_rows=None,
            kinds={c: declared[c] for c in frame.columns if c in declared},
        )
        blocks = (table,) if len(frame) else (Paragraph(tr("st_empty", lang)), table)
        sections.append(Section(kind, statement_title(kind, lang), blocks, page_break=False))
    fields = tuple(tr(f"field_{f}", lang) for f in ("name", "signature", "date"))
    sections.append(
        Section(
            "signoff",
            tr("st_signoff", lang),
            (
                Paragraph(tr("st_signoff_text", lang, head=head, seq=seq)),
                SignOff(
                    title=tr("st_signoff", lang),
                    lines=tuple(
                        (tr(role, lang), fields) for role in ("st_prepared_by", "st_checked_by")
                    ),
                ),
            ),
            page_break=False,
        )
    )
    cover = Facts(
        (
            (tr("st_registry", lang), registry.source),
            (tr("st_date", lang), day),
            (tr("st_head", lang), f"{head} ({tr('st_event', lang, seq=seq)})"),
            (tr("st_verify", lang), verdict),
        ),
        emphasis=(tr("st_verify", lang),),
    )
    return ReportDocument(
        lang=lang,
        title=tr("st_title", lang),
        subtitle=tr("st_subtitle", lang, date=day),
        report_id=head[:16],
        cover=cover,
        sections=tuple(sections),
        footer=tr("pub_generated", lang, version=__version__),
    )
