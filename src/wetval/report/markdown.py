"""Render a report document as Markdown (charts embedded as PNG data URIs)."""

from __future__ import annotations

import base64

from wetval.report.document import (
    Facts,
    Figure,
    Paragraph,
    ReportDocument,
    ReviewBlock,
    SignOff,
    TableBlock,
)

__all__ = ["render_markdown"]

_TONE_PREFIX = {
    "normal": "",
    "note": "> **Note.** ",
    "warning": "> **⚠** ",
    "synthetic": "> **SYNTHETIC** ",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(block: TableBlock, more_rows: str = "… {n} more rows ({sheet})") -> list[str]:
    frame = block.printed()
    columns = [str(c) for c in frame.columns]
    lines = [
        f"**{block.caption}**",
        "",
        "| " + " | ".join(map(_cell, columns)) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in block.shown(frame):  # the decimals of TableBlock.display, as in HTML and XLSX
        lines.append("| " + " | ".join(map(_cell, row)) + " |")
    hidden = len(block.frame) - len(frame)
    if hidden > 0:
        lines += ["", more_rows.format(n=hidden, sheet=block.title)]
    return lines


def render_markdown(document: ReportDocument) -> str:
    """Render ``document`` as Markdown text."""
    lines = [f"# {document.title}", "", f"*{document.subtitle}*", ""]
    lines += [f"- **{label}:** {value}" for label, value in document.cover.items]
    for number, section in enumerate(document.sections, start=1):
        lines += ["", f"## {number}. {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [_TONE_PREFIX[block.tone] + block.text, ""]
            elif isinstance(block, Facts):
                lines += [f"- **{label}:** {value}" for label, value in block.items] + [""]
            elif isinstance(block, TableBlock):
                lines += [*_table(block, document.label("more_rows")), ""]
            elif isinstance(block, Figure):
                data = base64.b64encode(block.png).decode("ascii")
                lines += [
                    f"![{block.caption}](data:image/png;base64,{data})",
                    "",
                    f"*{block.caption}*",
                    "",
                ]
            elif isinstance(block, SignOff):
                lines += [f"**{block.title}**", ""]
                lines += [
                    f"- {role}: " + "　".join(f"{field} ________" for field in fields)
                    for role, fields in block.lines
                ]
                lines += ["", f"（{block.seal}）" if block.seal else "", ""]
            elif isinstance(block, ReviewBlock):
                lines += [
                    block.instructions,
                    "",
                    "| "
                    + " | ".join(
                        document.label(key)
                        for key in (
                            "form_number",
                            "form_criterion",
                            "form_weight",
                            "form_score",
                            "form_comments",
                        )
                    )
                    + " |",
                    "|---|---|---|---|---|",
                ]
                lines += [
                    f"| {i} | {label} | {weight:.2f} |  |  |"
                    for i, (_, label, weight) in enumerate(block.criteria, start=1)
                ]
                lines += ["", " ".join(f"□ {d}" for d in block.decisions), ""]
                lines += [
                    f"{document.label('form_signature')}: ____________________"
                ] * block.signature_lines
    lines += ["", "---", f"{document.footer} · {document.report_id}", ""]
    return "\n".join(lines)
