"""The project file: the assessment's specification, read from TOML.

:class:`AssessmentSpec` and its sections describe one assessment (who it is
for, where the data come from, which cards, which options, which reports).
:func:`load_spec` reads it from a project file (see
``docs/example-project.toml`` and ``docs/assessment.md``) and refuses every
unknown key anywhere in the file, naming the file, the dotted key, the valid
keys and the nearest one.

This module is a foundation: it imports nothing above tables and errors, so
:func:`wetval.datasets.sample_project` can build a spec without importing the
assessment. :func:`wetval.assess.check_spec` and :func:`wetval.assess.assess`
consume it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wetval.errors import WetvalError
from wetval.hashing import frame_hash
from wetval.tables import IndicatorTable, ParcelTable

__all__ = [
    "SAMPLE_SOURCE",
    "AssessmentSpec",
    "CardSpec",
    "DataSpec",
    "FootprintSpec",
    "ImportantWetlandSpec",
    "LedgerLike",
    "OptionSpec",
    "PlanSpec",
    "ProjectSpec",
    "ReportSpec",
    "SpecError",
    "load_spec",
]

#: The data source naming wetval's SYNTHETIC sample county instead of a file.
SAMPLE_SOURCE = "sample"


class SpecError(WetvalError):
    """A project file or specification is malformed (names the file and each key)."""


@runtime_checkable
class LedgerLike(Protocol):
    """What a spec accepts as a ledger passed from Python (a ``QuotaLedger``).

    A protocol, not an import, so the spec stays below the quota package
    (the same rule as D12).
    """

    @property
    def hash(self) -> str:
        """Content hash of the ledger."""
        ...

    def available(self, account: str) -> Decimal:
        """Units available in an account [quota units]."""
        ...


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class ProjectSpec(_Model):
    """Who and what the assessment is for.

    Attributes
    ----------
    name
        Project name as printed on the report.
    applicant
        The occupying party (建设单位) or the party asking for the assessment.
    assessor
        The appraisal firm or the centre's assessor.
    township
        Township of the occupation, if one.
    occupation_project
        ``project_id`` of the occupation project whose quota need is priced; ``None``
        prices the credit pool alone.
    restoration_projects
        ``project_id``s of the restoration projects supplying credits; ``None``
        uses every restoration parcel (the county's credit pool).
    date
        Assessment (valuation) date.
    description
        Free text for the report.
    """

    name: str
    applicant: str
    assessor: str
    township: str | None = None
    occupation_project: str | None = None
    restoration_projects: tuple[str, ...] | None = None
    date: dt.date
    description: str = ""


class PlanSpec(_Model):
    """A restoration design: its bill of quantities and planting list.

    Attributes
    ----------
    name
        Plan name.
    project_id
        The restoration project whose parcels the plan covers.
    quantities
        Path to a CSV/XLSX bill of quantities (columns ``item``, ``unit``,
        ``quantity``, ``unit_cost`` [CNY per unit]) or the rows inline.
    species
        Planting list (scientific or Chinese names).
    compensation, om_per_year
        Compensation to rights holders [CNY] and O&M [CNY/yr], if known.
    price_year
        Price year of the unit costs.
    """

    name: str
    project_id: str
    quantities: str | tuple[dict[str, Any], ...]
    species: tuple[str, ...]
    compensation: float | None = None
    om_per_year: float | None = None
    price_year: int | None = None


class FootprintSpec(_Model):
    """A footprint the assessment overlays on the parcels (压占分析).

    Attributes
    ----------
    path
        The occupation's 用地红线 or the restoration sites' boundaries: a
        spatial file (GPKG, SHP, ``.gdb`` folder or ``.gdb.zip``, GeoParquet)
        relative to the project file, or a GeoDataFrame from Python; CGCS2000.
    layer
        Layer of ``path`` (default: the only layer).
    role
        ``"occupation"`` (its pieces are the occupied parcels) or
        ``"restoration"`` (its pieces are the restoration parcels).
    project_id, project_field
        One project id for the whole footprint, or the footprint column with
        each feature's project id; exactly one of the two.
    control_area_m2
        The red line's control area (控面) [m²]: the pieces' areas are scaled to
        sum to it and the adjustment is reported.
    """

    path: str | pd.DataFrame
    layer: str | None = None
    role: Literal["occupation", "restoration"]
    project_id: str | None = None
    project_field: str | None = None
    control_area_m2: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_project_key(self) -> FootprintSpec:
        if (self.project_id is None) == (self.project_field is None):
            raise ValueError(
                "give exactly one of project_id (one project for the whole footprint) "
                "and project_field (the footprint column holding each feature's project id)"
            )
        return self


class ImportantWetlandSpec(_Model):
    """The important-wetland polygons that set each occupied piece's wetland level.

    Attributes
    ----------
    path, layer
        A spatial file (relative to the project file) or a GeoDataFrame, and its layer.
    level_field
        Column with the level (national / provincial / general or 国家重要湿地 …).
    name_field
        Column with the important wetland's name, if any.
    """

    path: str | pd.DataFrame
    layer: str | None = None
    level_field: str = "wetland_level"
    name_field: str | None = None


class DataSpec(_Model):
    """Where the data come from.

    ``parcels`` and ``indicators`` are file paths (relative to the project
    file), ``"sample"`` for the SYNTHETIC sample county, or tables passed
    directly when calling from Python. A parcel file that is a File
    Geodatabase (``.gdb`` folder, ``.gdb.zip``), GeoPackage or Shapefile is
    read with its geometry (:func:`wetval.spatial.read_dltb`, ``layer``
    naming the DLTB layer). ``ledger`` is a quota ledger file
    (``QuotaLedger.to_json()``) or a ledger: with it, the balance matches
    only the units the ledger holds available. ``registry`` is instead the
    SQLAlchemy URL of a wetval registry (``sqlite:///jinxian.db``, a relative
    file path taken from the project file's folder; ``postgresql+psycopg://…``):
    the balance then matches only the units the registry shows available
    (released, not debited, not pledged). A spec gives at most one of the two.

    With ``footprints`` the assessment overlays each footprint on the
    parcels first (:func:`wetval.spatial.overlay`): the pieces become the
    occupied and restoration parcels (each inherits its parcel's attributes
    and indicators; the rest of a cut parcel keeps its id), so the parcel
    table needs no ``role`` or ``project_id`` for the project.
    ``important_wetlands`` sets the occupied pieces' wetland level and
    ``default_level`` the level of legal wetland no list names.
    """

    parcels: str | ParcelTable | pd.DataFrame
    layer: str | None = None
    indicators: str | IndicatorTable | pd.DataFrame | None = None
    projects: str | pd.DataFrame | None = None
    scheme: Literal["sandiao", "yongdi_yonghai"] = "sandiao"
    encoding: str | None = None
    plans: tuple[PlanSpec, ...] = ()
    ledger: str | LedgerLike | None = None
    registry: str | None = None
    footprints: tuple[FootprintSpec, ...] = ()
    important_wetlands: ImportantWetlandSpec | None = None
    default_level: Literal["national", "provincial", "general"] | None = None

    @model_validator(mode="after")
    def _one_ledger_source(self) -> DataSpec:
        if self.ledger is not None and self.registry is not None:
            raise ValueError(
                "data.ledger and data.registry both name the units available; give only one: "
                "data.registry (the registry holds the quota history) or data.ledger (a ledger "
                "file)"
            )
        return self


class CardSpec(_Model):
    """The method card of each step (ids or paths).

    ``funds`` ``None`` takes the fund-split card in force on the project date.
    """

    condition: str = "jiangxi-db36-2134"
    valuation: tuple[str, ...] = ("xie2015", "gep-garze2010")
    value_approach: str = "xie2015"
    quota: str = "quota-jinxian"
    pricing: str = "pricing-jinxian"
    funds: str | None = None
    finance: str = "finance-quota"
    review: str = "review-jinxian"

    @field_validator("valuation")
    @classmethod
    def _some_valuation(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one valuation card")
        return value


class OptionSpec(_Model):
    """Options that change the numbers.

    Attributes
    ----------
    price_year
        Price year of every money figure [CNY].
    price_index
        CNY price index for moving service values between years.
    monte_carlo_draws
        Monte Carlo draws for the price range (0 switches it off).
    percentiles
        Percentiles of the Monte Carlo outputs reported, in 0–100.
    indicator_error
        Indicator id → standard deviation of its measurement error [the
        indicator's unit]: the Monte Carlo then re-scores the condition of
        every parcel it was scored on (the whole county: the cost grows with
        it) under that error; empty for none.

    seed
        Seed of the random generator.
    sensitivity
        Whether to compute one-at-a-time sensitivity (tornado).
    finance
        Whether to compute the quota-pledged loan capacity and insurance premium
        of the priced credit pool (card ``cards.finance``).
    discount_rate, om_years
        The project's discount settings [1/yr] and years of operation and
        maintenance [yr], replacing the pricing card's ``discount_rate`` and
        ``om_years`` (``None`` keeps the card's). The run then prices with a
        copy of the card carrying these values (its own hash, listed in the
        provenance and the report); an overridden parameter is held at the
        project's value in the Monte Carlo.
    unscored_occupation
        What to do with occupied parcels that have no condition score:
        ``"best-grade"`` assumes the best grade (conservative: compensation must
        match the best quality) and warns; ``"error"`` stops.
    """

    price_year: int = Field(default=2024, ge=1990, le=2100)
    price_index: str = "cn-cpi"
    monte_carlo_draws: int = Field(default=2000, ge=0, le=1_000_000)
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    indicator_error: dict[str, float] = Field(default_factory=dict)
    seed: int = Field(default=20231123, ge=0)
    sensitivity: bool = True
    finance: bool = True
    discount_rate: float | None = Field(default=None, gt=0, lt=1)
    om_years: int | None = Field(default=None, ge=0, le=200)
    unscored_occupation: Literal["best-grade", "error"] = "best-grade"


class ReportSpec(_Model):
    """Report languages and formats (the JSON assessment is always written)."""

    languages: tuple[Literal["zh", "en"], ...] = ("zh", "en")
    formats: tuple[Literal["html", "pdf", "md", "xlsx"], ...] = ("html", "pdf", "xlsx")


class AssessmentSpec(_Model):
    """A whole assessment, loadable from a TOML project file (:func:`load_spec`).

    Attributes
    ----------
    project, data, cards, options, report
        See :class:`ProjectSpec`, :class:`DataSpec`, :class:`CardSpec`,
        :class:`OptionSpec` and :class:`ReportSpec`.
    base_dir
        Directory relative paths are resolved against. :func:`load_spec` sets
        it to the project file's directory; it is not a project-file key (a
        file naming it is refused), only a Python argument.
    """

    project: ProjectSpec
    data: DataSpec
    cards: CardSpec = CardSpec()
    options: OptionSpec = OptionSpec()
    report: ReportSpec = ReportSpec()
    base_dir: str | None = None

    def resolve(self, path: str) -> Path:
        """A path of the spec, resolved against :attr:`base_dir`."""
        candidate = Path(path).expanduser()
        if not candidate.is_absolute() and self.base_dir is not None:
            candidate = Path(self.base_dir) / candidate
        return candidate

    def describe(self) -> dict[str, Any]:
        """The spec as plain JSON data; tables passed directly appear as their hashes.

        ``base_dir`` is left out: where the project file lies on a machine must
        not change the assessment's hash (its inputs are hashed by content).
        """

        def plain(value: Any) -> Any:
            if isinstance(value, ParcelTable | IndicatorTable):
                return f"<{type(value).__name__} sha256:{value.hash}>"
            if isinstance(value, pd.DataFrame):
                return f"<DataFrame sha256:{frame_hash(value)}>"
            if isinstance(value, BaseModel):
                return {k: plain(getattr(value, k)) for k in type(value).model_fields}
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, dt.date):
                return value.isoformat()
            return value

        described: dict[str, Any] = plain(self)
        del described["base_dir"]
        registry = described["data"].pop("registry", None)
        if isinstance(registry, str):  # a database password never enters the assessment
            described["data"]["registry"] = re.sub(r"(://[^/:@]*):[^@/]*@", r"\1:***@", registry)
        # without a registry the description (and every assessment's hash) is as before
        return described


def load_spec(path: str | Path) -> AssessmentSpec:
    """Read an assessment spec from a TOML project file.

    Relative paths in the file are resolved against the file's directory.

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    AssessmentSpec
        The validated spec, with ``base_dir`` set to the file's directory.

    Raises
    ------
    SpecError
        If the file is missing, not valid TOML, or any key is wrong: one error
        naming the file and every wrong key (dotted), with the valid keys and
        the nearest match for an unknown one.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"project file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise SpecError(f"{path}: not UTF-8 text ({error})") from None
    lines: list[str] = []
    if "base_dir" in data:
        # issue 17: a file-level base_dir silently redirected every data path
        lines.append(
            "- base_dir: not a project-file key (paths are relative to the project "
            "file's own directory; move the file or give absolute paths); "
            + _valid_keys(AssessmentSpec, "base_dir")
        )
        del data["base_dir"]
    data["base_dir"] = str(path.resolve().parent)
    try:
        spec = AssessmentSpec.model_validate(data)
    except ValidationError as error:
        lines += [_describe(e) for e in error.errors()]
    else:
        if not lines:
            return spec
    raise SpecError(f"invalid project file {path}:\n" + "\n".join(lines))


def _dotted(loc: Sequence[int | str]) -> str:
    """``('data', 'plans', 0, 'nmae')`` → ``data.plans[0].nmae``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        hint = _valid_keys(model, str(loc[-1])) if model is not None else ""
        return f"- {_dotted(loc)}: unknown key; {hint}".rstrip("; ")
    return f"- {_dotted(loc)}: {error['msg']}"


def _valid_keys(model: type[BaseModel], key: str) -> str:
    """The hint for an unknown key: ``did you mean ...? valid keys: ...``."""
    hidden = {"base_dir"} if model is AssessmentSpec else set()
    valid = [name for name in model.model_fields if name not in hidden]
    near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    guess = f"did you mean {near[0]!r}? " if near else ""
    return f"{guess}valid keys: {', '.join(valid)}"


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The spec section (model class) at a location of a validation error."""
    model: type[BaseModel] = AssessmentSpec
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue  # an item of a tuple of sections: same model
        if annotation is None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        else:
            return None
        found = _section(annotation)
        if found is None:
            return None
        model, annotation = found, None
    return model


def _section(annotation: Any) -> type[BaseModel] | None:
    """The spec model inside an annotation (``PlanSpec``, ``tuple[PlanSpec, ...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _section(arg)
            if found is not None:
                return found
    return None
