"""``wetval registry …`` on both backends: one clear error and exit 1 on bad input, no
traceback; survey import, change, balance, census, field verification, statements
(XLSX/CSV, formula-looking text kept as text), upgrade and audit verify. SYNTHETIC data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from registry_helpers import registry_url, released
from test_registry_survey import TOWN_B, base_frame, census_inputs, change_2021
from wetval.cli import main
from wetval.registry import Registry

__all__ = ["registry_url"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_survey_balance_and_audit(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "registry", "init", registry_url, "--user", "李工")[0] == 0
    code, _, err = run(capsys, "registry", "init", registry_url)
    assert code == 1 and "already holds tables" in err and err.count("\n") == 1
    base = tmp_path / "dltb.csv"
    base_frame().to_csv(base, index=False)
    gx, gc = change_2021()
    gx_path, gc_path = tmp_path / "DLTBGX.csv", tmp_path / "DLTBGXGC.csv"
    gx.to_csv(gx_path, index=False)
    gc.to_csv(gc_path, index=False)
    argv = ["registry", "import-survey", registry_url, str(base), "--year", "2020"]
    assert run(capsys, *argv)[0] == 0
    code, _, err = run(
        capsys, "registry", "apply-change", registry_url, "--year", "2021",
        "--dltbgx", str(gx_path), "--dltbgxgc", str(tmp_path / "missing.csv"),
    )  # fmt: skip
    assert code == 1 and "missing.csv" in err
    code, out, _ = run(
        capsys, "registry", "import-change", registry_url, "--year", "2021",
        "--dltbgx", str(gx_path), "--dltbgxgc", str(gc_path),
    )  # fmt: skip
    assert code == 0 and "2021" in out
    code, out, _ = run(capsys, "--json", "registry", "balance", registry_url)
    data = json.loads(out)
    assert code == 0 and data["decreased"] == [2021]
    assert [c["after_bsm"] for c in data["causes"]] == ["W1b"]
    target = tmp_path / "wetland.xlsx"
    assert run(capsys, "registry", "statement", registry_url, "wetland", "-o", str(target))[0] == 0
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("年份", "湿地面积(m²)")
    assert [r[1] for r in rows[1:]] == [1800.0, 1400.0]
    assert run(capsys, "registry", "audit", "verify", registry_url)[0] == 0
    _sql(registry_url, "UPDATE parcels SET township = 'x' WHERE bsm = 'W1a'")
    code, out, err = run(capsys, "registry", "verify", registry_url)
    assert code == 1 and "BROKEN" in out and "vintages" in err


def test_statements_keep_formula_text_as_text(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Registry.create(registry_url) as registry:
        released(registry)
        registry.trade(
            contract="T-1", buyer="=HYPERLINK(\"http://x\")", occupation_project="-G320",
            approval_reference="@A-1", date="2024-08-01", units={"P1": "10"},
            price_per_unit="20000",
        )  # fmt: skip
    xlsx, csv_path = tmp_path / "trades.xlsx", tmp_path / "trades.csv"
    for target in (xlsx, csv_path):
        argv = ["registry", "statement", registry_url, "trades", "-o", str(target), "--lang", "en"]
        assert run(capsys, *argv)[0] == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    buyer = sheet.cell(row=2, column=header.index("buyer") + 1)
    assert buyer.data_type == "s" and buyer.value == '=HYPERLINK("http://x")'
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        row = next(iter(csv.DictReader(handle)))
    assert row["buyer"] == '\'=HYPERLINK("http://x")'
    assert row["occupation project"] == "'-G320" and row["approval reference"] == "'@A-1"
    assert row["units"] == "10.0000"
    code, _, err = run(capsys, "registry", "statement", registry_url, "funds", "-o", "x.docx")
    assert code == 1 and ".xlsx, .csv, .html, .pdf or .md" in err
    assert not Path("x.docx").exists()


def test_upgrade_older_and_refuse_newer(
    registry_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Registry._initialise(registry_url, "wetval", 4, "0002")
    code, _, err = run(capsys, "registry", "show", registry_url)
    assert code == 1 and "older than this wetval" in err and "wetval registry upgrade" in err
    assert run(capsys, "registry", "upgrade", registry_url)[0] == 0
    assert run(capsys, "registry", "show", registry_url)[0] == 0
    _sql(registry_url, "UPDATE alembic_version SET version_num = '9999'")
    code, _, err = run(capsys, "registry", "upgrade", registry_url)
    assert code == 1 and "newer wetval" in err


def test_census_and_field_verification(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parcels, indicators = census_inputs()
    parcel_path, indicator_path = tmp_path / "parcels.csv", tmp_path / "indicators.csv"
    frame = parcels.to_frame().reset_index()
    frame.rename(columns={"location_code": "ZLDWDM", "township": "ZLDWMC"}).drop(
        columns=["area_source", "county_code"]
    ).to_csv(parcel_path, index=False)  # fmt: skip
    indicators.to_frame().reset_index().to_csv(indicator_path, index=False)
    assert run(capsys, "registry", "init", registry_url)[0] == 0
    code, out, _ = run(
        capsys, "--json", "registry", "census", registry_url, str(parcel_path),
        "--indicators", str(indicator_path), "--year", "2020", "--date", "2021-03-01",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["census"] == 1
    photo = tmp_path / "p2.jpg"
    photo.write_bytes(b"SYNTHETIC")
    code, out, _ = run(
        capsys, "registry", "field-verify", registry_url, "P2", "--finding", "坑塘",
        "--water-months", "12", "--verifier", "王工", "--date", "2021-04-02",
        "--evidence", f"{photo}:photo",
    )  # fmt: skip
    assert code == 0 and "verified" in out
    code, _, err = run(
        capsys, "registry", "field-verify", registry_url, "P2", "--finding", "fish",
        "--water-months", "12", "--verifier", "王工", "--date", "2021-04-02",
    )  # fmt: skip
    assert code == 1 and "unknown field finding" in err
    code, out, _ = run(
        capsys, "--json", "registry", "reserves", registry_url, "--township", TOWN_B,
        "--status", "verified",
    )  # fmt: skip
    rows = json.loads(out)
    assert code == 0 and [r["bsm"] for r in rows] == ["P2"]
    assert json.loads(rows[0]["evidence"])[0]["doc_type"] == "photo"
    assert np.isfinite(pd.DataFrame(rows)["potential"].astype(float)).all()


def test_quota_commands(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "acceptance.pdf"
    report.write_bytes(b"SYNTHETIC")
    steps = [
        ["init", registry_url],
        ["project", registry_url, "P1", "--potential", "100", "--schedule", "design=0.2",
         "--schedule", "acceptance=0.8", "--township", "三里乡", "--cost", "100000",
         "--reference", "设计批复", "--date", "2024-01-10"],
        ["milestone", registry_url, "P1", "design", "--passed", "--reference", "审查",
         "--date", "2024-02-01"],
        ["milestone", registry_url, "P1", "acceptance", "--passed", "--reference", "验收",
         "--date", "2024-06-01", "--evidence", f"{report}:acceptance report"],
        ["pledge", registry_url, "P1", "60", "--bank", "农商银行", "--loan", "500000",
         "--start", "2024-07-01", "--end", "2025-06-30"],
        ["insure", registry_url, "P1", "100", "--insurer", "人保", "--policy", "PI-1",
         "--premium", "1200", "--start", "2024-07-01", "--end", "2025-06-30"],
        ["list", registry_url, "P1", "40", "--seller", "中心", "--price", "20000",
         "--date", "2024-07-15"],
        ["trade", registry_url, "--contract", "T-1", "--buyer", "交通局", "--occupation", "G320",
         "--approval", "批复 12 号", "--units", "P1=30", "--price", "20000",
         "--date", "2024-08-01", "--listing", "1"],
    ]  # fmt: skip
    for step in steps:
        code, _, err = run(capsys, "registry", *step)
        assert code == 0, err
    code, _, err = run(
        capsys, "registry", "trade", registry_url, "--contract", "T-2", "--buyer", "x",
        "--occupation", "y", "--approval", "z", "--units", "P1=20", "--price", "20000",
        "--date", "2024-08-02",
    )  # fmt: skip
    assert code == 1 and "pledge 1 to 农商银行" in err
    code, out, _ = run(capsys, "--json", "registry", "show", registry_url)
    (row,) = json.loads(out)
    assert (row["released"], row["debited"], row["pledged"]) == ("100.0000", "30.0000", "60.0000")
    code, _, err = run(capsys, "registry", "project", registry_url, "P2", "--potential", "1",
                       "--schedule", "bad", "--reference", "r", "--date", "2024-01-10")  # fmt: skip
    assert code == 1 and "MILESTONE=SHARE" in err
