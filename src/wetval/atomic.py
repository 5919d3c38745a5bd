"""The one atomic file writer: a file is either fully written or not touched.

The content goes to a uniquely named temporary file in the target's folder
(so two writers never share one), is flushed to disk with ``fsync`` and then
moved over the target with :func:`os.replace`, which is atomic on POSIX and
Windows. On any error, including Ctrl-C, the temporary file is removed and the
target is left as it was.

Outputs are never replaced silently: :func:`check_new_file` refuses an
existing file unless asked to replace it, and :func:`write_folder` writes a
whole run (an assessment and its reports) into a staging folder beside the
target (``.NAME.partial-*``) and swaps it in whole, so a folder never mixes
two runs. :func:`output_error` turns an operating-system error (read-only
folder, disk full, a path that is a file) into one
:class:`~wetval.errors.OutputError` naming the path and the fix.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from wetval.errors import OutputError

__all__ = ["check_new_file", "check_run_folder", "output_error", "write_atomic", "write_folder"]

#: Fix to suggest per operating-system error number.
_FIXES = {
    errno.ENOSPC: "free space on the disk, or write elsewhere",
    errno.EDQUOT: "free space within your quota, or write elsewhere",
    errno.EACCES: "write into a folder you may write to, or change its permissions",
    errno.EPERM: "write into a folder you may write to, or change its permissions",
    errno.EROFS: "the file system is read-only; write elsewhere",
    errno.ENOTDIR: "a part of the path is a file, not a folder; name another path",
    errno.EISDIR: "the path is a folder; name a file inside it",
    errno.ENAMETOOLONG: "use a shorter path",
}

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


def output_error(error: OSError, target: Path, what: str = "output") -> OutputError:
    """One :class:`~wetval.errors.OutputError` for an OS error writing ``target``."""
    fix = _FIXES.get(error.errno or 0, "check the path, the permissions and the free space")
    return OutputError(
        f"cannot write the {what} {str(target)!r}: {error.strerror or error}; nothing was "
        f"written; fix: {fix}"
    )


def check_new_file(target: str | os.PathLike[str], *, force: bool, what: str = "output") -> Path:
    """Refuse, before any work, an output file that exists (unless ``force``) or cannot be one.

    Parameters
    ----------
    target
        The file to be written.
    force
        Allow replacing an existing file.
    what
        What the file is, for the message (e.g. ``"review record"``).

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    OutputError
        If ``target`` is a folder, a part of its folder is a file, or it
        exists and ``force`` is false.
    """
    target = Path(target)
    try:
        _check_new_file(target, what)
        exists = target.exists()
    except OSError as error:  # e.g. a name too long for the file system
        raise output_error(error, target, what) from None
    if exists and not force:
        raise OutputError(
            f"the {what} {str(target)!r} exists and would be replaced; nothing was written; "
            "fix: name a new file, or pass --force to replace it"
        )
    return target


def _check_new_file(target: Path, what: str) -> None:
    if target.is_dir():
        raise OutputError(
            f"the {what} {str(target)!r} is a folder; nothing was written; fix: name a file"
        )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(
                    f"cannot write the {what} {str(target)!r}: {str(parent)!r} is a file, "
                    "not a folder; nothing was written; fix: name another path"
                )
            break


def check_run_folder(
    target: str | os.PathLike[str], names: Callable[[str], bool], *, force: bool
) -> Path:
    """Refuse, before any work, an output folder that holds an earlier run (unless ``force``).

    Parameters
    ----------
    target
        The output folder.
    names
        Tells whether a file name belongs to a run (e.g. ``assessment.json``,
        ``report_zh.html``); with ``force`` a folder holding anything else is
        still refused, so replacing a run never deletes other files.
    force
        Allow replacing the earlier run.

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    OutputError
        If ``target`` is a file, or holds files and ``force`` is false, or
        holds files that are not a run's.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"the output folder {str(target)!r} is a file; nothing was written; fix: name a "
            "folder (new or empty)"
        )
    check_new_file(target / "_", force=True, what="output folder")  # a part of the path a file
    held = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    if held and not force:
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise OutputError(
            f"the output folder {str(target)!r} is not empty (holds {shown}): writing into it "
            "would mix this run with an earlier one; nothing was written; fix: name a new "
            "folder, or pass --force to replace the whole earlier run"
        )
    foreign = [name for name in held if not names(name)]
    if foreign:
        raise OutputError(
            f"the output folder {str(target)!r} holds files that are not part of a wetval run "
            f"({', '.join(foreign[:5])}); replacing the run would delete them; nothing was "
            "written; fix: name a new folder"
        )
    return target


def write_folder(
    target: str | os.PathLike[str],
    files: Mapping[str, bytes],
    *,
    force: bool,
    names: Callable[[str], bool] | Collection[str] | None = None,
) -> dict[str, Path]:
    """Write a whole folder of files at once: all of them, or nothing.

    The files are written into a staging folder beside ``target``
    (``.NAME.partial-*``) and the staging folder is renamed to ``target``.
    With ``force`` an earlier run in ``target`` is moved aside, the new one
    moved in and the earlier one deleted, so the folder never holds a mix of
    the two. On any error or interrupt (Ctrl-C; SIGTERM once the command line
    has turned it into an interrupt) the staging folder is removed and
    ``target`` is left as it was.

    Parameters
    ----------
    target
        The output folder (created with its parents if missing).
    files
        File name → content.
    force
        Replace an earlier run in ``target``.
    names
        Which file names belong to a run (see :func:`check_run_folder`);
        default: the names in ``files``.

    Returns
    -------
    dict
        File name → path written.

    Raises
    ------
    OutputError
        As :func:`check_run_folder`, or if the folder cannot be written
        (read-only, disk full, ...).
    """
    target = Path(target)
    if names is None:
        names = set(files)
    belongs = names if callable(names) else names.__contains__
    check_run_folder(target, belongs, force=force)
    staging: Path | None = None
    aside: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
        staging.chmod(0o777 & ~_current_umask())  # mkdtemp makes it private; the output is not
        for name, content in files.items():
            with (staging / name).open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        if target.is_dir() and any(target.iterdir()):
            aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            os.replace(target, aside / "run")
            try:
                os.replace(staging, target)
            except BaseException:
                os.replace(aside / "run", target)
                raise
        else:
            os.replace(staging, target)  # onto a missing or empty folder
        staging = None
    except OSError as error:
        raise output_error(error, target, "output folder") from None
    finally:
        for leftover in (staging, aside):
            if leftover is not None:
                shutil.rmtree(leftover, ignore_errors=True)
    return {name: target / name for name in files}
