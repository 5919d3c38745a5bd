"""What the partitioned stages share: the partition error and atomic result files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wetval.atomic import output_error, write_atomic
from wetval.errors import WetvalError

__all__ = ["PartitionError"]


class PartitionError(WetvalError):
    """A partition failed; the message names the partition and the rows.

    Attributes
    ----------
    partition
        Name of the partition.
    """

    def __init__(self, partition: str, message: str) -> None:
        super().__init__(f"partition {partition!r}: {message}")
        self.partition = partition
        self.detail = message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across Dask workers
        return (type(self), (self.partition, self.detail))


def _write(frame: pd.DataFrame, path: Path, *, csv: bool = False) -> None:
    """Write Parquet (or CSV) atomically: a partial file is never left behind.

    Raises
    ------
    wetval.errors.OutputError
        Naming the path and the fix (read-only folder, disk full, ...).
    """

    def content(temporary: Path) -> None:
        if csv:
            frame.to_csv(temporary, index=False, encoding="utf-8")
        else:
            frame.to_parquet(temporary)

    _atomic(path, content)


def _atomic(path: Path, content: bytes | Callable[[Path], None]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, content)
    except OSError as error:
        raise output_error(error, path, "batch result") from None
