"""Controlled vocabulary of expert fields (专业领域).

The Jinxian plan (进府办发〔2023〕35号, 五(三)) asks for an expert pool in
economics and finance, wetlands and ecology/environment; the plan's other
sections add the fields the centre's work touches (asset appraisal,
accounting and audit, law, restoration engineering, surveying). Every field
has an id used in files and cards and labels in Chinese and English; files
may use any of the three.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from wetval.messages import Bilingual

__all__ = [
    "FIELDS",
    "Field",
    "field_ids",
    "field_labels",
    "normalise_name",
    "parse_fields",
    "split_list",
]


@dataclass(frozen=True)
class Field:
    """One expert field.

    Attributes
    ----------
    id
        Identifier used in files, cards and rules (lower case, ``_``).
    zh, en
        Labels.
    """

    id: str
    zh: str
    en: str


#: The fields, in the order reports list them.
FIELDS: tuple[Field, ...] = (
    Field("economics_finance", "经济金融", "economics and finance"),
    Field("wetland", "湿地", "wetland"),
    Field("ecology_environment", "生态环境", "ecology and environment"),
    Field("asset_appraisal", "资产评估", "asset appraisal"),
    Field("accounting_audit", "会计审计", "accounting and audit"),
    Field("law", "法律", "law"),
    Field("engineering", "工程", "engineering (restoration and water works)"),
    Field("hydrology", "水文水资源", "hydrology and water resources"),
    Field("forestry", "林业", "forestry"),
    Field("surveying", "国土调查与测绘", "land survey and mapping"),
)

_LOOKUP: dict[str, str] = {}
for _field in FIELDS:
    for _label in (_field.id, _field.zh, _field.en):
        _LOOKUP[unicodedata.normalize("NFKC", _label).strip().casefold()] = _field.id


def field_labels(ids: Iterable[str]) -> tuple[Bilingual, ...]:
    """The fields' labels in both languages (an unknown id shown as it is)."""
    labels = {f.id: Bilingual(f.zh, f.en) for f in FIELDS}
    return tuple(labels.get(i, Bilingual(i, i)) for i in ids)


#: Separators accepted between list items in one spreadsheet cell.
_SEPARATORS = re.compile(r"[;；,，、|/\n]+")


def field_ids() -> tuple[str, ...]:
    """Ids of all fields, in report order."""
    return tuple(f.id for f in FIELDS)


def split_list(cell: object) -> tuple[str, ...]:
    """Split a spreadsheet cell holding a list (``"湿地；生态环境"``) into items.

    Items are separated by ``;``, ``,``, ``、``, ``|``, ``/`` (half or full
    width) or line breaks; blanks are dropped. Empty and missing cells give ``()``.
    """
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ()
    if isinstance(cell, list | tuple):
        items: Iterable[object] = cell
    else:
        items = _SEPARATORS.split(str(cell))
    return tuple(text for text in (str(item).strip() for item in items) if text)


def parse_fields(cell: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Field ids named in a cell, and the labels that are not fields.

    Parameters
    ----------
    cell
        A list or a cell such as ``"经济金融、湿地"`` or ``"wetland; law"``.

    Returns
    -------
    tuple
        ``(field ids in report order, unknown labels)``.
    """
    known: set[str] = set()
    unknown: list[str] = []
    for item in split_list(cell):
        key = unicodedata.normalize("NFKC", item).strip().casefold()
        if key in _LOOKUP:
            known.add(_LOOKUP[key])
        else:
            unknown.append(item)
    return tuple(f for f in field_ids() if f in known), tuple(unknown)


def normalise_name(name: str) -> str:
    """An organisation or place name reduced for matching.

    Full-width characters become half-width (NFKC), case and all whitespace
    are dropped, so ``"示意大学 "`` and ``"示意大学"`` match. Different
    names for the same body (abbreviations, old names) do not match: declare
    each in the expert's conflicts.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()
