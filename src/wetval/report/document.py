"""The report document model: what a report says, independent of its format.

A :class:`ReportDocument` is built once from results (see
:mod:`wetval.report.build`) in one language and then rendered to HTML, PDF,
Markdown or XLSX by the renderers. Methods never format output; renderers
never compute.

The blocks are named ``...Block`` where a plainer name belongs to another
layer (:class:`wetval.review.ReviewSheet` is the expert score sheet,
:class:`wetval.cards.Table` a card table); the old names ``Table`` and
``ReviewSheet`` still work for one release, with a DeprecationWarning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from wetval._deprecation import forward

__all__ = [
    "DECIMALS",
    "NO_UNIT",
    "Block",
    "Display",
    "Facts",
    "Figure",
    "Headline",
    "HeadlineFigure",
    "Paragraph",
    "ReportDocument",
    "ReviewBlock",
    "Section",
    "SignOff",
    "TableBlock",
    "infer_kind",
    "show",
]

Tone = Literal["normal", "note", "warning", "synthetic"]

#: What a number is, for its display format: an amount of money, an area, quota
#: units, a dimensionless factor or share, a count, a year, a number of no
#: known kind; or text.
Kind = Literal["money", "area", "units", "factor", "count", "year", "number", "text"]

#: Decimals shown per kind when a table declares none (every value keeps its
#: full precision; only its display rounds).
DECIMALS: dict[Kind, int] = {
    "money": 2, "area": 2, "units": 4, "factor": 4, "count": 0, "year": 0, "number": 2,
    "text": 0,
}  # fmt: skip

#: What the unit column of the headline shows for a figure without a unit
#: (a weight, a year, the balance verdict): a dash, as for a missing value.
NO_UNIT = "—"

_BRACKET = re.compile(r"\[([^\]]+)\]")
_MONEY = re.compile(r"元|分|CNY|fen|yuan")
_AREA = re.compile(r"亩|公顷|hm²|hm2|m²|m2|\bha\b")


class Display(NamedTuple):
    """How a column's numbers are shown: their kind and the decimals shown.

    Every renderer uses it: XLSX as a number format
    (:func:`wetval.report.xlsx.number_format`), HTML, PDF and Markdown as the
    text :func:`show` makes.
    """

    kind: Kind
    decimals: int

    @property
    def separated(self) -> bool:
        """Whether thousands are separated: not for factors and shares, nor for years."""
        return self.kind not in ("factor", "year")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def infer_kind(header: str, series: pd.Series) -> Kind:
    """The kind of an undeclared column, from its data and the unit in its header.

    The fallback for a column a table does not declare in
    :attr:`TableBlock.kinds` (the one place a kind is guessed): no numbers, or
    booleans, are text; the unit in brackets (or a header that is a unit, such
    as ``元/亩``) says money or area; an integer column is a count; any other
    number is of no known kind.
    """
    if pd.api.types.is_bool_dtype(series.dtype) or not any(
        _is_number(v) and not pd.isna(v) for v in series
    ):
        return "text"
    found = _BRACKET.findall(header)
    unit = found[-1] if found else header
    if _MONEY.search(unit):
        return "money"
    if _AREA.search(unit):
        return "area"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "count"
    return "number"


def show(value: Any, display: Display) -> str:
    """The text a report shows for one cell ``value`` of a column shown as ``display``.

    A missing value is ``—``, a boolean ``●``/``○``; a number is rounded to
    ``display.decimals`` (none for counts and years) with thousands separated
    as :attr:`Display.separated` says, as the XLSX number format shows it;
    text is shown as it is.
    """
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return "—"
    if isinstance(value, bool | np.bool_):
        return "●" if value else "○"
    if not _is_number(value):
        return str(value)
    decimals = 0 if display.kind in ("count", "year") else display.decimals
    if isinstance(value, int | np.integer) and decimals == 0:  # exact, however large
        return f"{int(value):{',' if display.separated else ''}}"
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    text = f"{number:{',' if display.separated else ''}.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.00"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; ``tone`` highlights notes, warnings and synthetic-data labels."""

    text: str
    tone: Tone = "normal"


@dataclass(frozen=True)
class Facts:
    """Label–value pairs shown as a two-column list (e.g. the cover or a summary)."""

    items: tuple[tuple[str, str], ...]
    emphasis: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableBlock:
    """A table; the XLSX renderer puts each on its own sheet named ``sheet``.

    Attributes
    ----------
    frame
        The data, already with display column names in the report's language.
    caption
        Caption shown above the table.
    sheet
        Short name for the XLSX sheet (≤ 31 characters, unique in the report).
    decimals
        Decimals per column for display (XLSX keeps full precision).
    max_rows
        Rows shown in HTML/PDF/Markdown (all rows go to XLSX); ``None`` for all.
    print_columns
        Columns shown in HTML/PDF/Markdown when the table is too wide to print
        (all columns go to XLSX); ``None`` for all.
    sheet_name
        The sheet's name as the reader sees it, in the report's language
        (``sheet`` when empty).
    kinds
        What each numeric column holds (money, area, quota units, factor,
        count, year), declared where the table is built; a column not named
        here gets :func:`infer_kind`. With :attr:`decimals` it decides how
        every renderer shows the column (:meth:`display`).
    """

    frame: pd.DataFrame
    caption: str
    sheet: str
    decimals: dict[str, int] = field(default_factory=dict)
    max_rows: int | None = 40
    print_columns: tuple[str, ...] | None = None
    sheet_name: str = ""
    kinds: Mapping[str, Kind] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The XLSX sheet's name in the report's language."""
        return self.sheet_name or self.sheet

    def printed(self) -> pd.DataFrame:
        """The rows and columns shown in print formats."""
        frame = self.frame if self.print_columns is None else self.frame[list(self.print_columns)]
        return frame if self.max_rows is None else frame.head(self.max_rows)

    def display(self, column: str) -> Display:
        """How ``column`` is shown, in every format: its kind and the decimals shown.

        The kind is the declared one (:attr:`kinds`), else :func:`infer_kind`;
        the decimals are the declared ones (:attr:`decimals`), else none for an
        integer column (an amount in 分) and :data:`DECIMALS` of the kind;
        counts and years never show decimals.
        """
        series = self.frame[column]
        kind = self.kinds.get(column) or infer_kind(column, series)
        integer = pd.api.types.is_integer_dtype(series.dtype)
        decimals = self.decimals.get(column, 0 if integer else DECIMALS[kind])
        return Display(kind, 0 if kind in ("count", "year") else decimals)

    def shown(self, frame: pd.DataFrame | None = None) -> list[list[str]]:
        """The text of every cell of ``frame`` (by default :meth:`printed`), row by row."""
        frame = self.printed() if frame is None else frame
        displays = [self.display(str(c)) for c in frame.columns]
        return [
            [show(v, d) for v, d in zip(row, displays, strict=True)]
            for row in frame.itertuples(index=False, name=None)
        ]


@dataclass(frozen=True)
class Figure:
    """A chart rendered to SVG (HTML) and PNG (PDF, Markdown).

    Attributes
    ----------
    svg
        SVG text for inline HTML.
    png
        PNG bytes at print resolution.
    caption
        Caption below the figure.
    name
        File stem for Markdown exports.
    titles
        The titles drawn inside the chart (axes titles, the figure's
        suptitle), for checking that none repeats the caption.
    """

    svg: str
    png: bytes
    caption: str
    name: str
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewBlock:
    """The expert review form: criteria with weights, score boxes, comments, signatures."""

    criteria: tuple[tuple[str, str, float], ...]  # (id, label, weight)
    decisions: tuple[str, ...]
    signature_lines: int = 5
    instructions: str = ""


@dataclass(frozen=True)
class SignOff:
    """A sign-off block: lines to fill in by hand, and optionally a space for the seal.

    Attributes
    ----------
    title
        Heading of the block (e.g. the appraisal firm, the review panel).
    lines
        Per line: the role (评估师, 评审组组长 …) and the labels of its fields
        (姓名, 资格证书编号, 签名, 日期 …), each printed with a blank to fill in.
    seal
        Label of the seal box (盖章处); empty for none.
    """

    title: str
    lines: tuple[tuple[str, tuple[str, ...]], ...]
    seal: str = ""


@dataclass(frozen=True)
class HeadlineFigure:
    """One figure of page 1, with what a spreadsheet needs to show it.

    Attributes
    ----------
    label
        What the figure is, in the report's language.
    value
        The figure at full precision (text for a verdict).
    unit
        Its unit in the report's language (empty for none).
    section
        Title of the report section whose tables reproduce it.
    kind
        What the number is, for its display format.
    decimals
        Decimals shown (the stored value keeps full precision).
    """

    label: str
    value: float | int | str
    unit: str
    section: str
    kind: Kind
    decimals: int = 2

    @property
    def shown_unit(self) -> str:
        """The unit as the headline shows it: :data:`NO_UNIT` for a figure without one."""
        return self.unit or NO_UNIT

    @property
    def display(self) -> Display:
        """How the value is shown (as :meth:`TableBlock.display` for a column)."""
        return Display(self.kind, 0 if self.kind in ("count", "year") else self.decimals)


@dataclass(frozen=True)
class Headline:
    """The page-1 figures as a table: the XLSX workbook's first sheet.

    Attributes
    ----------
    figures
        The figures, in the order page 1 shows them.
    sheet_name
        The sheet's name in the report's language.
    headers
        Column headers (label, value, unit, section) in the report's language.
    """

    figures: tuple[HeadlineFigure, ...]
    sheet_name: str
    headers: tuple[str, str, str, str]


Block = Paragraph | Facts | TableBlock | Figure | ReviewBlock | SignOff


@dataclass(frozen=True)
class Section:
    """A numbered section of the report."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    page_break: bool = True


@dataclass(frozen=True)
class ReportDocument:
    """A complete report in one language.

    Attributes
    ----------
    lang
        ``"zh"`` or ``"en"``.
    title, subtitle
        Cover title and subtitle.
    report_id
        Identifier printed on every page (the assessment hash).
    cover
        Cover facts (project, applicant, assessor, date, report id).
    sections
        The body.
    footer
        Footer text on every page.
    labels
        The renderers' own words in the report's language (``more_rows``,
        ``page_of``, the review form's headers …), as strings templates with
        ``{n}``, ``{sheet}`` or ``{page}`` where a renderer fills in a value.
    headline
        The page-1 figures as numbers (:func:`wetval.report.headline.headline`),
        the XLSX workbook's first sheet; ``None`` for none.
    """

    lang: Literal["zh", "en"]
    title: str
    subtitle: str
    report_id: str
    cover: Facts
    sections: tuple[Section, ...]
    footer: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    headline: Headline | None = None

    def label(self, key: str, **values: object) -> str:
        """A renderer label formatted with ``values``.

        From :attr:`labels`, else the strings table's text in :attr:`lang`.
        """
        from wetval.strings import known, tr

        text = self.labels.get(key) or (tr(key, self.lang) if known(key) else key)
        return text.format(**values) if values else text

    def tables(self) -> list[TableBlock]:
        """Every table of the report, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]


#: The old names, kept for one release (deprecated).
__getattr__ = forward(
    __name__, {"Table": f"{__name__}:TableBlock", "ReviewSheet": f"{__name__}:ReviewBlock"}
)
