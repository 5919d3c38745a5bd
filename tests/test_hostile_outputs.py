"""Output paths the file system refuses are one clean error, for every writer (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_hostile import REVIEW_CASE, _one_error, _snapshot
from wetval.atomic import check_new_file
from wetval.errors import OutputError

_TOO_LONG = "长" * 120 + ".json"  # 360 bytes in UTF-8: over the 255-byte limit of a name


@pytest.mark.parametrize("name", [_TOO_LONG, "a" * 300 + ".csv", "c" * 252 + ".xlsx"])
def test_a_name_too_long_is_an_output_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match="use a shorter path"):
        check_new_file(tmp_path / name, force=False, what="review record")


def test_review_draw_to_a_name_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wetval.cli import main
    from wetval.review import synthetic_pool

    pool = synthetic_pool().write(tmp_path / "experts.xlsx")
    before = _snapshot(tmp_path)
    target = tmp_path / _TOO_LONG
    code = main(["review", "draw", str(pool), *REVIEW_CASE, "--seed", "7", "--output", str(target)])
    _one_error(code, capsys.readouterr().err, "use a shorter path")
    assert _snapshot(tmp_path) == before
