"""The centre's statements in the report style (``statement_document``; issue 15).

Built on the SYNTHETIC registry of ``test_registry_publish`` (two projects, a pledge
and one trade of 10.5 units at 23,456.78 yuan); the expected numbers follow from it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from test_registry_publish import build
from wetval.cli import main
from wetval.registry import Registry
from wetval.registry.statements import STATEMENTS, statement_frame
from wetval.report import render
from wetval.report.document import TableBlock
from wetval.report.statements import statement_document


@pytest.fixture
def registry(tmp_path: Path):  # type: ignore[no-untyped-def]
    with build(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path) as opened:
        yield opened


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_statement_is_a_section_with_the_statement_table(
    registry: Registry, lang: str
) -> None:
    document = statement_document(registry, lang=lang, on="2024-09-01")
    assert [s.id for s in document.sections] == [*STATEMENTS, "signoff"]
    for kind in STATEMENTS:
        (table,) = [b for b in document.sections[list(STATEMENTS).index(kind)].blocks
                    if isinstance(b, TableBlock)]  # fmt: skip
        assert table.frame.equals(statement_frame(registry, kind, lang))
        assert table.max_rows is None  # a statement is printed whole
    seq, head = registry.head()
    assert seq >= 10  # the registry's events: its creation, survey, projects, milestones …
    facts = dict(document.cover.items)
    assert head in " ".join(facts.values()) and document.report_id == head[:16]
    assert "2024-09-01" in facts.values()


def test_numbers_are_shown_by_kind(registry: Registry) -> None:
    html = render(statement_document(registry, ["quota", "trades"], "en"), "html").decode()
    assert "59.5000" in html  # P1's free units: quota units with 4 decimals
    assert "23,456.78" in html  # the trade's price per unit: money, thousands separated


def test_the_chinese_statements_are_chinese(registry: Registry) -> None:
    html = render(statement_document(registry, lang="zh"), "html").decode()
    for text in ("湿地资源运营中心台账报表", "指标台账", "编制人", "复核人", "审计链头"):
        assert text in html
    assert "Prepared by" not in html and "Audit chain" not in html


def test_the_command_writes_html_and_pdf_and_refuses_all_as_one_table(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = registry.url
    html = tmp_path / "statements.html"
    assert main(["registry", "statement", url, "all", "-o", str(html),
                 "--date", "2024-09-01"]) == 0  # fmt: skip
    assert "资金账户" in html.read_text(encoding="utf-8")
    pdf = tmp_path / "quota.pdf"
    assert main(["registry", "statement", url, "quota", "-o", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        assert "指标台账" in text and "编制人" in text
    capsys.readouterr()
    assert main(["registry", "statement", url, "all", "-o", str(tmp_path / "a.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "every statement at once is a report" in err and "fix:" in err
    assert not (tmp_path / "a.xlsx").exists()


def test_every_unknown_kind_is_named_at_once(registry: Registry) -> None:
    from wetval.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        statement_document(registry, ["quota", "tardes", "fund"])
    text = str(caught.value)
    assert "'tardes'" in text and "'fund'" in text and "use one of quota" in text
