"""Print quality of the demo's PDF report: A4, every font embedded, a page number on each page,
and the legal-basis and sign-off sections (poppler's pdffonts, pdfinfo and pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wetval.assess import Assessment
from wetval.report import render
from wetval.report.build import build_document
from wetval.report.document import SignOff
from wetval.report.legal import legal_basis

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdffonts", "pdfinfo", "pdftotext")), reason="needs poppler"
)


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module", params=["zh", "en"])
def pdf(sample_assessment: Assessment, tmp_path_factory: pytest.TempPathFactory, request) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("print") / f"report_{request.param}.pdf"
    path.write_bytes(render(build_document(sample_assessment, request.param), "pdf"))
    return path


def test_every_font_is_embedded(pdf: Path) -> None:
    rows = _run("pdffonts", str(pdf)).splitlines()[2:]
    assert rows, "the PDF names no font"
    # columns: name type encoding emb sub uni object ID; 'emb' is the 4th from the end
    not_embedded = [row for row in rows if row.split()[-5] != "yes"]
    assert not not_embedded, not_embedded


def test_a4_pages_each_with_its_number(pdf: Path) -> None:
    info = _run("pdfinfo", str(pdf))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    lang = "zh" if pdf.stem.endswith("zh") else "en"
    for page in range(1, pages + 1):
        text = _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")
        # pdftotext drops the spaces between Chinese characters and digits
        label = rf"第\s*{page}\s*页" if lang == "zh" else rf"page {page}\b"
        assert re.search(label, text), f"page {page} has no page number"


def test_legal_basis_and_sign_off_blocks(sample_assessment: Assessment) -> None:
    card, body = legal_basis()
    document = build_document(sample_assessment, "zh")
    legal = next(s for s in document.sections if s.id == "legal")
    table = next(t for t in document.tables() if t.sheet == "legal_basis")
    assert len(table.frame) == len(body.tables.instruments.rows)
    assert "第二十一条 / Art. 21" in set(table.frame["条款"])
    # the demo prices general wetland: the general-wetland authority is named
    assert any("一般湿地" in getattr(b, "text", "") for b in legal.blocks)
    signoff = next(s for s in document.sections if s.id == "signoff")
    firm, panel = [b for b in signoff.blocks if isinstance(b, SignOff)]
    assert firm.seal and not panel.seal
    members = sum(r.count for r in body.tables.signoff.rows if r.block == "panel")
    assert len(panel.lines) == members  # chair and members, one line each
    assert all("签名" in fields for _, fields in panel.lines)
    assert card.id in {"legal-jinxian"}


def test_pdf_carries_the_legal_and_sign_off_text(pdf: Path) -> None:
    text = _run("pdftotext", str(pdf), "-")
    if pdf.stem.endswith("zh"):
        assert "法律政策依据" in text and "评审组组长" in text and "评估机构盖章处" in text
    else:
        assert "Legal and policy basis" in text and "Panel chair" in text
