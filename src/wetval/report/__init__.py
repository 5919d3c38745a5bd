"""Reports for expert review, rendered from results (methods never format output).

:func:`render` turns a :class:`~wetval.report.document.ReportDocument` into
HTML (self-contained: inline CSS, SVG charts and an embedded subset of the
bundled CJK font), PDF (A4, font embedded), Markdown or XLSX (one sheet per
table). :func:`write_reports` writes several formats atomically.

Rendering needs the ``report`` extra (``pip install 'wetval[report]'``:
jinja2 for HTML, reportlab for PDF).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from wetval.errors import DependencyError
from wetval.report.document import Figure, ReportDocument

if TYPE_CHECKING:
    from wetval.assess import Assessment
    from wetval.cards import Card
    from wetval.report.strings import Lang
    from wetval.review import ReviewRecord

__all__ = ["FORMATS", "export_assessment", "render", "write_reports"]

Format = Literal["html", "pdf", "md", "xlsx"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "md", "xlsx")


def render(document: ReportDocument, fmt: Format) -> bytes:
    """Render a report document in one format.

    Parameters
    ----------
    document
        The report.
    fmt
        ``"html"``, ``"pdf"``, ``"md"`` or ``"xlsx"``.

    Returns
    -------
    bytes
        The file content (text formats UTF-8 encoded).
    """
    if fmt == "html":
        try:
            import jinja2  # noqa: F401  (render_html imports it only when called)
        except ImportError:
            raise DependencyError("HTML reports", "report", "jinja2") from None
        from wetval.report.html import render_html

        return render_html(document).encode("utf-8")
    if fmt == "pdf":
        try:
            import reportlab  # noqa: F401
        except ImportError:
            raise DependencyError("PDF reports", "report", "reportlab") from None
        from wetval.report.pdf import render_pdf

        return render_pdf(document)
    if fmt == "md":
        from wetval.report.markdown import render_markdown

        return render_markdown(document).encode("utf-8")
    if fmt == "xlsx":
        from wetval.report.xlsx import render_xlsx

        return render_xlsx(document)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_reports(
    documents: Iterable[ReportDocument],
    directory: str | os.PathLike[str],
    *,
    stem: str = "report",
    formats: Iterable[Format] = FORMATS,
) -> dict[str, Path]:
    """Render documents in several formats and write them into ``directory`` atomically.

    Every file is rendered first into a temporary directory next to the
    target; only when all succeeded are they moved into place, so a failure
    never leaves a partial set of reports.

    Returns
    -------
    dict
        ``"{lang}.{fmt}"`` → written path (file name ``{stem}_{lang}.{fmt}``).
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    rendered: dict[str, tuple[str, bytes]] = {}
    formats = tuple(formats)
    for document in documents:
        for fmt in formats:
            rendered[f"{document.lang}.{fmt}"] = (
                f"{stem}_{document.lang}.{fmt}",
                render(document, fmt),
            )
    with tempfile.TemporaryDirectory(dir=target, prefix=".partial-") as staging:
        for name, content in rendered.values():
            (Path(staging) / name).write_bytes(content)
        written = {}
        for key, (name, _) in rendered.items():
            final = target / name
            (Path(staging) / name).replace(final)
            written[key] = final
    return written


def export_assessment(
    assessment: Assessment,
    directory: str | os.PathLike[str],
    *,
    formats: Iterable[Format] = ("html", "pdf", "xlsx"),
    languages: Iterable[Literal["zh", "en"]] = ("zh", "en"),
    review: ReviewRecord | None = None,
    legal: str | Card = "legal-jinxian",
    project_map: Figure | Callable[[Assessment, Lang], Figure | None] | None = None,
) -> dict[str, Path]:
    """Write an assessment's JSON and its reports into ``directory``, all or nothing.

    Everything is rendered in memory and written into a temporary directory
    beside the target first; a failure leaves no partial output. A new
    directory is moved into place whole; into an existing one each finished
    file is moved (replacing files of the same name).

    Parameters
    ----------
    assessment
        The assessment.
    directory
        Output directory.
    formats, languages
        Report formats and languages.
    review
        A completed review record of this assessment, for the report's appendix.
    legal, project_map
        The legal-basis card and the project's map, as for
        :func:`~wetval.report.build.build_document`.

    Returns
    -------
    dict
        ``"json"`` and ``"{lang}.{fmt}"`` → path.
    """
    from wetval.report.build import build_document

    target = Path(directory)
    files: dict[str, tuple[str, bytes]] = {
        "json": ("assessment.json", assessment.to_json(indent=1).encode("utf-8"))
    }
    formats = tuple(formats)
    for lang in languages:
        document = build_document(
            assessment, lang, review=review, legal=legal, project_map=project_map
        )
        for fmt in formats:
            files[f"{lang}.{fmt}"] = (f"report_{lang}.{fmt}", render(document, fmt))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output is not
    try:
        for name, content in files.values():
            (staging / name).write_bytes(content)
        if not target.exists():
            staging.rename(target)
        else:
            for name, _ in files.values():
                (staging / name).replace(target / name)
    finally:
        if staging.exists():
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
    return {key: target / name for key, (name, _) in files.items()}
