"""Validated parcel and indicator tables.

:class:`ParcelTable` and :class:`IndicatorTable` are the entry points of
every computation: they validate once, collecting every problem into one
:class:`~wetval.errors.ValidationError`, and then hand plain numpy arrays to
the methods. Both are indexed by ``parcel_id`` and keep any extra columns the
caller supplied.

The canonical columns, the 三调 aliases they accept and the units are
documented in ``docs/data-contract.md``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from wetval.errors import DataQualityWarning, Problem, ProblemCollector
from wetval.hashing import frame_hash
from wetval.indicators import CATALOGUE, Direction, IndicatorCatalogue
from wetval.inventory import IndicatorCoverage, Inventory
from wetval.landclass import Scheme, classify, normalise_codes
from wetval.messages import Message, Term
from wetval.units import AREA_UNITS, AreaUnit, convert_area

__all__ = [
    "INDICATOR_ID_ALIASES",
    "LEVELS",
    "PARCEL_ALIASES",
    "ROLES",
    "IndicatorCoverage",
    "IndicatorTable",
    "ParcelTable",
]

#: Parcel roles in the wetland bank's work flow.
ROLES = ("existing", "reserve", "restoration", "occupation")
#: Wetland importance levels (湿地保护法 Art. 14).
LEVELS = ("national", "provincial", "general")

_ROLE_ALIASES = {
    "现有": "existing",
    "现状": "existing",
    "现有湿地": "existing",
    "后备": "reserve",
    "后备资源": "reserve",
    "湿地后备资源": "reserve",
    "修复": "restoration",
    "修复地块": "restoration",
    "占用": "occupation",
    "占用地块": "occupation",
}
_LEVEL_ALIASES = {
    "国家重要": "national",
    "国家重要湿地": "national",
    "国家级": "national",
    "国家级重要湿地": "national",
    "省级重要": "provincial",
    "省重要湿地": "provincial",
    "省级重要湿地": "provincial",
    "省级": "provincial",
    "一般": "general",
    "一般湿地": "general",
}

#: Accepted aliases (三调 DLTB field names and Chinese headers) of each
#: canonical parcel column, in order of preference. Matching ignores case.
PARCEL_ALIASES: dict[str, tuple[str, ...]] = {
    "parcel_id": ("BSM", "TBBH", "标识码", "图斑编号"),
    "land_class": ("DLBM", "地类编码"),
    "land_class_name": ("DLMC", "地类名称"),
    "location_code": ("ZLDWDM", "坐落单位代码"),
    "township": ("ZLDWMC", "坐落单位名称", "乡镇"),
    "ownership": ("QSXZ", "权属性质"),
    "data_year": ("SJNF", "数据年份"),
    "role": ("角色",),
    "wetland_level": ("SD_DJ", "湿地等级", "保护等级", "湿地管理分级"),
    # 林草湿 fields merged into the 三调 base (自然资发〔2023〕53号)
    "important_wetland": ("ZYSD_BM", "重要湿地名称"),
    "wetland_use": ("SDLYFS", "湿地利用方式"),
    # the 田坎 deduction and field names that changed between survey years
    "deduction_coefficient": ("KCXS", "扣除系数"),
    "deducted_class": ("KCDLBM", "扣除地类编码"),
    "feature_width_m": ("XZDWKD", "XXTBKD", "线状地物宽度", "线性图斑宽度"),
    "planting_code": ("ZZSXDM", "GDZZSXDM", "种植属性代码"),
    "planting_name": ("ZZSXMC", "GDZZSXMC", "种植属性名称"),
    "township_code": ("乡镇代码",),
    "village_code": ("村代码",),
}
#: Optional canonical columns kept as text categories.
_OPTIONAL_TEXT = (
    "important_wetland",
    "wetland_use",
    "deducted_class",
    "planting_code",
    "planting_name",
    "township_code",
    "village_code",
)
#: Optional canonical columns holding numbers.
_OPTIONAL_NUMBERS = ("deduction_coefficient", "feature_width_m")
#: Where a row's ``area_m2`` came from (the ``area_source`` categories).
AREA_SOURCES = ("area_m2", "area_ha", "area_mu", "TBDLMJ", "TBMJ-KCMJ", "TBMJ")
#: Area inputs, in order of preference; each row takes the first available.
_AREA_FIELDS = ("area_m2", "area_ha", "area_mu", "TBDLMJ", "TBMJ", "KCMJ")
#: Aliases of the id column of an indicator table.
INDICATOR_ID_ALIASES = ("parcel_id", "BSM", "TBBH", "标识码", "图斑编号")

#: Columns whose values are codes and must be read as text (leading zeros).
TEXT_COLUMNS = frozenset(
    {"parcel_id", "land_class", "location_code", "ownership", "county_code"}
    | {
        alias.upper()
        for key in ("parcel_id", "land_class", "location_code", "ownership", *_OPTIONAL_TEXT)
        for alias in PARCEL_ALIASES[key]
    }
    | set(_OPTIONAL_TEXT)
    | set(INDICATOR_ID_ALIASES)
)

#: Rounding tolerance when comparing survey areas [m²]: 三调 areas carry two decimals.
AREA_TOLERANCE_M2 = 0.01

_CANONICAL_ORDER = (
    "land_class",
    "land_class_name",
    "area_m2",
    "area_source",
    "county_code",
    "location_code",
    "township",
    "township_code",
    "village_code",
    "ownership",
    "role",
    "wetland_level",
    "ecosystem",
    "project_id",
    "data_year",
)


def _resolve_aliases(
    columns: Iterable[Any], aliases: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Map each canonical name to the input column that provides it."""
    by_upper: dict[str, str] = {}
    for column in columns:
        by_upper.setdefault(str(column).strip().upper(), str(column))
    found: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            if name.upper() in by_upper:
                found[canonical] = by_upper[name.upper()]
                break
    return found


def _row_labels(frame: pd.DataFrame, first_row: int | None) -> np.ndarray:
    if first_row is None:
        return frame.index.to_numpy(dtype=object)
    return np.arange(first_row, first_row + len(frame))


#: Largest plausible area of one parcel [m²] (10,000 km², several times Poyang Lake).
MAX_PARCEL_AREA_M2 = 1e10


def _as_text(values: pd.Series) -> pd.Series:
    """Text (pandas string dtype) version of an id or code column; blanks become missing."""
    if pd.api.types.is_float_dtype(values.dtype):
        # ids read as floats (1.0) come from a numeric column with gaps
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    stripped = values.str.strip()
    return stripped.mask(stripped == "")


def _check_codes(codes: pd.Series, column: str, problems: ProblemCollector) -> None:
    """Administrative codes are digits only; Excel's scientific notation is named."""
    present = codes.notna().to_numpy()
    mangled = codes.str.fullmatch(r"\d(\.\d+)?[eE]\+?\d+").fillna(False).to_numpy(dtype=bool)
    problems.add_rows(
        mangled, column=column, values=codes,
        reason="a code written in scientific notation (Excel turned it into a number)",
        fix="re-export the column as text (in Excel: format the column as Text before pasting)",
    )  # fmt: skip
    digits = codes.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    problems.add_rows(
        present & ~digits & ~mangled, column=column, values=codes,
        reason="a code must be digits only", fix="correct the code (e.g. 360124100201)",
    )  # fmt: skip


def _category(values: pd.Series) -> pd.Categorical:
    """Categorical of a text column with sorted categories (missing stays missing)."""
    codes, uniques = pd.factorize(_as_text(values), use_na_sentinel=True, sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques))


#: Prefix of the parcel ids wetval's generator writes (``SYN000000001``).
SYNTHETIC_ID_PREFIX = "SYN"


def _is_synthetic(frame: pd.DataFrame, ids: pd.Series) -> bool:
    """Synthetic data: flagged in ``attrs``, or every id carries the generator's prefix.

    Files lose DataFrame attributes, so a SYNTHETIC export read back is
    recognised by its ids and stays labelled.
    """
    if frame.attrs.get("synthetic", False):
        return True
    present = ids.dropna()
    return bool(len(present)) and bool(present.str.startswith(SYNTHETIC_ID_PREFIX).all())


def _duplicated(ids: pd.Series) -> np.ndarray:
    """Mask of rows whose (present) id occurs more than once."""
    present = ids.notna().to_numpy()
    if pd.Index(ids[present]).is_unique:
        return np.zeros(len(ids), dtype=bool)
    return ids.duplicated(keep=False).to_numpy() & present


#: A number with thousands separators in groups of three, e.g. 1,234,567.5.
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"


def _to_numeric(values: pd.Series, column: str, problems: ProblemCollector) -> np.ndarray:
    """Parse numbers; list what does not parse, is not finite, or has a decimal comma.

    Commas are accepted only as thousands separators in groups of three
    (``1,234.5``); ``1234,5`` and ``1.234,5`` (a decimal comma) are refused
    rather than read as 12345 or 1.2345.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        problems.add_rows(
            np.isinf(numbers), column=column, values=values, reason="not a finite number",
            fix="enter the value as a plain finite number",
        )  # fmt: skip
        return numbers
    raw = _as_text(values)
    has_comma = raw.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    thousands = raw.str.match(_THOUSANDS).fillna(False).to_numpy(dtype=bool)
    decimal_comma = has_comma & ~thousands
    text = raw.str.replace(",", "", regex=False).mask(decimal_comma)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    problems.add_rows(
        decimal_comma, column=column, values=values,
        reason="a comma that is not a thousands separator (a decimal comma?)",
        fix="write numbers with a decimal point and no other separators, e.g. 1234.5",
    )  # fmt: skip
    problems.add_rows(
        np.isnan(numbers) & raw.notna().to_numpy() & ~decimal_comma, column=column,
        values=values, reason="not a number", fix="enter the value as a plain number",
    )  # fmt: skip
    problems.add_rows(
        np.isinf(numbers), column=column, values=values, reason="not a finite number",
        fix="enter the value as a plain finite number",
    )  # fmt: skip
    return numbers


def _categorical_with_aliases(
    values: pd.Series,
    allowed: Sequence[str],
    aliases: Mapping[str, str],
    column: str,
    problems: ProblemCollector,
) -> pd.Categorical[str]:
    positions, uniques = pd.factorize(_as_text(values), use_na_sentinel=True)
    lookup = []
    for unique in uniques:
        canonical = aliases.get(str(unique), str(unique).lower())
        lookup.append(allowed.index(canonical) if canonical in allowed else -2)
    codes = np.asarray([*lookup, -1], dtype=np.int64)[positions]
    problems.add_rows(
        codes == -2,
        column=column,
        values=values,
        reason=f"not one of {', '.join(allowed)}",
        fix=f"use one of {', '.join(allowed)} (or the Chinese terms "
        f"{', '.join(k for k in aliases)})",
    )
    return pd.Categorical.from_codes(np.maximum(codes, -1), categories=pd.Index(list(allowed)))


class ParcelTable:
    """A validated table of land parcels (三调 地类图斑 or any other source).

    Build one with :meth:`from_frame` or :func:`wetval.read_parcels`; never
    with the constructor. The table is indexed by ``parcel_id`` and holds the
    canonical columns below plus any extra columns the caller supplied.

    ==================  =====================================================
    column              meaning
    ==================  =====================================================
    ``land_class``      class code of the named scheme (三调 DLBM, as text)
    ``land_class_name`` 地类名称 as supplied (DLMC), cross-checked
    ``area_m2``         area [m²]: TBDLMJ, else TBMJ − KCMJ, else TBMJ
    ``area_source``     which field each row's area came from
    ``county_code``     6-digit county code (ZLDWDM[:6])
    ``location_code``   坐落单位代码 ZLDWDM
    ``township``        township (ZLDWMC)
    ``ownership``       权属性质 QSXZ, kept as the county's own code
    ``role``            existing | reserve | restoration | occupation
    ``wetland_level``   national | provincial | general
    ``ecosystem``       valuation ecosystem type overriding a card crosswalk
    ``project_id``      occupation or restoration project the parcel is in
    ==================  =====================================================
    """

    def __init__(
        self, frame: pd.DataFrame, scheme: Scheme, source: str | None, synthetic: bool = False
    ) -> None:
        self._frame = frame
        self.scheme = scheme
        self.source = source
        #: True when the data are synthetic (``frame.attrs["synthetic"]`` on input).
        self.synthetic = synthetic

    # ----------------------------------------------------------------- build
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        scheme: Scheme | Literal["sandiao", "yongdi_yonghai"] = "sandiao",
        source: str | None = None,
        first_row: int | None = None,
    ) -> ParcelTable:
        """Validate a DataFrame of parcels.

        Parameters
        ----------
        frame
            One row per parcel with canonical column names or 三调 aliases
            (``BSM``/``TBBH``, ``DLBM``, ``TBDLMJ``/``TBMJ``/``KCMJ``, ``QSXZ``,
            ``ZLDWDM``, ``ZLDWMC``). Code columns must be text.
        scheme
            Land-classification scheme of ``land_class``: ``"sandiao"`` (三调
            working classification, the default) or ``"yongdi_yonghai"``.
            It is never inferred from the codes.
        source
            Where the data came from, quoted in error messages.
        first_row
            Spreadsheet row number of the first record (2 for a file with one
            header line); errors then cite these numbers. By default errors
            cite the DataFrame's index labels.

        Returns
        -------
        ParcelTable

        Raises
        ------
        wetval.errors.ValidationError
            Listing every problem: missing required columns, missing or
            duplicate parcel ids, unknown land classes, missing, zero or
            negative areas, TBDLMJ > TBMJ, unknown roles or levels.
        """
        scheme = Scheme(scheme)
        problems = ProblemCollector(_row_labels(frame, first_row))
        resolved = _resolve_aliases(frame.columns, PARCEL_ALIASES)
        area_inputs = _resolve_aliases(frame.columns, dict.fromkeys(_AREA_FIELDS, ()))
        cls._check_required(frame, resolved, area_inputs, problems)
        problems.raise_if_any("parcel table", source)

        ids = _as_text(frame[resolved["parcel_id"]])
        problems.set_parcel_ids(ids)
        id_column = resolved["parcel_id"]
        problems.add_rows(
            ids.isna().to_numpy(),
            column=id_column,
            values=ids,
            reason="missing parcel id",
            fix="every parcel needs an identifier (BSM, TBBH or parcel_id)",
        )
        duplicated = _duplicated(ids)
        tbbh_hint = (
            " TBBH is numbered within each 坐落单位; supply BSM or a unique parcel_id instead."
            if id_column.upper() == "TBBH"
            else ""
        )
        problems.add_rows(
            duplicated,
            column=id_column,
            values=ids,
            reason="duplicate parcel id",
            fix="parcel ids must be unique." + tbbh_hint,
        )

        out: dict[str, Any] = {}
        land_class = cls._land_class(frame[resolved["land_class"]], scheme, problems, resolved)
        out["land_class"] = land_class
        if "land_class_name" in resolved:
            out["land_class_name"] = _category(frame[resolved["land_class_name"]])
        area, area_source, numbers = cls._area(frame, area_inputs, problems)
        out["area_m2"] = area
        out["area_source"] = area_source
        if "location_code" in resolved:
            location = _as_text(frame[resolved["location_code"]])
            _check_codes(location, resolved["location_code"], problems)
            out["location_code"] = location.array
        if "county_code" in frame.columns:
            out["county_code"] = _category(frame["county_code"])
        elif "location_code" in resolved:
            out["county_code"] = _category(location.str.slice(0, 6))
        if "township" in resolved:
            out["township"] = _category(frame[resolved["township"]])
        if "ownership" in resolved:
            out["ownership"] = _category(frame[resolved["ownership"]])
        if "role" in resolved:
            out["role"] = _categorical_with_aliases(
                frame[resolved["role"]], ROLES, _ROLE_ALIASES, resolved["role"], problems
            )
        if "wetland_level" in resolved:
            out["wetland_level"] = _categorical_with_aliases(
                frame[resolved["wetland_level"]],
                LEVELS,
                _LEVEL_ALIASES,
                resolved["wetland_level"],
                problems,
            )
        for optional in ("ecosystem", "project_id"):
            if optional in frame.columns:
                out[optional] = _category(frame[optional])
        if "data_year" in resolved:
            out["data_year"] = _to_numeric(frame[resolved["data_year"]], "data_year", problems)
        for key in _OPTIONAL_TEXT:
            if key in resolved:
                out[key] = _category(frame[resolved[key]])
        for key in _OPTIONAL_NUMBERS:
            if key in resolved:
                out[key] = _to_numeric(frame[resolved[key]], resolved[key], problems)
        cls._check_deductions(frame, resolved, area_inputs, numbers, out, problems)

        problems.raise_if_any("parcel table", source)

        used = set(resolved.values()) | set(area_inputs.values()) | set(out)
        index = pd.Index(ids.array, name="parcel_id")
        extras = {c: frame[c].array for c in frame.columns if c not in used}
        result = pd.DataFrame({**out, **extras}, index=index)
        if "land_class_name" in out:
            cls._cross_check_names(result, scheme, source)
        if type(frame).__name__ == "GeoDataFrame" and "geometry" in result.columns:
            import geopandas

            result = geopandas.GeoDataFrame(result, geometry="geometry", crs=frame.crs)
        return cls(result, scheme, source, synthetic=_is_synthetic(frame, ids))

    @staticmethod
    def _check_required(
        frame: pd.DataFrame,
        resolved: Mapping[str, str],
        area_inputs: Mapping[str, str],
        problems: ProblemCollector,
    ) -> None:
        found = ", ".join(map(str, frame.columns)) or "(none)"
        for required in ("parcel_id", "land_class"):
            if required not in resolved:
                accepted = ", ".join((required, *PARCEL_ALIASES[required]))
                problems.add(
                    Problem(
                        reason=f"required column {required!r} is missing "
                        f"(accepted names: {accepted}; columns found: {found})",
                        column=required,
                        fix=f"add or rename a column to one of: {accepted}",
                    )
                )
        usable = {"area_m2", "area_ha", "area_mu", "TBDLMJ", "TBMJ"}
        if not usable & set(area_inputs):
            problems.add(
                Problem(
                    reason="no area column (accepted: area_m2, area_ha, area_mu, TBDLMJ, "
                    f"TBMJ with optional KCMJ; columns found: {found})",
                    column="area_m2",
                    fix="add TBDLMJ (图斑地类面积, m²) or another accepted area column",
                )
            )

    @staticmethod
    def _land_class(
        raw: pd.Series, scheme: Scheme, problems: ProblemCollector, resolved: Mapping[str, str]
    ) -> pd.Categorical:
        column = resolved["land_class"]
        if pd.api.types.is_numeric_dtype(raw.dtype):
            problems.add(
                Problem(
                    reason="land-class codes were read as numbers, so leading zeros are lost "
                    "(0101 became 101) and some codes are ambiguous",
                    column=column,
                    value=str(raw.dtype),
                    fix="read the file with wetval.read_parcels, or pass the column as text "
                    "(pandas: dtype={'DLBM': str})",
                )
            )
            return pd.Categorical([None] * len(raw))
        positions, uniques = pd.factorize(_as_text(raw), use_na_sentinel=True)
        normalised = normalise_codes(pd.Series(uniques, dtype=object))
        merged, categories = pd.factorize(normalised, use_na_sentinel=True, sort=True)
        codes = pd.Categorical.from_codes(
            np.append(merged, -1)[positions], categories=pd.Index(categories, dtype=object)
        )
        info = classify(pd.Series(codes.categories, dtype=object), scheme)
        unknown = np.flatnonzero(~info["known"].to_numpy())
        problems.add_rows(
            codes.codes == -1,
            column=column,
            values=raw,
            reason="missing land-class code",
            fix="fill in the 地类编码 (DLBM)",
        )
        if len(unknown):
            other = Scheme.YONGDI_YONGHAI if scheme is Scheme.SANDIAO else Scheme.SANDIAO
            in_other = classify(pd.Series(codes.categories[unknown], dtype=object), other)
            hint = (
                f"; some of these codes exist in the {other.value} scheme: if the layer uses it, "
                f"pass scheme={other.value!r}"
                if in_other["known"].any()
                else ""
            )
            padded = classify(
                pd.Series(["0" + str(c) for c in codes.categories[unknown]], dtype=object), scheme
            )["known"].to_numpy()
            for category in unknown[padded]:  # one problem per distinct code, not per parcel
                problems.add_rows(
                    codes.codes == category, column=column, values=raw,
                    reason=f"unknown land class in the {scheme.value} scheme (leading zero lost?)",
                    fix=f"did you mean 0{codes.categories[category]}? Keep codes as text",
                )  # fmt: skip
            problems.add_rows(
                np.isin(codes.codes, unknown[~padded]),
                column=column,
                values=raw,
                reason=f"unknown land class in the {scheme.value} scheme",
                fix=f"correct the code (see wetval.landclass.catalogue({scheme.value!r})){hint}",
            )
        return codes

    @staticmethod
    def _area(
        frame: pd.DataFrame, inputs: Mapping[str, str], problems: ProblemCollector
    ) -> tuple[np.ndarray, pd.Categorical[str], dict[str, np.ndarray]]:
        n = len(frame)
        numbers = {key: _to_numeric(frame[col], col, problems) for key, col in inputs.items()}
        area = np.full(n, np.nan)
        source = np.full(n, -1, dtype=np.int8)  # codes into AREA_SOURCES
        explicit = [u for u in ("area_m2", "area_ha", "area_mu") if u in numbers]
        if explicit:
            unit = explicit[0]
            factor = AREA_UNITS[unit.removeprefix("area_")]
            area = numbers[unit] * factor
            source[:] = AREA_SOURCES.index(unit)
            column = inputs[unit]
        else:
            tbdlmj = numbers.get("TBDLMJ")
            tbmj = numbers.get("TBMJ")
            kcmj = numbers.get("KCMJ")
            if kcmj is not None:
                problems.add_rows(
                    kcmj < 0, column=inputs["KCMJ"], values=frame[inputs["KCMJ"]],
                    reason="KCMJ (扣除地类面积) is negative",
                    fix="KCMJ is an area deducted from TBMJ: 0 or more; correct the record",
                )  # fmt: skip
                if tbmj is not None:
                    problems.add_rows(
                        kcmj > tbmj + AREA_TOLERANCE_M2, column=inputs["KCMJ"],
                        values=frame[inputs["KCMJ"]],
                        reason="KCMJ (扣除地类面积) is larger than TBMJ (图斑面积)",
                        fix="the deducted area cannot exceed the parcel's area; correct either",
                    )  # fmt: skip
            if tbmj is not None:
                area = tbmj.copy()
                source[~np.isnan(tbmj)] = AREA_SOURCES.index("TBMJ")
                if kcmj is not None:
                    net = ~np.isnan(tbmj) & ~np.isnan(kcmj)
                    area[net] = tbmj[net] - kcmj[net]
                    source[net] = AREA_SOURCES.index("TBMJ-KCMJ")
            if tbdlmj is not None:
                has = ~np.isnan(tbdlmj)
                area[has] = tbdlmj[has]
                source[has] = AREA_SOURCES.index("TBDLMJ")
                if tbmj is not None:
                    over = has & (tbdlmj > tbmj + AREA_TOLERANCE_M2)
                    problems.add_rows(
                        over,
                        column=inputs["TBDLMJ"],
                        values=frame[inputs["TBDLMJ"]],
                        reason="TBDLMJ (图斑地类面积) is larger than TBMJ (图斑面积)",
                        fix="TBDLMJ = TBMJ − KCMJ can never exceed TBMJ; correct either field",
                    )
            column = inputs.get("TBDLMJ", inputs.get("TBMJ", "area_m2"))
        values = pd.Series(area)
        problems.add_rows(
            np.isnan(area),
            column=column,
            values=values,
            reason="missing area",
            fix="fill in TBDLMJ, or TBMJ and KCMJ",
        )
        problems.add_rows(
            ~np.isnan(area) & (area <= 0),
            column=column,
            values=values,
            reason="area is zero or negative",
            fix="areas must be positive; check the survey record (TBMJ − KCMJ if derived)",
        )
        problems.add_rows(
            np.isfinite(area) & (area > MAX_PARCEL_AREA_M2),
            column=column,
            values=values,
            reason=f"area above the plausible maximum of {MAX_PARCEL_AREA_M2:.0e} m² "
            "(10,000 km²) for one parcel",
            fix="check the unit (m², not cm² or a code) and the survey record",
        )
        source_codes = pd.Categorical.from_codes(source, categories=pd.Index(list(AREA_SOURCES)))
        return area, source_codes, numbers

    @staticmethod
    def _check_deductions(
        frame: pd.DataFrame,
        resolved: Mapping[str, str],
        area_inputs: Mapping[str, str],
        numbers: Mapping[str, np.ndarray],
        out: Mapping[str, Any],
        problems: ProblemCollector,
    ) -> None:
        """The 三调 deduction rules (TD/T 1055 质检): KCXS, KCDLBM, KCMJ, TBDLMJ.

        KCXS > 0 only on cultivated land (01xx) and only with KCDLBM set;
        KCMJ = TBMJ × KCXS and TBDLMJ = TBMJ − KCMJ, each to the survey's
        0.01 m² (plus the rounding of the other field).
        """
        tbmj, kcmj, tbdlmj = (numbers.get(k) for k in ("TBMJ", "KCMJ", "TBDLMJ"))
        tolerance = 2 * AREA_TOLERANCE_M2
        if tbmj is not None and kcmj is not None and tbdlmj is not None:
            off = np.abs(tbdlmj - (tbmj - kcmj)) > tolerance
            problems.add_rows(
                off, column=area_inputs["TBDLMJ"], values=frame[area_inputs["TBDLMJ"]],
                reason="TBDLMJ (图斑地类面积) differs from TBMJ − KCMJ by more than 0.02 m²",
                fix="TBDLMJ = TBMJ − KCMJ; correct TBDLMJ, TBMJ or KCMJ",
            )  # fmt: skip
        if "deduction_coefficient" not in out:
            return
        column = resolved["deduction_coefficient"]
        kcxs = np.asarray(out["deduction_coefficient"], dtype=float)
        positive = np.nan_to_num(kcxs) > 0
        land = out["land_class"]
        cultivated = (
            (pd.Series(np.asarray(land, dtype=object)).astype("string").str.startswith("01"))
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        problems.add_rows(
            positive & ~cultivated, column=column, values=frame[column],
            reason="KCXS (扣除系数) > 0 on land that is not cultivated (DLBM not 01xx)",
            fix="only 耕地 (01xx) has a 田坎 deduction: set KCXS to 0 or empty, KCMJ to 0",
        )  # fmt: skip
        problems.add_rows(
            (kcxs < 0) | (kcxs >= 1), column=column, values=frame[column],
            reason="KCXS (扣除系数) outside 0 ≤ KCXS < 1",
            fix="KCXS is a fraction of TBMJ (e.g. 0.068), not a percentage",
        )  # fmt: skip
        if "deducted_class" in out:
            has_class = pd.Series(out["deducted_class"]).notna().to_numpy()
        else:
            has_class = np.zeros(len(kcxs), dtype=bool)
        problems.add_rows(
            positive & ~has_class, column=resolved.get("deducted_class", "KCDLBM"),
            values=frame[column],
            reason="KCXS (扣除系数) > 0 but KCDLBM (扣除地类编码) is empty",
            fix="give the deducted strip's class in KCDLBM (1203 田坎) or set KCXS to 0",
        )  # fmt: skip
        if tbmj is not None and kcmj is not None:
            expected = np.round(tbmj * np.nan_to_num(kcxs), 2)
            off = np.abs(np.nan_to_num(kcmj) - expected) > tolerance
            problems.add_rows(
                off & ~np.isnan(tbmj), column=area_inputs["KCMJ"],
                values=frame[area_inputs["KCMJ"]],
                reason="KCMJ (扣除地类面积) differs from TBMJ × KCXS by more than 0.02 m²",
                fix="KCMJ = TBMJ × KCXS; correct KCMJ or KCXS",
            )  # fmt: skip

    @staticmethod
    def _cross_check_names(result: pd.DataFrame, scheme: Scheme, source: str | None) -> None:
        codes = result["land_class"].cat
        names = result["land_class_name"].cat
        # plain arrays: masking a Series indexed by a million string ids is ~25 ms a time
        code_codes, name_codes = codes.codes.to_numpy(), names.codes.to_numpy()
        present = (code_codes >= 0) & (name_codes >= 0)
        pairs = np.unique(
            code_codes[present].astype(np.int64) * (len(names.categories) + 1) + name_codes[present]
        )
        code_of = codes.categories[pairs // (len(names.categories) + 1)]
        name_of = names.categories[pairs % (len(names.categories) + 1)]
        official = classify(pd.Series(code_of, dtype=object), scheme)["name_zh"].to_numpy()
        given = np.asarray([str(n).strip() for n in name_of], dtype=object)
        mismatched = [(c, n) for c, n, o in zip(code_of, given, official, strict=True) if n != o]
        if mismatched:
            message = Message.of(
                "w_dlmc_mismatch",
                n=len(mismatched),
                scheme=scheme.value,
                source=source or Term("the_parcel_table", "the parcel table"),
                pairs=tuple(f"{code} = {name}" for code, name in mismatched[:20]),
            )
            warnings.warn(DataQualityWarning.of(message), stacklevel=4)

    # ------------------------------------------------------------- accessors
    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        origin = f" from {self.source}" if self.source else ""
        label = " SYNTHETIC" if self.synthetic else ""
        return (
            f"<ParcelTable{label}: {len(self):,} parcels, {self.area('ha').sum():,.2f} ha, "
            f"scheme={self.scheme.value}{origin}>"
        )

    @property
    def ids(self) -> pd.Index:
        """Parcel ids, in table order."""
        return self._frame.index

    @property
    def columns(self) -> list[str]:
        """Names of all columns (canonical and extra)."""
        return [str(c) for c in self._frame.columns]

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table as a DataFrame indexed by ``parcel_id``."""
        return self._frame.copy()

    def column(self, name: str) -> np.ndarray:
        """A read-only numpy array of one column, in table order.

        Raises
        ------
        KeyError
            If the table has no such column (the message lists the columns).
        """
        if name not in self._frame.columns:
            raise KeyError(f"the parcel table has no column {name!r}; it has: {self.columns}")
        values = np.asarray(self._frame[name])
        values = values.view() if values.base is not None else values.copy()
        values.flags.writeable = False
        return values

    def has(self, name: str) -> bool:
        """Whether the table has a column."""
        return name in self._frame.columns

    def codes(self, name: str) -> tuple[np.ndarray, pd.Index]:
        """Integer codes (−1 for missing) and the distinct values of a column.

        The fast way to map a categorical column (``land_class``,
        ``ecosystem``, ``township`` …) over a million parcels: work on the
        distinct values, then index with the codes.

        Raises
        ------
        KeyError
            If the table has no such column.
        """
        if name not in self._frame.columns:
            raise KeyError(f"the parcel table has no column {name!r}; it has: {self.columns}")
        values = self._frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return values.cat.codes.to_numpy(), pd.Index(values.cat.categories)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return codes, pd.Index(uniques)

    def area(self, unit: AreaUnit = "m2") -> np.ndarray:
        """Parcel areas [``unit``: ``"m2"``, ``"ha"`` or ``"mu"`` 亩]."""
        return convert_area(self.column("area_m2"), "m2", unit)

    @cached_property
    def _classes(self) -> pd.DataFrame:
        return classify(self._frame["land_class"], self.scheme)

    @property
    def category(self) -> np.ndarray:
        """Category of each parcel's land class (wetland/water/paddy/other)."""
        return self._classes["category"].to_numpy()

    @property
    def legal_wetland(self) -> np.ndarray:
        """Whether each parcel's land class is wetland under 湿地保护法 Art. 2."""
        return self._classes["legal_wetland"].to_numpy()

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the validated table (for provenance)."""
        return frame_hash(self._frame)

    def subset(self, selector: np.ndarray | pd.Series | Sequence[str] | pd.Index) -> ParcelTable:
        """A table of some parcels, by boolean mask or by ids (no re-validation).

        Parameters
        ----------
        selector
            Boolean mask over the rows, or parcel ids.
        """
        if isinstance(selector, np.ndarray | pd.Series) and selector.dtype == bool:
            frame = self._frame[np.asarray(selector)]
        else:
            wanted = pd.Index(selector)
            absent = wanted.difference(self._frame.index)
            if len(absent):
                raise KeyError(f"parcel ids not in the table: {list(absent[:20])}")
            frame = self._frame.loc[wanted]
        return ParcelTable(frame, self.scheme, self.source, self.synthetic)

    def inventory(self, indicators: IndicatorTable | None = None) -> Inventory:
        """Counts and areas by land class, category, township and role.

        Parameters
        ----------
        indicators
            If given, the inventory also reports indicator coverage.
        """
        return Inventory.build(self, indicators)


_Table = TypeVar("_Table", pd.DataFrame, pd.Series)


def positions_in(target: pd.Index, source: pd.Index) -> np.ndarray:
    """The position in ``source`` (unique labels) of each label of ``target``; −1 where absent.

    ``source.get_indexer(target)``; for Arrow text labels through Arrow's
    ``index_in`` (pandas would first copy both indexes to Python strings).
    """
    left = getattr(target.array, "_pa_array", None)
    right = getattr(source.array, "_pa_array", None)
    if left is None or right is None or left.type != right.type:
        return np.asarray(source.get_indexer(target), dtype=np.intp)
    found = pc.index_in(left, value_set=right)
    return np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.intp)


def owned_frame(columns: Mapping[str, Any], index: pd.Index) -> pd.DataFrame:
    """``pd.DataFrame(columns, index=index)``, wrapping its numpy columns without a copy.

    pandas would copy the float columns into one block; here every 1-D numpy
    column becomes a block of its own, as it is, when the frame may own it: it
    is writable and shares no memory with another column. A read-only array
    (a view of another table, a broadcast) or one sharing memory is copied, so
    a write to the frame never reaches anything else; extension arrays are
    copied as the constructor copies them (cheap: categorical codes, Arrow
    wrappers). The caller passes numpy arrays it made for this frame and keeps
    no other reference it writes through (under copy-on-write, views of other
    tables are read-only, so they are copied; without copy-on-write — pandas 2
    with the option off — this is the plain constructor). Values, dtypes and
    column order are those of the plain constructor.
    """
    if int(pd.__version__.split(".")[0]) < 3 and pd.get_option("mode.copy_on_write") is not True:
        return pd.DataFrame(columns, index=index)
    kept: list[np.ndarray] = []
    data: dict[str, Any] = {}
    for name, column in columns.items():
        if isinstance(column, pd.api.extensions.ExtensionArray):
            column = column.copy()
        elif isinstance(column, np.ndarray):
            if not column.flags.writeable or any(np.may_share_memory(column, k) for k in kept):
                column = column.copy()
            kept.append(column)
        data[name] = column
    return pd.DataFrame(data, index=index, copy=False)


def _with_metadata(result: _Table, source: pd.DataFrame | pd.Series) -> _Table:
    """``result`` with the ``attrs`` and flags of ``source``, as pandas' reindex keeps them."""
    result = result.set_flags(allows_duplicate_labels=source.flags.allows_duplicate_labels)
    result.attrs = copy.deepcopy(source.attrs)
    return result


def reindexed(values: pd.Series, ids: pd.Index) -> pd.Series:
    """``values.reindex(ids)``, for float columns on Arrow text ids without pandas' join.

    The same Series (float64, NaN where ``ids`` has a label ``values`` lacks,
    indexed by ``ids``); through :func:`positions_in` when ``values`` is float64
    with unique Arrow text labels, else by :meth:`pandas.Series.reindex` (which
    also raises for duplicate labels).
    """
    labels = getattr(values.index.array, "_pa_array", None)
    if values.dtype != np.dtype(float) or labels is None:
        return values.reindex(ids)
    if values.index.equals(ids):  # the same labels in the same order (as pandas checks first)
        return values.set_axis(ids)
    if pc.count_distinct(labels, mode="all").as_py() != len(labels):
        return values.reindex(ids)
    positions = positions_in(ids, values.index)
    absent = positions < 0
    taken = values.to_numpy()[np.where(absent, 0, positions)] if len(values) else None
    data = np.full(len(ids), np.nan) if taken is None else np.where(absent, np.nan, taken)
    return _with_metadata(pd.Series(data, index=ids, name=values.name), values)


class IndicatorTable:
    """A validated table of monitoring indicators, one row per parcel.

    Build one with :meth:`from_frame` or :func:`wetval.read_indicators`. The
    table is indexed by ``parcel_id``; each column is an indicator id of the
    catalogue (:data:`wetval.indicators.CATALOGUE` unless another is given),
    holding floats with NaN for missing values. Missing values are legal:
    the method card's missing-data policy decides what happens to them.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        catalogue: IndicatorCatalogue,
        source: str | None,
        synthetic: bool = False,
    ) -> None:
        self._frame = frame
        self.catalogue = catalogue
        self.source = source
        #: True when the data are synthetic (``frame.attrs["synthetic"]`` on input).
        self.synthetic = synthetic

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        catalogue: IndicatorCatalogue = CATALOGUE,
        source: str | None = None,
        first_row: int | None = None,
        extra: Literal["error", "ignore"] = "error",
    ) -> IndicatorTable:
        """Validate a DataFrame of indicator values.

        Parameters
        ----------
        frame
            One row per parcel: a ``parcel_id`` column (or ``BSM``/``TBBH``,
            or an index named ``parcel_id``) and one column per indicator id.
            Water-quality classes may be given as Roman numerals (``"III"``,
            ``"劣V"``).
        catalogue
            The indicator catalogue to validate against.
        source
            Where the data came from, quoted in error messages.
        first_row
            Spreadsheet row number of the first record, for error messages.
        extra
            What to do with columns that are not catalogue indicators:
            ``"error"`` (default) lists them as problems; ``"ignore"`` drops them.

        Raises
        ------
        wetval.errors.ValidationError
            Listing every problem: missing id column, missing or duplicate
            ids, unknown indicator columns, values that are not numbers,
            outside the indicator's valid range, or not whole where they must be.
        """
        if frame.index.name == "parcel_id":
            frame = frame.reset_index()
        problems = ProblemCollector(_row_labels(frame, first_row))
        id_column = _resolve_aliases(frame.columns, {"parcel_id": INDICATOR_ID_ALIASES[1:]})
        if "parcel_id" not in id_column:
            problems.add(
                Problem(
                    reason="required column 'parcel_id' is missing (accepted names: "
                    f"{', '.join(INDICATOR_ID_ALIASES)}; columns found: "
                    f"{', '.join(map(str, frame.columns))})",
                    column="parcel_id",
                    fix="add a parcel_id column matching the parcel table's ids",
                )
            )
            problems.raise_if_any("indicator table", source)
        ids = _as_text(frame[id_column["parcel_id"]])
        problems.set_parcel_ids(ids)
        problems.add_rows(
            ids.isna().to_numpy(),
            column=id_column["parcel_id"],
            values=ids,
            reason="missing parcel id",
            fix="every row needs the parcel's id",
        )
        problems.add_rows(
            _duplicated(ids),
            column=id_column["parcel_id"],
            values=ids,
            reason="duplicate parcel id",
            fix="give one row per parcel (aggregate repeated surveys first)",
        )

        values: dict[str, np.ndarray] = {}
        for column in frame.columns:
            if column == id_column["parcel_id"]:
                continue
            name = str(column).strip()
            if name not in catalogue:
                if extra == "error":
                    problems.add(
                        Problem(
                            reason="not an indicator of the catalogue",
                            column=name,
                            fix="rename it to a catalogue id ("
                            + ", ".join(catalogue)
                            + "), drop it, pass extra='ignore', or extend the catalogue",
                        )
                    )
                continue
            values[name] = cls._parse(frame[column], name, catalogue, problems)
        problems.raise_if_any("indicator table", source)
        result = pd.DataFrame(values, index=pd.Index(ids.array, name="parcel_id"))
        return cls(result, catalogue, source, synthetic=_is_synthetic(frame, ids))

    @staticmethod
    def _parse(
        raw: pd.Series, name: str, catalogue: IndicatorCatalogue, problems: ProblemCollector
    ) -> np.ndarray:
        indicator = catalogue[name]
        if indicator.labels and not pd.api.types.is_numeric_dtype(raw.dtype):
            positions, uniques = pd.factorize(raw, use_na_sentinel=True)
            parsed = []
            for unique in uniques:
                key = str(unique).strip().upper()
                label = indicator.labels.get(key, indicator.labels.get(str(unique).strip()))
                parsed.append(str(label) if label is not None else str(unique))
            raw = pd.Series(np.asarray([*parsed, None], dtype=object)[positions])
        numbers = _to_numeric(raw, name, problems)
        present = ~np.isnan(numbers)
        outside = present & ((numbers < indicator.low) | (numbers > indicator.high))
        problems.add_rows(
            outside,
            column=name,
            values=numbers,
            reason=f"outside the valid range {indicator.low:g}–{indicator.high:g} "
            f"[{indicator.unit}]",
            fix=f"check the unit: {indicator.name_en} is in {indicator.unit}",
        )
        if indicator.integer:
            fractional = present & ~outside & (numbers != np.round(numbers))
            problems.add_rows(
                fractional,
                column=name,
                values=numbers,
                reason="must be a whole number",
                fix=f"{indicator.name_en} is a count or class",
            )
        return numbers

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        label = " SYNTHETIC" if self.synthetic else ""
        return (
            f"<IndicatorTable{label}: {len(self):,} parcels × {len(self.indicator_ids)} indicators>"
        )

    @property
    def ids(self) -> pd.Index:
        """Parcel ids, in table order."""
        return self._frame.index

    @property
    def indicator_ids(self) -> list[str]:
        """The indicator columns present."""
        return [str(c) for c in self._frame.columns]

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table as a DataFrame indexed by ``parcel_id``."""
        return self._frame.copy()

    def values(self, indicator_id: str) -> np.ndarray:
        """Read-only float array of one indicator (NaN where missing)."""
        if indicator_id not in self._frame.columns:
            raise KeyError(
                f"the indicator table has no {indicator_id!r}; it has: {self.indicator_ids}"
            )
        array = self._frame[indicator_id].to_numpy(dtype=float, copy=True)
        array.flags.writeable = False
        return array

    def values_at(self, indicator_id: str, positions: np.ndarray) -> np.ndarray:
        """One indicator at rows ``positions`` of this table, NaN where a position is −1.

        ``aligned(parcels).values(indicator_id)`` for ``positions =
        positions_in(parcels.ids, self.ids)``, without re-indexing the whole table
        (a new, writable float array).
        """
        float64 = self._frame.dtypes.get(indicator_id) == np.dtype(float)
        values = self._frame[indicator_id].to_numpy() if float64 else self.values(indicator_id)
        if not len(values):
            return np.full(len(positions), np.nan)
        absent = positions < 0
        taken = values[np.where(absent, 0, positions)]
        taken[absent] = np.nan
        return taken

    def direction(self, indicator_id: str) -> Direction:
        """The direction of an indicator, from the catalogue."""
        return self.catalogue[indicator_id].direction

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the validated table (for provenance)."""
        return frame_hash(self._frame)

    def aligned(self, parcels: ParcelTable) -> IndicatorTable:
        """Return this table re-indexed to the parcel table's ids and order.

        Parcels without a row get NaN everywhere; rows for unknown parcels are
        dropped (see :meth:`coverage` to report both).
        """
        source = self._frame
        positions = positions_in(parcels.ids, source.index)
        if len(positions) and bool((positions >= 0).all()):
            # every parcel has a row: the reindex's rows, taken by position
            frame = source.take(positions)
            frame.index = parcels.ids
        elif len(positions) and all(t == np.dtype(float) for t in source.dtypes):
            # the reindex of float columns by position: NaN where a parcel has no row
            absent = positions < 0
            take = np.where(absent, 0, positions)
            columns = {
                c: np.where(absent, np.nan, source[c].to_numpy()[take]) for c in source.columns
            }
            frame = pd.DataFrame(columns, index=parcels.ids, columns=source.columns)
            frame = _with_metadata(frame, source)
        else:
            frame = source.reindex(parcels.ids)
        return IndicatorTable(frame, self.catalogue, self.source, self.synthetic)

    def coverage(self, parcels: ParcelTable) -> IndicatorCoverage:
        """Report how this table covers ``parcels``.

        Parameters
        ----------
        parcels
            The parcel table to join to.

        Returns
        -------
        IndicatorCoverage
        """
        aligned = self._frame.reindex(parcels.ids)
        present = aligned.notna().to_numpy()
        area = parcels.area("m2")
        total_area = area.sum()
        rows = []
        for position, ident in enumerate(aligned.columns):
            has = present[:, position]
            rows.append(
                {
                    "indicator": ident,
                    "parcels": int(has.sum()),
                    "parcel_share": float(has.mean()) if len(has) else 0.0,
                    "area_share": float(area[has].sum() / total_area) if total_area else 0.0,
                }
            )
        by_indicator = pd.DataFrame.from_records(
            rows, columns=["indicator", "parcels", "parcel_share", "area_share"]
        ).set_index("indicator")
        has_any = np.asarray(present.any(axis=1), dtype=bool).reshape(len(aligned))
        without = parcels.ids[~has_any]
        unknown = self._frame.index.difference(parcels.ids, sort=False)
        return IndicatorCoverage(by_indicator, without, unknown)
