"""Structure and print layout of the demo's report (issue 16, "A report an expert panel can sign").

- the order: summary, the project, the methods; the county inventory as an appendix before
  provenance; step timings only in provenance; every "section N" of the report's texts and the
  headings of docs/reading-the-report.md follow that order;
- one caption per table or figure, tables captioned 表/Table, figures 图/Figure, and no chart
  title repeating its caption;
- the species table shows the Chinese name once;
- the Chinese PDF rendered to PNG (poppler's pdftoppm): a full first page, no blank page, and
  every drawn character in the embedded CJK font (no tofu boxes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from wetval.assess import Assessment
from wetval.pricing.plan import SpeciesCheck
from wetval.report import render
from wetval.report.build import _CARDS_SECTION, _species_tables, build_document
from wetval.report.document import Facts, Figure, Paragraph, ReportDocument, TableBlock
from wetval.report.fonts import font_path
from wetval.strings import _STRINGS, tr

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: The strings that name a report section by its number, and the section (by id) each
#: number names, in the order the numbers occur in the text.
SECTION_REFERENCES = {
    "not_balanced": ("quota",),
    "p1_unit_defined": ("quota",),
    "w_not_balanced": ("quota",),
    "n_below_median": ("uncertainty",),
    "project_text": ("quota", "data"),
    "signoff_text": ("summary",),
    "n_card_unverified": ("cards",),
    "see_assumptions": (),  # "{section}": build._CARDS_SECTION, checked below
}

_ZH_REFERENCE = re.compile(r"第 *(\d+|\{\w+\}) *节")
_EN_REFERENCE = re.compile(r"\b[Ss]ections? (\d+|\{\w+\})")


@pytest.fixture(scope="module", params=["zh", "en"])
def document(sample_assessment: Assessment, request: pytest.FixtureRequest) -> ReportDocument:
    return build_document(sample_assessment, request.param)


def _number(document: ReportDocument, section_id: str) -> int:
    return [s.id for s in document.sections].index(section_id) + 1


def test_the_project_comes_first_and_the_inventory_is_an_appendix(
    document: ReportDocument,
) -> None:
    ids = [s.id for s in document.sections]
    assert ids[:3] == ["summary", "project", "condition"]  # summary, project, then the methods
    assert ids.index("data") == ids.index("provenance") - 1  # the appendix, before provenance
    assert ids.index("data") > max(ids.index(m) for m in ("price", "uncertainty", "cards"))
    data = document.sections[ids.index("data")]
    assert data.title.startswith(tr("s_data", document.lang)) and (
        "附录" in data.title if document.lang == "zh" else data.title.startswith("Appendix")
    )
    # the step timings: in provenance, nowhere else
    timings = tr("timings", document.lang) + ":"
    step_labels = {tr("step_" + k, document.lang) for k in ("condition", "pricing")}
    for section in document.sections:
        texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
        labels = {label for b in section.blocks if isinstance(b, Facts) for label, _ in b.items}
        if section.id == "provenance":
            assert timings in texts and step_labels <= labels
        else:
            assert timings not in texts and not step_labels & labels, section.id


def test_every_section_number_in_the_texts_names_its_section(document: ReportDocument) -> None:
    lang = document.lang
    referring = {
        key
        for key, (zh, en) in _STRINGS.items()
        if _ZH_REFERENCE.search(zh) or _EN_REFERENCE.search(en)
    }
    assert referring == set(SECTION_REFERENCES), "declare the section of each new reference here"
    for key, ids in SECTION_REFERENCES.items():
        if not ids:
            continue
        pattern = _ZH_REFERENCE if lang == "zh" else _EN_REFERENCE
        found = [int(n) for n in pattern.findall(_STRINGS[key][0 if lang == "zh" else 1])]
        assert found == [_number(document, i) for i in ids], (key, lang)
    assert _number(document, "cards") == _CARDS_SECTION
    # and what the rendered report says: no number beyond its sections
    text = render(document, "md").decode("utf-8")
    pattern = _ZH_REFERENCE if lang == "zh" else _EN_REFERENCE
    assert all(int(n) <= len(document.sections) for n in pattern.findall(text))


def test_the_guide_follows_the_report_order(sample_assessment: Assessment) -> None:
    """docs/reading-the-report.md: heading N is the English report's section N."""
    document = build_document(sample_assessment, "en")
    guide = (DOCS / "reading-the-report.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d+)\. (.+)$", guide, flags=re.M)
    assert [int(n) for n, _ in headings] == list(range(1, len(document.sections) + 1))
    for n, heading in headings:
        title = document.sections[int(n) - 1].title
        assert heading.startswith(title), (n, heading, title)
    listed = re.search(r"\*\*Sections\.\*\*(.+?)\n\n", guide, flags=re.S)
    assert listed is not None
    numbers = [int(n) for n in re.findall(r"(?:^|·)\s*(\d+) ", listed.group(1))]
    assert numbers == list(range(1, len(document.sections) + 1))


def _bare(caption: str) -> str:
    return re.sub(r"^(表|图|Table:|Figure:)\s*", "", caption).strip().casefold()


def test_one_caption_per_table_or_figure(document: ReportDocument) -> None:
    blocks = [b for s in document.sections for b in s.blocks if isinstance(b, TableBlock | Figure)]
    captions = [b.caption for b in blocks]
    repeated = sorted({c for c in captions if captions.count(c) > 1})
    assert not repeated, f"captions shared by several blocks: {repeated}"
    table_word, figure_word = ("表 ", "图 ") if document.lang == "zh" else ("Table: ", "Figure: ")
    for block in blocks:
        word = figure_word if isinstance(block, Figure) else table_word
        assert block.caption.startswith(word), (type(block).__name__, block.caption)
    figures = [b for b in blocks if isinstance(b, Figure)]
    assert len(figures) >= 4  # the grade, service-value, price, Monte Carlo, tornado charts
    for figure in figures:
        for title in figure.titles:
            bare, caption = _bare(title), _bare(figure.caption)
            assert bare not in caption and caption not in bare, (title, figure.caption)


def test_figure_block_records_the_chart_titles() -> None:
    """The check above can fail: a titled chart carries its title."""
    import matplotlib.pyplot as plt

    from wetval.report.charts import figure_block

    figure, ax = plt.subplots()
    ax.set_title("图 各等级面积")
    block = figure_block(figure, "图 各等级面积", "grades")
    assert block.titles == ("图 各等级面积",)


def _species(name_zh: list[str], names: list[str]) -> SimpleNamespace:
    table = pd.DataFrame(
        {
            "scientific_name": ["Phragmites australis", "Zizania latifolia"],
            "name_zh": name_zh,
            "status": ["native", "native"],
            "verified": [False, False],
        },
        index=pd.Index(names, name="name"),
    )
    check = SpeciesCheck(table=table, card_id="species-jiangxi")
    return SimpleNamespace(price=SimpleNamespace(species_checks=(check, check)))


def test_the_species_table_shows_the_chinese_name_once(document: ReportDocument) -> None:
    lang = document.lang
    (table,) = [t for t in document.tables() if t.sheet.startswith("species")]
    assert tr("name", lang) in table.frame.columns
    # the demo's plans list species by their Chinese names: the 中文名 column would repeat them
    assert tr("name_zh", lang) not in table.frame.columns
    assert "芦苇" in set(table.frame[tr("name", lang)])


def test_a_species_list_by_scientific_name_keeps_the_chinese_names() -> None:
    """The column goes only where it repeats the listed name; identical lists show once."""
    (repeated,) = _species_tables(_species(["芦苇", "菰"], ["芦苇", "菰"]), "zh")  # type: ignore[arg-type]
    assert tr("name_zh", "zh") not in repeated.frame.columns
    (latin,) = _species_tables(
        _species(["芦苇", "菰"], ["Phragmites australis", "Zizania latifolia"]),  # type: ignore[arg-type]
        "zh",
    )
    assert list(latin.frame[tr("name_zh", "zh")]) == ["芦苇", "菰"]
    assert latin.caption == tr("species", "zh")


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


#: Print area of the A4 page (pdf.render_pdf: 18 mm top and bottom margins of 297 mm);
#: the page footer lies below it.
_TOP, _BOTTOM = 18 / 297, (297 - 18) / 297


def test_the_chinese_pdf_renders_full_pages_without_tofu(
    sample_assessment: Assessment, tmp_path: Path
) -> None:
    """Render the demo's Chinese PDF to 40-dpi pages and read the ink.

    Page 1 has ink on at least 40 % of the rows of its print area and reaches its lower
    quarter (a half-empty first page does neither); every page has ink in its print area
    (not only the footer); every font is the embedded bundled CJK font and every character
    the PDF draws is in it, so none prints as an empty box.
    """
    if not all(shutil.which(t) for t in ("pdftoppm", "pdffonts", "pdftotext")):
        pytest.skip("needs poppler-utils (pdftoppm, pdffonts, pdftotext)")
    from PIL import Image
    from reportlab.pdfbase.ttfonts import TTFont

    pdf = tmp_path / "report_zh.pdf"
    pdf.write_bytes(render(build_document(sample_assessment, "zh"), "pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) >= 10
    for index, path in enumerate(pages, start=1):
        pixels = np.asarray(Image.open(path))
        height = pixels.shape[0]
        body = pixels[int(height * _TOP) : int(height * _BOTTOM)] < 200
        inked_rows = body.any(axis=1)
        assert body.mean() > 0.002, f"page {index} is blank"
        if index == 1:
            assert inked_rows.mean() >= 0.40, f"page 1 has ink on {inked_rows.mean():.0%} of rows"
            lowest = (np.nonzero(inked_rows)[0].max() + 1) / len(inked_rows)
            assert lowest >= 0.75, f"page 1 ends at {lowest:.0%} of its print area"

    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all("WetvalCJK" in row.split()[0] for row in fonts), fonts
    assert all(row.split()[-5] == "yes" for row in fonts), fonts  # embedded
    drawn = TTFont("tofu-check", str(font_path())).face.charToGlyph
    text = _run("pdftotext", str(pdf), "-")
    assert "湿地占补平衡" in text
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in drawn})
    assert not missing, f"printed as tofu (not in the embedded font): {missing}"


def test_pdf_column_widths_by_content() -> None:
    """Numbers keep their widest cell on one line; short text fits; a long text wraps."""
    from wetval.report.pdf import _CELL_PADDING, _column_widths, _register_font, _text_width

    _register_font()
    columns = ["卡片", "内容", "面积 [亩]", "合计 [元]"]
    rows = [
        ["jiangxi-db36-2134", "很长的说明文字" * 40, "116.15", "57,309,824.72"],
        ["quota-jinxian", "短", "4.85", "265,287.19"],
    ]
    width = 510.0
    widths = _column_widths(columns, rows, width, [False, False, True, True])
    assert sum(widths) == pytest.approx(width)
    for j in (2, 3):  # number columns: never wrapped
        assert widths[j] >= max(_text_width(r[j]) for r in rows) + _CELL_PADDING - 1e-9
    assert widths[0] >= _text_width("jiangxi-db36-2134") + _CELL_PADDING - 1e-9  # short text
    assert widths[1] == max(widths)  # the long text gets the rest and wraps


def test_the_fund_table_prints_yuan_and_keeps_fen_in_the_workbook(
    document: ReportDocument,
) -> None:
    """One amount per row in print (the issue saw yuan beside a 金额[分] column)."""
    (funds,) = [t for t in document.tables() if t.sheet == "funds"]
    printed = list(funds.printed().columns)
    assert len([c for c in printed if "[" in c]) == 1, printed  # the amount in yuan only
    assert len(funds.frame.columns) == len(printed) + 1  # the fen: in the XLSX workbook
