"""The one atomic file writer: a file is either fully written or not touched.

The content goes to a uniquely named temporary file in the target's folder
(so two writers never share one), is flushed to disk with ``fsync`` and then
moved over the target with :func:`os.replace`, which is atomic on POSIX and
Windows. On any error, including Ctrl-C, the temporary file is removed and the
target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomic"]

#: Permission bits of a new file before the process umask is applied.
_NEW_FILE_MODE = 0o666


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(target: str | os.PathLike[str], content: bytes | Callable[[Path], None]) -> Path:
    """Write a file atomically.

    Parameters
    ----------
    target
        The file to write; its folder must exist.
    content
        The bytes to write, or a function that writes the file at the
        temporary path it is given (e.g. ``frame.to_csv``); the temporary path
        keeps the target's extension.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=f".partial{target.suffix}"
    )
    os.close(handle)
    temporary = Path(name)
    try:
        if callable(content):
            content(temporary)
        else:
            temporary.write_bytes(content)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, _NEW_FILE_MODE & ~_current_umask())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
