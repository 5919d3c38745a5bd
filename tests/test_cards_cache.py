"""The card search cache (``wetval.cards``): nothing stale, nothing parsed twice.

Every call of ``list_cards``/``load_card`` checks each card directory and file;
only unchanged ones (same inode, size and mtime, older than the 2 s racy window)
are neither listed nor parsed again. The cards written here are test fixtures.
"""

from __future__ import annotations

import os
import time
from importlib import metadata
from pathlib import Path

import pytest

from test_cards import MINIMAL
from wetval import cards
from wetval.cards import CARD_GROUP, clear_cache, list_cards, load_card
from wetval.errors import CardError

_OLD_NS = 1_600_000_000 * 10**9  # 2020-09-13: far outside the racy window


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The card files parsed, in order (the cache's only parsing function, counted)."""
    seen: list[Path] = []
    real = cards._parse

    def counting(text: str, path: Path) -> cards.Card:
        seen.append(path)
        return real(text, path)

    monkeypatch.setattr(cards, "_parse", counting)
    return seen


def _card(directory: Path, name: str, version: str = "1.2.0", *, old: bool = True) -> Path:
    path = directory / name
    path.write_text(MINIMAL.replace('"1.2.0"', f'"{version}"'), encoding="utf-8")
    if old:
        os.utime(path, ns=(_OLD_NS, _OLD_NS))
        os.utime(directory, ns=(_OLD_NS, _OLD_NS))
    return path


def _versions() -> list[str]:
    return [card.version for card in list_cards() if card.id == "test-card"]


def test_unchanged_files_are_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    _card(tmp_path, "a.toml")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    list_cards()
    first = len(parses)
    assert tmp_path / "a.toml" in parses
    list_cards()
    load_card("test-card")
    assert len(parses) == first  # neither the user's card nor the shipped ones again


def test_added_edited_and_deleted_cards_are_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _card(tmp_path, "a.toml")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    assert _versions() == ["1.2.0"]
    _card(tmp_path, "b.toml", "1.3.0", old=False)
    assert _versions() == ["1.2.0", "1.3.0"]
    first.write_text(MINIMAL.replace('"1.2.0"', '"1.1.0"'), encoding="utf-8")
    assert _versions() == ["1.1.0", "1.3.0"]
    first.unlink()
    assert _versions() == ["1.3.0"]
    assert load_card("test-card").version == "1.3.0"


def test_a_card_in_a_new_subdirectory_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _card(tmp_path, "a.toml")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    assert _versions() == ["1.2.0"]
    (tmp_path / "deeper" / "still").mkdir(parents=True)
    _card(tmp_path / "deeper" / "still", "c.toml", "2.0.0", old=False)
    assert _versions() == ["1.2.0", "2.0.0"]


def test_an_edit_that_keeps_size_and_mtime_is_seen_in_the_racy_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    # Two writes within one tick of the file system's clock can leave the same stamp;
    # a file read within 2 s of its mtime is therefore compared by content.
    path = _card(tmp_path, "a.toml", old=False)
    stat = path.stat()
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    assert load_card("test-card").param("D") == 3406.5
    path.write_text(MINIMAL.replace("value = 3406.5", "value = 3406.6"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert load_card("test-card").param("D") == 3406.6
    before = len(parses)
    load_card("test-card")  # same stamp, same text: not parsed again
    assert len(parses) == before


def test_an_unchanged_file_touched_recently_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    path = _card(tmp_path, "a.toml", old=False)
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    load_card("test-card")
    count = sum(p == path for p in parses)
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    load_card("test-card")
    assert sum(p == path for p in parses) == count


def test_the_card_hash_follows_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _card(tmp_path, "a.toml")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    before = load_card("test-card").hash
    path.write_text(MINIMAL.replace("value = 3406.5", "value = 3000.0"), encoding="utf-8")
    assert load_card("test-card").hash != before
    assert load_card(path).hash == load_card("test-card").hash


def test_a_malformed_card_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.toml"
    path.write_text(MINIMAL.replace('version = "1.2.0"', 'version = "one"'), encoding="utf-8")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    for _ in range(2):  # the same error every time, never a half-read card
        with pytest.raises(CardError, match="version"):
            load_card("test-card")
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_card("test-card").version == "1.2.0"


def test_an_installed_plugin_is_seen_without_clearing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installing a package changes ``sys.path``'s directories: the entry points are read again."""
    package = tmp_path / "site" / "cardplugin_fixture"
    (package / "methods").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    _card(package / "methods", "plugin.toml", "9.0.0")
    real = metadata.entry_points

    def entry_points(*, group: str):  # type: ignore[no-untyped-def]
        points = list(real(group=group))
        if group == CARD_GROUP:
            points.append(metadata.EntryPoint("fixture", "cardplugin_fixture", CARD_GROUP))
        return points

    assert "9.0.0" not in _versions()
    monkeypatch.setattr(metadata, "entry_points", entry_points)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    try:
        assert _versions() == ["9.0.0"]
        assert cards.card_paths()[0] == package / "methods"
    finally:
        monkeypatch.undo()
        clear_cache()
    assert "9.0.0" not in _versions()
