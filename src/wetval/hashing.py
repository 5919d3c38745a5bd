"""The one hashing module: canonical JSON, content, frame, file and result hashes.

Every hash is a SHA-256 hex digest. Hashes that name a result (an
assessment's report id, a ledger state) are computed from the result's content
with the library versions of its provenance left out, so the same assessment
keeps its id after a numpy or pandas upgrade.
"""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["canonical_json", "content_hash", "file_hash", "frame_hash", "path_hash", "result_hash"]

#: Bytes read at a time when hashing a file [bytes].
_FILE_BLOCK = 1 << 20


def _plain(value: Any) -> Any:
    """``value`` with non-finite floats spelled out (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(payload: Any) -> str:
    """The canonical JSON text of plain values (sorted keys, no spaces, UTF-8 text).

    Floats are written by ``repr``, which is exact; non-finite floats are
    spelled ``'nan'``/``'inf'``.
    """
    return json.dumps(
        _plain(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def content_hash(payload: Any) -> str:
    """SHA-256 of :func:`canonical_json` of ``payload`` (plain values only)."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def frame_hash(frame: pd.DataFrame | pd.Series) -> str:
    """A stable SHA-256 hash of a table's labels and values.

    The hash covers the index, the column names and order, the dtypes and
    every value; it does not depend on memory layout. Geometry columns are
    hashed through their WKB encoding.

    Parameters
    ----------
    frame
        The table.

    Returns
    -------
    str
        Hex digest.
    """
    if isinstance(frame, pd.Series):
        return _frame_digest(frame.to_frame())
    cached = _FRAME_HASHES.get(id(frame))
    if cached is not None and cached.table() is frame and cached.unchanged(frame):
        return cached.hexdigest
    hexdigest = _frame_digest(frame)
    _remember(frame, hexdigest)
    return hexdigest


def _blocks(frame: pd.DataFrame) -> list[tuple[Any, np.ndarray]] | None:
    """``frame``'s block value arrays and their column positions (``None``: unknown layout)."""
    manager = getattr(frame, "_mgr", None)
    blocks = getattr(manager, "blocks", None)
    if blocks is None:
        return None
    try:
        return [(block.values, np.asarray(block.mgr_locs.as_array)) for block in blocks]
    except AttributeError:  # pragma: no cover - a pandas without block managers
        return None


class _Remembered:
    """The hash of a table and what it held when hashed (see :func:`_remember`)."""

    def __init__(self, frame: pd.DataFrame, hexdigest: str, table: weakref.ref[Any]) -> None:
        self.table = table
        self.hexdigest = hexdigest
        self.index, self.columns = frame.index, frame.columns
        self.blocks = _blocks(frame)
        # A shallow copy shares (and so reference-counts) the arrays: under
        # copy-on-write a later write to ``frame`` must copy the array it writes.
        self.snapshot = frame.copy(deep=False)

    def unchanged(self, frame: pd.DataFrame) -> bool:
        """Whether ``frame`` holds exactly the arrays and labels it held when hashed.

        Under pandas' copy-on-write (the only mode of pandas 3) a write to
        ``frame`` while :attr:`snapshot` shares an array copies that array
        first, so ``frame``'s block arrays stop being the objects kept here;
        assigning, inserting, deleting or reordering columns or labels replaces
        the blocks or the axis objects. Any of these makes the table changed,
        and it is hashed afresh.
        """
        if frame.index is not self.index or frame.columns is not self.columns:
            return False
        now = _blocks(frame)
        if now is None or self.blocks is None or len(now) != len(self.blocks):
            return False
        return all(
            a is b and np.array_equal(la, lb)
            for (a, la), (b, lb) in zip(now, self.blocks, strict=True)
        )


#: Hashes of tables already hashed, by ``id`` of the table; an entry leaves
#: when its table is garbage-collected (until then it keeps the arrays the
#: table held when hashed).
_FRAME_HASHES: dict[int, _Remembered] = {}


def _remember(frame: pd.DataFrame, hexdigest: str) -> None:
    """Keep ``frame``'s hash while it lives and is unchanged (copy-on-write pandas only)."""
    if not _copy_on_write() or _blocks(frame) is None:
        return
    key = id(frame)

    def _forget(_: object, key: int = key) -> None:
        _FRAME_HASHES.pop(key, None)

    try:
        table = weakref.ref(frame, _forget)
    except TypeError:  # pragma: no cover - a frame subclass without weak references
        return
    _FRAME_HASHES[key] = _Remembered(frame, hexdigest, table)


def _copy_on_write() -> bool:
    """Whether pandas copies on write (always in pandas 3; in pandas 2 only with the option set)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _frame_digest(frame: pd.DataFrame) -> str:
    """The SHA-256 of :func:`frame_hash`, always computed."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    for column in frame.columns:
        values = frame[column]
        if str(values.dtype) == "geometry":
            values = pd.Series(values.to_wkb(), index=frame.index)
        digest.update(np.ascontiguousarray(_value_hashes(values)).data)
    digest.update(np.ascontiguousarray(_value_hashes(frame.index.to_series())).data)
    return digest.hexdigest()


#: Per-row hashes of immutable Arrow columns, by ``id`` of the Arrow array (see
#: :func:`_value_hashes`); entries leave when their array is garbage-collected.
_ARROW_HASHES: dict[int, tuple[weakref.ref[Any], np.ndarray]] = {}


def _value_hashes(values: pd.Series) -> np.ndarray:
    """``pandas.util.hash_pandas_object(values, index=False)`` as uint64, cached for Arrow data.

    Hashing text is the costly part of :func:`frame_hash` (SipHash of every
    string); the same id and code columns reach several stages (a parcel
    table's ids index its condition, credits, prices ...). Arrow arrays are
    immutable (pandas replaces, never overwrites, them), so the hashes of one
    Arrow array are computed once and reused while it lives. NumPy-backed
    columns are hashed every time (they can be written in place, and their
    hashes are cheap).
    """
    array = getattr(values.array, "_pa_array", None)
    if array is None:
        plain = values.dtype
        if plain == np.dtype(float) or plain == np.dtype(bool):
            return _mixed_hashes(values.to_numpy())
        return np.asarray(pd.util.hash_pandas_object(values, index=False, categorize=True))
    key = id(array)
    cached = _ARROW_HASHES.get(key)
    if cached is not None and cached[0]() is array:
        return cached[1]
    hashed = np.asarray(pd.util.hash_pandas_object(values, index=False, categorize=True))
    hashed.flags.writeable = False

    def _forget(_: object, key: int = key) -> None:
        _ARROW_HASHES.pop(key, None)

    forget = weakref.ref(array, _forget)
    _ARROW_HASHES[key] = (forget, hashed)
    return hashed


#: Rows hashed at a time by :func:`_mixed_hashes` (its temporaries stay in the CPU cache).
_HASH_CHUNK = 1 << 15
_NAN_BITS = np.array(np.nan).view(np.uint64)
_NEGATIVE_ZERO_BITS = np.array(-0.0).view(np.uint64)


def _mixed_hashes(values: np.ndarray) -> np.ndarray:
    """``pandas.util.hash_array`` of a float64 or bool array, in cache-sized chunks.

    The same uint64 per value as pandas (every NaN hashes as ``numpy.nan`` and
    −0.0 as 0.0, then the splitmix64 finaliser), computed in place in blocks of
    :data:`_HASH_CHUNK` rows instead of whole-column temporaries.
    ``tests/test_stage_identity.py`` compares it with pandas.
    """
    n = len(values)
    out = np.empty(n, dtype=np.uint64)
    spare = np.empty(min(n, _HASH_CHUNK), dtype=np.uint64)
    floats = values.dtype == np.dtype(float)
    for start in range(0, n, _HASH_CHUNK):
        chunk = values[start : start + _HASH_CHUNK]
        bits = out[start : start + len(chunk)]
        shifted = spare[: len(chunk)]
        if floats:
            bits[...] = chunk.view(np.uint64)
            np.copyto(bits, _NAN_BITS, where=np.isnan(chunk))
            np.copyto(bits, np.uint64(0), where=bits == _NEGATIVE_ZERO_BITS)
        else:
            bits[...] = chunk
        np.right_shift(bits, np.uint64(30), out=shifted)
        bits ^= shifted
        bits *= np.uint64(0xBF58476D1CE4E5B9)
        np.right_shift(bits, np.uint64(27), out=shifted)
        bits ^= shifted
        bits *= np.uint64(0x94D049BB133111EB)
        np.right_shift(bits, np.uint64(31), out=shifted)
        bits ^= shifted
    return out


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_FILE_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def path_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (a ``.gdb``): names and contents."""
    if not path.is_dir():
        return file_hash(path)
    digest = hashlib.sha256()
    for member in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(member.relative_to(path).as_posix().encode("utf-8") + b"\0")
        digest.update(bytes.fromhex(file_hash(member)))
    return digest.hexdigest()


def _without_versions(value: Any) -> Any:
    """``value`` with every ``provenance.versions`` entry removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: (
                {k: _without_versions(v) for k, v in item.items() if k != "versions"}
                if key == "provenance" and isinstance(item, dict)
                else _without_versions(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_versions(item) for item in value]
    return value


def result_hash(result_json: str) -> str:
    """SHA-256 naming a result's content, independent of library versions.

    Parameters
    ----------
    result_json
        The result's JSON (its ``to_json()``).

    Returns
    -------
    str
        Hex digest of the canonical JSON of the content with every
        ``provenance.versions`` left out.
    """
    return content_hash(_without_versions(json.loads(result_json)))
