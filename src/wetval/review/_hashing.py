"""The reference to the assessment under review, shared by the review modules."""

from __future__ import annotations

__all__ = ["assessment_reference"]


def assessment_reference(assessment: object) -> tuple[str, str]:
    """The hash and a display label of the assessment under review.

    Parameters
    ----------
    assessment
        The assessment's content hash as a string, or any object with a
        ``hash`` or ``report_id`` attribute (an ``Assessment`` or a report).
        The label is the object's ``title`` or ``name`` if it has one.

    Returns
    -------
    tuple
        ``(hash, label)``.

    Raises
    ------
    TypeError
        If no hash can be found, or it is empty or contains whitespace.
    """
    if isinstance(assessment, str):
        found: object = assessment
        label = ""
    else:
        found = getattr(assessment, "hash", None) or getattr(assessment, "report_id", None)
        label = str(getattr(assessment, "title", None) or getattr(assessment, "name", None) or "")
    if not isinstance(found, str):
        raise TypeError(
            "the assessment must be its hash (a string) or an object with a 'hash' or "
            f"'report_id' attribute; got {type(assessment).__name__}"
        )
    reference = found.strip()
    if not reference or any(ch.isspace() for ch in reference):
        raise TypeError(f"the assessment hash must be a non-empty word, got {reference!r}")
    return reference, label or reference[:12]
