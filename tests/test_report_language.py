"""The Chinese report is Chinese: Latin-script words outside an allowed set are a small share.

The demo's report is rendered in Chinese as HTML, XLSX and PDF (its text read back
with poppler's ``pdftotext``), and every Latin-script word is counted unless it
is one a Chinese reader expects in Latin script: an id or code (parcel, project,
card, source and item ids, hashes, land-class and standard codes), a unit, a
citation of a card's source (cited as published), a species' scientific name,
the user's own project facts, or a proper name of the allowed list below. The
English report is checked the other way round. Issue 16 measured the Chinese
HTML at ~13,300 Latin letters against ~4,000 Chinese characters; the threshold
here is a small share of the Chinese characters.
"""

from __future__ import annotations

import html as html_module
import io
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable

import pytest

from wetval.assess import Assessment
from wetval.report import render
from wetval.report.build import build_document
from wetval.report.document import ReportDocument

#: Latin letters of non-allowed words, as a share of the Chinese characters (zh report).
MAX_LATIN_SHARE = 0.03
#: Chinese characters outside names and citations, as a share of the Latin letters (en report).
MAX_CHINESE_SHARE = 0.03

#: Proper names, units and symbols a Chinese reader expects in Latin script.
_ALLOWED_TEXT = """
    wetval SYNTHETIC XLSX PDF HTML P5 P50 P95 W z p df GEP NPP COD MCSE max min
    m m2 m3 m² m³ ha hm² hm2 km t kg g MJ kWh CO2 O2 N P NH3 TP Xie D
    DB36 T GB I II III IV V x UMAM
"""
ALLOWED = frozenset(_ALLOWED_TEXT.split())

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/²³']*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_HEX = re.compile(r"^[0-9a-f]{8,}$")


def _words(text: str) -> list[str]:
    return [w.rstrip(".-/'") for w in _WORD.findall(text)]


def _allowed_texts(assessment: Assessment, document: ReportDocument) -> list[str]:
    """Ids, codes, citations, scientific names and the user's project facts of this report."""
    from wetval.cards import list_cards, load_card

    allowed: set[str] = set(ALLOWED) | {card.id for card in list_cards()}
    texts: list[str] = [str(v) for v in assessment.spec["project"].values()]
    for ref in assessment.provenance.cards:
        allowed |= {ref.id, ref.version}
        try:
            card = load_card(f"{ref.id}@{ref.version}")
        except KeyError:
            continue
        for source in card.sources:
            allowed.add(source.key)
            texts += [source.citation, source.url or ""]
    texts += list(assessment.provenance.versions)  # software names
    id_headers = {
        "图斑编号", "项目编号", "卡片", "文献键", "学名", "哈希", "地类编码", "指标编号",
        "物质量编号", "编号", "参数编号", "要点编号", "占用图斑", "补充图斑", "修复项目编号",
        "评分记录哈希", "专家编号", "parcel id", "project id", "card", "source key",
        "scientific name", "hash", "land class", "indicator id", "quantity id", "id",
        "parameter id", "criterion id", "occupied parcel", "credit parcel",
        "restoration project id", "entry hash", "expert id", "文献来源", "Sources",
    }  # fmt: skip
    for table in document.tables():
        for column in table.frame.columns:
            if str(column) in id_headers:
                texts += [str(v) for v in table.frame[column]]
    return [" ".join(sorted(allowed)), *texts]


def _offending(texts: Iterable[str], allowed_texts: list[str]) -> Counter[str]:
    """Latin-script words not allowed, with counts.

    A word is allowed when it is one of the allowed texts' words; a piece of a
    word (a URL or citation the PDF wrapped: at a line's start or end, or with
    ``/`` or ``.`` in it) when it occurs in an allowed text.
    """
    allowed = {w for text in allowed_texts for w in _words(text)}
    joined = "\n".join(allowed_texts)
    found: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            words = _words(line)
            for i, word in enumerate(words):
                if word in allowed or _HEX.match(word) or word[:1].isdigit():
                    continue
                piece = i in (0, len(words) - 1) or "/" in word or "." in word
                if piece and word in joined:
                    continue
                found[word] += 1
    return found


def _html_text(document: ReportDocument) -> str:
    page = render(document, "html").decode("utf-8")
    body = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", page, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "\n", body))


def _xlsx_text(document: ReportDocument) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")), read_only=True)
    parts = list(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(parts)


def _pdf_text(document: ReportDocument, tmp_path: object) -> str:
    from pathlib import Path

    pdf = Path(str(tmp_path)) / "report.pdf"
    pdf.write_bytes(render(document, "pdf"))
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


@pytest.fixture(scope="module")
def zh_document(sample_assessment: Assessment) -> ReportDocument:
    return build_document(sample_assessment, "zh")


def _check_chinese(text: str, assessment: Assessment, document: ReportDocument) -> None:
    offending = _offending([text], _allowed_texts(assessment, document))
    latin = sum(len(w) * n for w, n in offending.items())
    chinese = len(_CJK.findall(text))
    assert chinese > 1000, "the Chinese report has almost no Chinese text"
    assert latin <= MAX_LATIN_SHARE * chinese, (
        f"{latin} Latin letters outside the allowed words against {chinese} Chinese characters; "
        f"most frequent: {offending.most_common(40)}"
    )


def test_chinese_html_is_chinese(
    sample_assessment: Assessment, zh_document: ReportDocument
) -> None:
    _check_chinese(_html_text(zh_document), sample_assessment, zh_document)


def test_chinese_xlsx_is_chinese(
    sample_assessment: Assessment, zh_document: ReportDocument
) -> None:
    _check_chinese(_xlsx_text(zh_document), sample_assessment, zh_document)


@needs_poppler
def test_chinese_pdf_is_chinese(
    sample_assessment: Assessment, zh_document: ReportDocument, tmp_path: object
) -> None:
    _check_chinese(_pdf_text(zh_document, tmp_path), sample_assessment, zh_document)


def test_no_wiki_link_syntax_leaks(zh_document: ReportDocument) -> None:
    text = _html_text(zh_document) + _xlsx_text(zh_document)
    assert "[[" not in text and "]]" not in text


def test_english_html_is_english(sample_assessment: Assessment) -> None:
    """Chinese characters only in names, citations, the user's facts and the 亩 unit."""
    document = build_document(sample_assessment, "en")
    text = _html_text(document)
    allowed_text = "".join(str(v) for v in sample_assessment.spec["project"].values())
    for table in document.tables():
        for column in table.frame.columns:
            if str(column) in {"name", "Chinese name", "Sources", "township", "grade"}:
                allowed_text += "".join(str(v) for v in table.frame[column])
    from wetval.cards import load_card

    for ref in sample_assessment.provenance.cards:
        try:
            card = load_card(f"{ref.id}@{ref.version}")
        except KeyError:
            continue
        allowed_text += "".join(s.citation for s in card.sources) + card.title.zh
    allowed = set(_CJK.findall(allowed_text)) | {"亩"}
    stray = Counter(c for c in _CJK.findall(text) if c not in allowed)
    latin = len(re.findall(r"[A-Za-z]", text))
    assert sum(stray.values()) <= MAX_CHINESE_SHARE * latin, stray.most_common(40)


def test_chinese_chart_texts_are_chinese(
    sample_assessment: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Axis labels, tick labels and legends of every chart (drawn as paths in the SVG)."""
    import wetval.report.build as build
    from wetval.report.charts import figure_block

    texts: list[str] = []

    def capture(figure, caption, name):  # type: ignore[no-untyped-def]
        from matplotlib.text import Text

        texts.extend(t.get_text() for t in figure.findobj(Text) if t.get_text())
        return figure_block(figure, caption, name)

    monkeypatch.setattr(build, "figure_block", capture)
    document = build_document(sample_assessment, "zh")
    assert len(texts) > 20
    chart_text = "\n".join(texts)
    offending = _offending([chart_text], _allowed_texts(sample_assessment, document))
    assert not offending, offending.most_common(20)
    assert "万元/年" in chart_text and "抽样次数" in chart_text and "折现率" in chart_text
