"""Reports for expert review, rendered from results (methods never format output).

:func:`render` turns a :class:`~wetval.report.document.ReportDocument` into
HTML (self-contained: inline CSS, SVG charts and an embedded subset of the
bundled CJK font), PDF (A4, font embedded), Markdown or XLSX (one sheet per
table). :func:`write_reports` writes an assessment's JSON and reports, or
already built documents, in several formats atomically.

Rendering needs the ``report`` extra (``pip install 'wetval[report]'``:
jinja2 for HTML, reportlab for PDF).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from wetval._deprecation import forward
from wetval.boundary import accept
from wetval.errors import DependencyError
from wetval.report.document import Figure, ReportDocument

if TYPE_CHECKING:
    from wetval.assess import Assessment
    from wetval.cards import Card
    from wetval.review import ReviewRecord
    from wetval.strings import Lang

__all__ = ["FORMATS", "is_run_file", "render", "write_reports"]

#: The files one run of :func:`write_reports` for an assessment writes.
_RUN_FILE = re.compile(r"assessment\.json|report_(zh|en)\.(html|pdf|md|xlsx)")

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
    source: Assessment | ReportDocument | Iterable[ReportDocument],
    directory: str | os.PathLike[str],
    *,
    formats: Iterable[Format] | None = None,
    languages: Iterable[Literal["zh", "en"]] = ("zh", "en"),
    review: ReviewRecord | None = None,
    stem: str = "report",
    force: bool = False,
    legal: str | Card = "legal-jinxian",
    project_map: Figure | Callable[[Assessment, Lang], Figure | None] | None = None,
) -> dict[str, Path]:
    """Write reports into ``directory``, all or nothing: the user's last step.

    Parameters
    ----------
    source
        An assessment (:func:`wetval.assess`): its JSON (``assessment.json``)
        and a report per language and format are written. Or documents
        already built (:func:`wetval.report.build.build_document`): each is
        rendered in every format.
    directory
        Output directory (created if missing).
    formats
        Report formats; default ``html``, ``pdf`` and ``xlsx`` for an
        assessment, every format (:data:`FORMATS`) for documents.
    languages, review
        For an assessment: report languages, and a completed review record of
        it for the report's appendix.
    stem
        For documents: file names are ``{stem}_{lang}.{fmt}`` (an assessment's
        reports are always ``report_{lang}.{fmt}`` beside ``assessment.json``).
    force
        For an assessment: replace an earlier run in ``directory`` (only a folder
        holding nothing but a run's files), whole.
    legal, project_map
        For an assessment: the legal-basis card and the project's map, as for
        :func:`~wetval.report.build.build_document`.

    Returns
    -------
    dict
        ``"{lang}.{fmt}"`` (and ``"json"`` for an assessment) → written path.
    """
    if isinstance(source, ReportDocument):
        return _write_documents(
            [source], directory, stem=stem, formats=FORMATS if formats is None else formats
        )
    if hasattr(source, "to_json") and hasattr(source, "spec"):
        return _write_assessment(
            source,  # type: ignore[arg-type]
            directory,
            formats=("html", "pdf", "xlsx") if formats is None else formats,
            languages=languages,
            review=review,
            force=force,
            legal=legal,
            project_map=project_map,
        )
    documents = (
        list(source) if isinstance(source, Iterable) and not isinstance(source, str | bytes) else []
    )
    if not documents or not all(isinstance(document, ReportDocument) for document in documents):
        from wetval.assess import Assessment

        accept(source, (Assessment, ReportDocument), "source")
    return _write_documents(
        documents, directory, stem=stem, formats=FORMATS if formats is None else formats
    )


def _write_documents(
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


def is_run_file(name: str) -> bool:
    """Whether a file name is one :func:`write_reports` writes for an assessment."""
    return _RUN_FILE.fullmatch(name) is not None


def _write_assessment(
    assessment: Assessment,
    directory: str | os.PathLike[str],
    *,
    formats: Iterable[Format] = ("html", "pdf", "xlsx"),
    languages: Iterable[Literal["zh", "en"]] = ("zh", "en"),
    review: ReviewRecord | None = None,
    force: bool = False,
    legal: str | Card = "legal-jinxian",
    project_map: Figure | Callable[[Assessment, Lang], Figure | None] | None = None,
) -> dict[str, Path]:
    """Write an assessment's JSON and its reports into ``directory``, all or nothing.

    Everything is rendered in memory and written into a staging folder beside
    the target first (:func:`wetval.atomic.write_folder`); the staging folder
    is then moved into place whole, so a failure or an interrupt leaves no
    partial output and the folder never mixes two runs.

    Parameters
    ----------
    assessment
        The assessment.
    directory
        Output directory: new or empty, or (with ``force``) holding an
        earlier run, which is replaced whole.
    formats, languages
        Report formats and languages.
    review
        A completed review record of this assessment, for the report's appendix.
    force
        Replace an earlier run in ``directory`` (only a folder holding nothing
        but a run's files: ``assessment.json`` and ``report_*``).
    legal, project_map
        The legal-basis card and the project's map, as for
        :func:`~wetval.report.build.build_document`.

    Returns
    -------
    dict
        ``"json"`` and ``"{lang}.{fmt}"`` → path.

    Raises
    ------
    OutputError
        If ``directory`` is a file, holds an earlier run and ``force`` is
        false, holds other files, or cannot be written (read-only, disk full).
    """
    from wetval.assess import Assessment
    from wetval.atomic import check_run_folder, write_folder
    from wetval.boundary import accept
    from wetval.report.build import build_document

    assessment = accept(assessment, Assessment, "assessment")

    target = Path(directory)
    check_run_folder(target, is_run_file, force=force)  # before rendering: fail fast
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
    write_folder(target, dict(files.values()), force=force, names=is_run_file)
    return {key: target / name for key, (name, _) in files.items()}


#: The old name, kept for one release (deprecated): the step's verb is ``write_reports``.
__getattr__ = forward(__name__, {"export_assessment": f"{__name__}:write_reports"})
