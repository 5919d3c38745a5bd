from __future__ import annotations

import numpy as np

from wetval.errors import MESSAGE_ROWS_PER_GROUP, Problem, ProblemCollector, ValidationError


def test_long_lists_are_summarised_but_kept() -> None:
    collector = ProblemCollector(row_labels=np.arange(2, 102))
    collector.add_rows(
        np.ones(100, bool),
        column="TBMJ",
        values=np.zeros(100),
        reason="area is zero",
        fix="enter the area",
    )
    collector.add(Problem(reason="table-wide problem", fix="do X"))
    error = ValidationError(collector.frame(), what="parcel table", source="f.csv")
    message = str(error)
    assert message.startswith("101 problems in the parcel table (f.csv):")
    assert f"and {100 - MESSAGE_ROWS_PER_GROUP} more" in message
    assert "- table: table-wide problem" in message and "fix: do X" in message
    assert len(error.to_frame()) == 101
