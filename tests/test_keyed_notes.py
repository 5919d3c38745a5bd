"""Notes that method code writes reach the Chinese report in Chinese (issue 13).

The condition engine, the unit-value valuation and the reserve census used to
append English sentences to their notes; they are now keyed messages
(:class:`wetval.messages.Message`, texts in :mod:`wetval.strings`), so the
report renders each in the reader's language.
"""

from __future__ import annotations

import dataclasses
import html as html_module
import re

import pytest

from wetval.assess import Assessment
from wetval.cards import load_card
from wetval.condition import ConditionResult
from wetval.datasets import sample_county, sample_project
from wetval.kinds import ConditionInputs, ScreeningInputs
from wetval.messages import Message
from wetval.plugins import run
from wetval.report import render
from wetval.report.build import _text, build_document


def _html_text(assessment: Assessment, lang: str) -> str:
    page = render(build_document(assessment, lang), "html").decode("utf-8")  # type: ignore[arg-type]
    body = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", page, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "\n", body))


@pytest.fixture(scope="module")
def entropy_condition() -> ConditionResult:
    """The sample county scored with the entropy-weight card (psr-entropy-topsis)."""
    county = sample_county()
    card = load_card("psr-entropy-topsis")
    return run("condition", card, ConditionInputs(county.indicators, county.parcels))  # type: ignore[no-any-return]


def test_the_unscored_note_of_the_demo_is_chinese_in_the_chinese_report(
    sample_assessment: Assessment,
) -> None:
    notes = sample_assessment.condition.provenance.notes
    # the demo leaves 306 parcels unscored (tests/golden/assessment-demo.json.gz)
    assert [n.key for n in notes if isinstance(n, Message)] == ["n_parcels_unscored"]
    assert not [n for n in notes if not isinstance(n, Message)]
    zh = _html_text(sample_assessment, "zh")
    assert "306 块地块未评分：其现有指标的权重之和低于 0.6。" in zh
    assert "parcels unscored" not in zh
    assert "carry less than" not in zh
    en = _html_text(sample_assessment, "en")
    assert "306 parcels unscored: their present items carry less than 0.6 of the weight." in en


def test_entropy_weight_notes_are_chinese_in_the_chinese_report(
    sample_assessment: Assessment, entropy_condition: ConditionResult
) -> None:
    keys = [n.key for n in entropy_condition.provenance.notes if isinstance(n, Message)]
    assert "n_weights_estimated" in keys
    assert all(isinstance(n, Message) for n in entropy_condition.provenance.notes)
    parcels = len(entropy_condition.to_frame())
    assessment = dataclasses.replace(sample_assessment, condition=entropy_condition)
    zh = _html_text(assessment, "zh")
    assert f"熵权法权重由本次的 {parcels:,} 块地块估计：增减地块时权重随之改变。" in zh
    assert "weights were estimated" not in zh
    assert "when parcels are added" not in zh


def test_absent_indicators_and_unknown_rows_are_keyed() -> None:
    county = sample_county()
    frame = county.indicators.to_frame()
    dropped = frame.drop(columns=["vegetation_cover"])
    from wetval.tables import IndicatorTable

    indicators = IndicatorTable.from_frame(dropped)
    parcels = county.parcels.subset(county.parcels.ids != county.parcels.ids[0])
    # the demo's condition card (weights from the card, not from the data)
    card = load_card(sample_project().cards.condition)
    result = run("condition", card, ConditionInputs(indicators, parcels))
    notes = {n.key: n for n in result.provenance.notes if isinstance(n, Message)}
    assert "n_indicator_rows_left_out" in notes
    zh = _text(notes["n_indicator_rows_left_out"], "zh")
    assert zh.startswith("1 行指标数据对应的地块不在地块表中，已剔除")
    assert re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", zh) is None
    absent = _text(notes["n_indicators_absent"], "zh")
    assert absent.startswith("指标表缺少以下指标")
    assert re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", absent) is None


def test_unit_value_and_census_notes_are_keyed_and_chinese() -> None:
    county = sample_county()
    census = run(
        "screening",
        load_card("jiangxi-reserve-census"),
        ScreeningInputs(county.parcels, county.indicators),
    )
    for note in census.provenance.notes:
        assert isinstance(note, Message), note
        assert re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", _text(note, "zh")) is None
    texts = {
        key: _text(Message.of(key, "note", **values), "zh")
        for key, values in {
            "n_npp_factor": {"reference": 500.0},
            "n_adjustment_card": {"group": "npp", "factor": 1.2},
            "n_unverified_equivalents": {"rows": ("wetland",)},
            "n_unit_value_table": {"currency": "CNY", "year": 2010, "table": "t"},
            "n_no_verification_column": {"column": "verified_non_aquaculture"},
            "n_no_role_column": {},
        }.items()
    }
    for key, text in texts.items():
        assert re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", text) is None, (key, text)
    assert texts["n_npp_factor"] == "有净初级生产力（npp）指标的地块，调整系数 = npp / 500。"
