"""The static public register (``wetval registry publish``, issue 15 "Interfaces").

A small SYNTHETIC registry on both backends: two restoration projects (P1 without
stored site geometry, P2 with two site parcels of a 2020 survey vintage), milestones
with an evidence file, a pledge and one trade. The expected units follow from the
schedule of ``registry_helpers.SCHEDULE`` (design 0.2, acceptance 0.5, monitoring-1
0.3 of 100 potential units): P1 70 released (design + acceptance), 10.5 sold, 20
pledged; P2 20 released (design). The last test renders the pages in headless
Chromium.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from browser_helpers import ARGS, chromium, font_families
from registry_helpers import project, registry_url
from wetval.cli import main
from wetval.errors import OutputError
from wetval.registry import Registry, RegistryError
from wetval.registry import publish as publish_module
from wetval.registry.publish import is_register_file, page_name, publish
from wetval.registry.statements import statement_frame

__all__ = ["registry_url"]

PRICE = "23456.78"  # yuan per unit: distinctive, so its absence is meaningful
PRICE_SHOWN = "23,456.78"
AMOUNT_SHOWN = "246,296.19"  # 23456.78 × 10.5 = 246296.19 (exact to the fen)
EVIDENCE = b"SYNTHETIC acceptance report"


class _Tables(HTMLParser):
    """Every ``<table id=…>`` of a page as rows of cell texts (tfoot rows included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(path: Path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def build(url: str, folder: Path) -> Registry:
    """The SYNTHETIC registry described in the module docstring."""
    import geopandas as gpd
    import shapely

    registry = Registry.create(url, user="测试")
    base = gpd.GeoDataFrame(
        {
            "BSM": ["S1", "S2", "F1"],
            "DLBM": ["1106", "1104", "0101"],
            "TBMJ": [10000.0, 5000.0, 900.0],
            "ZLDWDM": ["3601241010010000000"] * 3,
        },
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 150, 100),
                  shapely.box(400, 400, 430, 430)],
        crs=4524,  # CGCS2000 3-degree zone 38 (metres)
    )  # fmt: skip
    registry.import_survey(base, year=2020)
    project(registry, "P1", name="三里乡退塘还湿 (SYNTHETIC)")
    project(registry, "P2", township="架桥镇", sites=["S1", "S2"])
    report = folder / "acceptance.pdf"
    report.write_bytes(EVIDENCE)
    registry.milestone("P1", "design", passed=True, reference="设计审查", date="2024-02-01")
    registry.milestone("P2", "design", passed=True, reference="设计审查", date="2024-02-01")
    registry.milestone(
        "P1", "acceptance", passed=True, reference="验收 2024-06", date="2024-06-01",
        evidence=[(report, "acceptance report")],
    )  # fmt: skip
    registry.pledge("P1", "20", bank="进贤农商银行", loan="300000", start="2024-07-01",
                    end="2025-06-30")  # fmt: skip
    registry.trade(
        contract="JX-T-2024-001", buyer="县交通运输局", occupation_project="G320 改线",
        approval_reference="赣自然资审批 12 号", date="2024-08-01", units={"P1": "10.5"},
        price_per_unit=PRICE,
    )  # fmt: skip
    return registry


@pytest.fixture
def registry(registry_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    with build(registry_url, tmp_path) as opened:
        yield opened


def _all_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html")))


def test_index_lists_every_project_and_the_totals_of_the_statement(
    registry: Registry, tmp_path: Path
) -> None:
    written = publish(registry, tmp_path / "out", lang="en", published_on="2024-09-01")
    assert sorted(written) == ["index.html", "project-P1.html", "project-P2.html", "trades.html"]
    rows = tables(written["index.html"])["projects"]
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == ["project", "name", "township", "status", "potential", "released",
                      "debited", "pledged", "available", "free to sell"]  # fmt: skip
    assert [r[0] for r in body] == ["P1", "P2"]
    # by hand from the schedule (module docstring)
    assert body[0][2:] == ["三里乡", "being released", "100.0000", "70.0000", "10.5000",
                           "20.0000", "59.5000", "39.5000"]  # fmt: skip
    assert body[1][2:] == ["架桥镇", "being released", "100.0000", "20.0000", "0.0000",
                           "0.0000", "20.0000", "20.0000"]  # fmt: skip
    # the totals are the quota statement's column sums
    quota = statement_frame(registry, "quota", "en")
    states = ["potential units", "released units", "debited units", "pledged units",
              "available units", "free units"]  # fmt: skip
    assert total[0] == "total"
    assert total[4:] == [f"{sum(quota[c], Decimal(0)):,.4f}" for c in states]
    assert total[4:] == ["200.0000", "90.0000", "10.5000", "20.0000", "79.5000", "59.5000"]


def test_project_pages_milestones_evidence_trades_and_map(
    registry: Registry, tmp_path: Path
) -> None:
    written = publish(registry, tmp_path / "out", lang="en")
    p1 = written["project-P1.html"]
    found = tables(p1)
    milestones = found["milestones"]
    assert [r[:4] for r in milestones[1:]] == [
        ["design", "2024-02-01", "passed, units released", "20.0000"],
        ["acceptance", "2024-06-01", "passed, units released", "50.0000"],
    ]
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    assert milestones[2][5] == f"acceptance report: acceptance.pdf {digest}"
    assert dict(r for r in found["unit-states"][1:]) == {
        "potential": "100.0000", "released": "70.0000", "debited": "10.5000",
        "pledged": "20.0000", "available": "59.5000", "free to sell": "39.5000",
    }  # fmt: skip
    assert found["trades"][1][:5] == ["1", "2024-08-01", "G320 改线", "赣自然资审批 12 号",
                                      "10.5000"]  # fmt: skip
    page = p1.read_text(encoding="utf-8")
    assert "stores no geometry of this project" in page and "<svg" not in page
    p2 = written["project-P2.html"].read_text(encoding="utf-8")
    assert p2.count("<svg") == 1 and "2020 survey parcels, EPSG:4524" in p2
    assert "stores no geometry" not in p2 and "No trades yet." in p2
    # never published: contracts, banks, loans, fund accounts
    everything = _all_text(tmp_path / "out")
    for secret in ("JX-T-2024-001", "进贤农商银行", "300,000", "county_finance"):
        assert secret not in everything


def test_prices_only_when_the_centre_publishes_them(registry: Registry, tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    publish(registry, hidden, lang="en")
    text = _all_text(hidden)
    assert PRICE_SHOWN not in text and AMOUNT_SHOWN not in text and "price [CNY" not in text
    assert "The centre does not publish prices" in text
    shown = publish(registry, tmp_path / "shown", lang="en", publish_prices=True)
    trades = tables(shown["trades.html"])["trades"]
    assert trades[0][-2:] == ["price [CNY per unit]", "amount [CNY]"]
    assert trades[1][-2:] == [PRICE_SHOWN, AMOUNT_SHOWN]
    assert PRICE_SHOWN in shown["project-P1.html"].read_text(encoding="utf-8")


def test_chinese_by_default_english_on_request(registry: Registry, tmp_path: Path) -> None:
    zh = publish(registry, tmp_path / "zh")
    page = zh["index.html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "湿地占补平衡指标公开登记簿" in page
    assert tables(zh["index.html"])["projects"][0][:2] == ["项目编号", "项目名称"]
    assert "未存储本项目修复地块的图形" in zh["project-P1.html"].read_text(encoding="utf-8")
    en = publish(registry, tmp_path / "en", lang="en")
    page = en["index.html"].read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Public register of wetland compensation quota" in page
    assert "湿地占补平衡指标公开登记簿" not in page and "项目编号" not in page


def test_synthetic_label_and_the_audit_footer(registry: Registry, tmp_path: Path) -> None:
    written = publish(registry, tmp_path / "out", lang="en", published_on="2024-09-01")
    head = registry.events().iloc[-1]
    for path in written.values():
        page = path.read_text(encoding="utf-8")
        assert 'id="synthetic"' in page and "SYNTHETIC sample data" in page
        assert f"audit chain head {head['hash']} (event {head['seq']})" in page
        assert "Published 2024-09-01" in page and "intact" in page
    plain = publish(registry, tmp_path / "plain", lang="en", synthetic=False)
    assert 'id="synthetic"' not in plain["index.html"].read_text(encoding="utf-8")


def test_a_tampered_registry_says_so_in_the_footer(registry: Registry, tmp_path: Path) -> None:
    engine = create_engine(registry.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE projects SET potential = 999 WHERE id = 'P2'"))
    engine.dispose()
    written = publish(registry, tmp_path / "out", lang="en")
    footer = written["index.html"].read_text(encoding="utf-8").split('id="footer"')[1]
    assert "verification: BROKEN at event" in footer


def test_an_existing_folder_is_refused_without_force(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(registry, out, lang="en")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(OutputError, match="not empty"):
        publish(registry, out, lang="zh")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    publish(registry, out, lang="zh", force=True)
    assert "湿地占补平衡指标公开登记簿" in (out / "index.html").read_text(encoding="utf-8")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"notes\.txt"):
        publish(registry, out, force=True)
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failure_leaves_nothing(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("map failed")

    monkeypatch.setattr(publish_module, "_map_svg", broken)
    public = tmp_path / "public"
    public.mkdir()
    with pytest.raises(RuntimeError, match="map failed"):
        publish(registry, public / "out")
    assert list(public.iterdir()) == []  # no folder, no staging folder left beside it


def test_sites_in_degrees_are_drawn_in_metres(tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    registry = Registry.create(f"sqlite:///{tmp_path / 'r.db'}")
    base = gpd.GeoDataFrame(
        {"BSM": ["S1"], "DLBM": ["1106"], "TBMJ": [10000.0], "ZLDWDM": ["3601241010010000000"]},
        geometry=[shapely.box(116.25, 28.37, 116.251, 28.371)],
        crs=4490,  # CGCS2000 geographic
    )
    registry.import_survey(base, year=2020)
    project(registry, "SYN-P3", sites=["S1"])
    with registry:
        written = publish(registry, tmp_path / "out", lang="en", published_on="2024-09-01")
        with pytest.raises(RegistryError, match="not an ISO date"):
            publish(registry, tmp_path / "other", published_on="31/12/2024")
    page = written["project-SYN-P3.html"].read_text(encoding="utf-8")
    # 116.25°E lies in zone 39 (114°–117°E, central meridian 117°E): EPSG:4527
    assert "<svg" in page and "2020 survey parcels, EPSG:4527" in page
    assert 'id="synthetic"' in page  # the SYN- id marks the registry SYNTHETIC


def test_page_names() -> None:
    assert page_name("JX-R-2024-01") == "project-JX-R-2024-01.html"
    a, b = page_name("项目/1"), page_name("项目/2")
    assert a != b and is_register_file(a) and is_register_file(b)
    assert page_name("../x").startswith("project-x-") and "/" not in page_name("../x")
    assert not is_register_file("notes.txt") and is_register_file("index.html")


def test_command_line(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    url = registry.url
    assert main(["registry", "publish", url, "-o", str(out), "--prices", "--lang", "en"]) == 0
    assert "wrote 4 pages" in capsys.readouterr().out
    assert PRICE_SHOWN in (out / "trades.html").read_text(encoding="utf-8")
    # the folder is checked before any work: a missing registry is not even opened
    code = main(["registry", "publish", str(tmp_path / "missing.db"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "not empty" in err and "Traceback" not in err
    assert main(["registry", "publish", url, "-o", str(out), "--force", "--json"]) == 0
    assert '"index.html"' in capsys.readouterr().out
    assert PRICE_SHOWN not in (out / "trades.html").read_text(encoding="utf-8")


def test_the_register_renders_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs it where it can)")
    with build(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path) as registry:
        written = publish(registry, tmp_path / "out", publish_prices=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(written["index.html"].as_uri())
            assert page.locator("#page-title").inner_text() == "湿地占补平衡指标公开登记簿"
            assert page.locator("#projects tbody tr").count() == 2
            assert page.locator("#synthetic").is_visible()
            page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
            pdf = page.pdf(format="A4")
            # follow the link to P2's page: its map is drawn
            page.click("text=P2")
            page.wait_for_load_state()
            assert page.url.endswith("project-P2.html")
            box = page.locator("#map figure svg").bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50
            loading_errors = list(errors)  # the DevTools inspection below logs its own
            # the Chinese title is drawn with the embedded font, not a fallback
            families = font_families(page, "#page-title")
        finally:
            browser.close()
    assert loading_errors == []
    assert families == {"Wetval CJK Sans"}
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert (tmp_path / "index.png").stat().st_size > 10_000
    assert all(u.startswith("file://") for u in requests), requests  # no network
