"""The review report of the sample assessment: sections, languages, formats, a real browser."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser_helpers import ARGS, chromium, font_families
from wetval.assess import Assessment
from wetval.cards import list_cards
from wetval.report import render, write_reports
from wetval.report.build import build_document
from wetval.report.document import Figure, ReviewBlock, TableBlock
from wetval.report.fonts import font_path
from wetval.report.pdf import LOWERED, RAISED

SECTIONS = [
    "summary", "project", "condition", "valuation", "quota", "price", "funds",
    "uncertainty", "finance", "legal", "cards", "data", "provenance", "review", "signoff",
]  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_and_content(sample_assessment: Assessment, lang: str) -> None:
    document = build_document(sample_assessment, lang)  # type: ignore[arg-type]
    assert [s.id for s in document.sections] == SECTIONS
    assert document.report_id == sample_assessment.report_id
    assert sample_assessment.hash in dict(document.cover.items).values()
    blocks = [b for s in document.sections for b in s.blocks]
    assert sum(isinstance(b, Figure) for b in blocks) >= 5  # incl. histogram and tornado
    (sheet,) = [b for b in blocks if isinstance(b, ReviewBlock)]
    assert sum(w for _, _, w in sheet.criteria) == pytest.approx(1.0)
    sheets = [t.sheet for t in document.tables()]
    assert {"balance", "price_approaches", "funds", "finance", "cards", "unverified"} <= set(sheets)
    finance = next(t for t in document.tables() if t.sheet == "finance")
    assert sample_assessment.finance is not None
    total_loan = finance.frame.iloc[
        -1,
        list(finance.frame.columns).index(
            "贷款额度 [元]" if lang == "zh" else "loan capacity [CNY]"
        ),
    ]
    assert total_loan == pytest.approx(float(sample_assessment.finance.loan_capacity))
    price = f"{sample_assessment.price.per_unit:,.2f}"
    html = render(document, "html").decode("utf-8")
    assert price in html
    assert ("合成" if lang == "zh" else "SYNTHETIC") in html
    unverified = next(t for t in document.tables() if t.sheet == "unverified")
    assert len(unverified.frame) > 0  # assumptions are shown to the panel


def test_zh_tables_have_chinese_headers_and_land_categories(sample_assessment: Assessment) -> None:
    """A Chinese reader sees no raw snake_case column names (ids may stay as cell values)."""
    document = build_document(sample_assessment, "zh")
    identifier = re.compile(r"^[a-z][a-z0-9_]*$")
    offenders = [
        f"{table.sheet}: {column}"
        for table in document.tables()
        for column in table.frame.columns
        if identifier.match(str(column))
    ]
    assert not offenders, f"snake_case headers in the zh report: {offenders}"
    by_category = next(t for t in document.tables() if t.sheet == "by_category").frame
    categories = set(by_category["类别"])
    assert categories == {"湿地", "水域", "水田", "其他"}, categories
    by_class = next(t for t in document.tables() if t.sheet == "by_class").frame
    assert set(by_class["类别"]) <= categories
    # the numbers are the inventory's own
    expected = sample_assessment.inventory.by_category["area_mu"].to_numpy()
    np.testing.assert_array_equal(by_category["面积 [亩]"].to_numpy(), expected)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bundled_font_draws_every_character_of_the_report(
    sample_assessment: Assessment, lang: str
) -> None:
    """The PDF draws all text with the bundled font: a character it lacks prints as tofu.

    Checked over the whole rendered report and every shipped card (titles, citations and
    assumptions reach the cards section; species names reach the species check).
    """
    ttfonts = pytest.importorskip("reportlab.pdfbase.ttfonts")
    drawn = ttfonts.TTFont("coverage-check", str(font_path())).face.charToGlyph
    report = render(build_document(sample_assessment, lang), "md").decode("utf-8")  # type: ignore[arg-type]
    cards = "".join(card.to_toml() for card in list_cards())
    as_markup = set(RAISED) | set(LOWERED)  # drawn as <super>/<sub> ordinary digits
    missing = sorted(
        {c for c in report + cards if c > "~" and ord(c) not in drawn and c not in as_markup}
    )
    assert not missing, f"not in the bundled font (rebuild with tools/build_cjk_font.py): {missing}"


def test_pdf_pages_render_and_carry_the_price(sample_assessment: Assessment) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(render(build_document(sample_assessment, "zh"), "pdf"))
    assert len(pdf) >= 10
    first = pdf[0].get_textpage().get_text_range()
    assert f"{sample_assessment.price.per_unit:,.2f}" in first
    for index in range(len(pdf)):
        pixels = np.asarray(pdf[index].render(scale=0.6).to_pil().convert("L"))
        assert (pixels < 200).mean() > 0.002, f"page {index + 1} is blank"


def test_xlsx_has_every_table_in_full(sample_assessment: Assessment) -> None:
    document = build_document(sample_assessment, "en")
    workbook = pd.read_excel(io.BytesIO(render(document, "xlsx")), sheet_name=None)
    tables: list[TableBlock] = document.tables()
    assert len(workbook) == len(tables) + 2  # the headline and the cover sheets first
    assert list(workbook)[:2] == ["headline", "cover"]
    table = next(t for t in tables if t.sheet == "price_by_parcel")
    by_parcel = workbook[table.title]  # the sheet is named in the report's language
    assert table.title == "price by parcel"
    assert len(by_parcel) == len(sample_assessment.price.to_frame())


def test_html_report_renders_in_a_real_browser(
    sample_assessment: Assessment, tmp_path: Path
) -> None:
    """Open the HTML in headless Chromium: no console errors, the price is visible."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs it where it can)")
    written = write_reports(sample_assessment, tmp_path / "out", formats=("html",),
                                languages=("zh",))  # fmt: skip
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(written["zh.html"].as_uri())
            price = page.locator("#summary dd.emph").first
            assert price.is_visible()
            assert f"{sample_assessment.price.per_unit:,.2f}" in price.inner_text()
            loading_errors = list(errors)  # the DevTools inspection below logs its own
            # the Chinese title is drawn with the embedded font, not a tofu fallback
            for selector in ("#report-title", "#summary h2", "#data caption"):
                families = font_families(page, selector)
                assert families == {"Wetval CJK Sans"}, (selector, families)
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert loading_errors == []


def _review_of(assessment: Assessment):  # type: ignore[no-untyped-def]
    from wetval.review import (
        DrawRules,
        ReviewCase,
        ReviewRecord,
        ReviewSheet,
        draw_panel,
        synthetic_entries,
        synthetic_pool,
    )

    case = ReviewCase.build(
        assessment, applicant=assessment.spec["project"]["applicant"], date="2025-01-10"
    )
    draw = draw_panel(synthetic_pool(60), case, DrawRules.from_card("review-jinxian"), seed=11)
    sheet = ReviewSheet.build(draw, due="2025-01-20", card="review-jinxian")
    return ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3))


def test_review_record_appendix_is_bound_to_the_assessment(
    sample_assessment: Assessment,
) -> None:
    from wetval.errors import WetvalError

    record = _review_of(sample_assessment)
    document = build_document(sample_assessment, "en", review=record)
    assert document.sections[-1].id == "review_record"
    zh = build_document(sample_assessment, "zh", review=record).sections[-1]
    headers = [c for b in zh.blocks if isinstance(b, TableBlock) for c in b.frame.columns]
    assert "评审要点" in headers and not [c for c in headers if re.match(r"^[a-z_]+$", str(c))]
    html = render(document, "html").decode("utf-8")
    assert record.content_hash[:16] in html and "Kendall" in html
    other = dataclasses.replace(sample_assessment, warnings=("changed",))
    with pytest.raises(WetvalError, match="reviews assessment"):
        build_document(other, "en", review=record)


def test_cards_table_shows_the_cards_the_assessment_used(sample_assessment: Assessment) -> None:
    from wetval.provenance import CardRef

    refs = sample_assessment.provenance.cards
    edited = CardRef(id=refs[0].id, version=refs[0].version, hash="f" * 64)  # a project's copy
    own = CardRef(id="county-own-card", version="1", hash="e" * 64)  # installed nowhere
    provenance = sample_assessment.provenance.model_copy(update={"cards": (edited, *refs[1:], own)})
    document = build_document(dataclasses.replace(sample_assessment, provenance=provenance), "en")
    cards = next(t for t in document.tables() if t.sheet == "cards").frame.set_index("card")
    # every card used is listed with the hash it was used with; one that is not the installed
    # card is not described by the installed card (it used to be, or was silently left out)
    assert len(cards) == len(refs) + 1
    # cards a step loaded without the spec naming them reach the panel too
    assert {"crosswalk-sandiao-xie2015", "market-jiangxi-trades", "funds-jinxian"} <= set(
        cards.index
    )
    assert cards.loc[refs[0].id, "hash"] == "f" * 16
    assert cards.loc["county-own-card", "hash"] == "e" * 16
    for card_id in (refs[0].id, "county-own-card"):
        assert "project's own card" in cards.loc[card_id, "title"]
        assert cards.loc[card_id, "verified"] == "no"


def test_cost_basis_names_projects_costed_at_the_card_default() -> None:
    """The example project gives a bill of quantities for R01 only: R02 and R03 are named."""
    from wetval.assess import assess, load_spec

    spec = load_spec(Path(__file__).parent.parent / "docs" / "example-project.toml")
    options = spec.options.model_copy(update={"monte_carlo_draws": 0})
    example = assess(spec.model_copy(update={"options": options}))
    table = next(t for t in build_document(example, "zh").tables() if t.sheet == "cost_basis")
    frame = table.frame.set_index("项目编号")
    with_plan = {str(p["project_id"]) for p in example.spec["data"]["plans"] if p.get("quantities")}
    assert with_plan == {"R01"}
    for project, row in frame.iterrows():
        if project in with_plan:
            assert row["修复工程费依据"] == "修复方案（工程量清单或方案金额）"
            assert row["修复工程费 [元/亩]"] < 40_000  # R01's own bill (~10,160 元/亩)
        else:  # pricing-jinxian's restoration_cost_per_mu is 40,000 CNY/亩
            assert row["修复工程费依据"] == "卡片默认值 40,000 元/亩"
            assert row["修复工程费 [元/亩]"] == pytest.approx(40_000)


def test_project_map_hook(sample_assessment: Assessment) -> None:
    """A map given to build_document appears in the project section; without one, no figure."""
    import matplotlib.pyplot as plt

    from wetval.report.charts import figure_block

    def project_map(assessment: Assessment, lang: str) -> Figure:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        return figure_block(fig, "图 项目位置" if lang == "zh" else "Figure: location", "map")

    with_map = build_document(sample_assessment, "zh", project_map=project_map)
    section = next(s for s in with_map.sections if s.id == "project")
    (figure,) = [b for b in section.blocks if isinstance(b, Figure)]
    assert figure.caption == "图 项目位置"
    assert "图 项目位置" in render(with_map, "html").decode("utf-8")
    plain = next(s for s in build_document(sample_assessment, "zh").sections if s.id == "project")
    assert not [b for b in plain.blocks if isinstance(b, Figure)]
    # the parcels table: the occupation's parcels and the credits matched to them
    table = next(t for t in with_map.tables() if t.sheet == "project_parcels").frame
    occupied = table[table["类别"] == "占用"]
    assert len(occupied) == len(sample_assessment.accounts.debits.to_frame())
    matched = set(sample_assessment.balance.matches["credit_parcel"].astype(str))
    assert set(table.loc[table["类别"] == "补充", "图斑编号"]) == matched
    assert table["面积 [亩]"].sum() == pytest.approx(
        sample_assessment.accounts.debits.to_frame()["area_mu"].sum()
        + sample_assessment.accounts.credits.to_frame().loc[list(matched), "area_mu"].sum()
    )
