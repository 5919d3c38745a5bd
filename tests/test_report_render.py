"""Report renderers on a hand-built document: HTML, PDF, Markdown, XLSX, atomic writes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from wetval.plotting import axes
from wetval.report import render, write_reports
from wetval.report.charts import figure_block
from wetval.report.document import (
    Facts,
    Paragraph,
    ReportDocument,
    ReviewSheet,
    Section,
    Table,
)


def document(lang: str = "zh") -> ReportDocument:
    ax = axes(None, figsize=(5, 3))
    ax.bar(["优", "良", "中", "差"], [12, 30, 8, 2])
    ax.set_title("等级分布 grade distribution")
    figure = figure_block(ax.figure, "图 1 等级分布", "grades")
    frame = pd.DataFrame({"乡镇": [f"镇{i}" for i in range(60)], "面积 [亩]": np.arange(60) * 1.5})
    return ReportDocument(
        lang=lang,  # type: ignore[arg-type]
        title="湿地占补平衡指标评估报告",
        subtitle="进贤县（合成示例数据）",
        report_id="abc123",
        cover=Facts((("项目", "示例项目"), ("建议价格", "95,000 元/亩")), emphasis=("建议价格",)),
        sections=(
            Section(
                "summary",
                "摘要",
                (
                    Paragraph("本报告使用合成数据。", tone="synthetic"),
                    Facts((("建议价格", "95,000 元/亩"),), emphasis=("建议价格",)),
                    figure,
                ),
            ),
            Section(
                "data",
                "数据",
                (
                    Table(frame, "表 1 面积", "areas", {"面积 [亩]": 1}),
                    Paragraph("注意：缺少监测数据。", tone="warning"),
                ),
            ),
            Section(
                "review",
                "专家评审",
                (
                    ReviewSheet(
                        (("data", "数据充分性", 0.2), ("method", "方法适当性", 0.3)),
                        ("通过", "修改后通过", "不通过"),
                        3,
                        "请逐项评分。",
                    ),
                ),
            ),
        ),
        footer="wetval",
    )


def test_html_is_self_contained_and_escaped() -> None:
    html = render(document(), "html").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "湿地占补平衡指标评估报告" in html and 'class="emph"' in html
    assert "@font-face" in html and "data:font/woff;base64," in html
    assert "<svg" in html and "http://" not in html.split("<svg", 1)[0].replace(
        "http://www.w3.org", ""
    )
    assert "另有 20 行" in html  # table truncated to 40 rows in print formats, in its language
    assert "专家签名" in html


def test_pdf_pages_render_and_are_not_blank(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    data = render(document(), "pdf")
    assert data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) >= 3
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "湿地占补平衡指标评估报告" in text and "专家签名" in text  # font embedded, text real
    for index in range(len(pdf)):
        image = np.asarray(pdf[index].render(scale=1).to_pil().convert("L"))
        assert (image < 200).mean() > 0.002, f"page {index + 1} is blank"
    pdf[0].render(scale=1.5).to_pil().save(tmp_path / "page1.png")


def test_markdown_and_xlsx() -> None:
    markdown = render(document("en"), "md").decode("utf-8")
    assert markdown.startswith("# 湿地占补平衡指标评估报告")
    assert "data:image/png;base64," in markdown and "| 镇0 | 0.0 |" in markdown
    workbook = pd.read_excel(io.BytesIO(render(document(), "xlsx")), sheet_name=None)
    assert list(workbook) == ["封面", "areas"]  # the cover sheet named in the language
    assert len(workbook["areas"]) == 60  # every row, not the truncated view


def test_write_reports_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = write_reports([document("zh"), document("en")], tmp_path, formats=("html", "md"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report_en.html",
        "report_en.md",
        "report_zh.html",
        "report_zh.md",
    ]
    assert set(written) == {"zh.html", "zh.md", "en.html", "en.md"}

    import wetval.report as report

    def broken(document: ReportDocument, fmt: str) -> bytes:
        if fmt == "pdf":
            raise RuntimeError("renderer failed")
        return b"x"

    target = tmp_path / "second"
    monkeypatch.setattr(report, "render", broken)
    with pytest.raises(RuntimeError):
        report.write_reports([document()], target, formats=("html", "pdf"))
    assert list(target.iterdir()) == []


def test_figure_block_closes_the_figure() -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    block = figure_block(fig, "caption", "line")
    assert block.png.startswith(b"\x89PNG") and block.svg.startswith("<svg")
    assert plt.get_fignums() == []
    assert zipfile.is_zipfile(io.BytesIO(render(document(), "xlsx")))
