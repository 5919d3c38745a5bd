"""Fitting a value function (meta-regression) to study values, and exporting it as a card.

The model is the generic wetland meta-regression of
``shared/reference/benefit-transfer.md`` §5.1::

    ln(V_i) = β₀ + Σ_k β_k x_ik + Σ_s γ_s service_is + ε_i

with V the value per ha per year in one currency and price year, x the
site characteristics (``ln`` of a positive quantity, or a 0/1 dummy) and one
dummy per service except a reference service. It is fitted by OLS (or WLS,
e.g. weighting each study's estimates by 1 / their number) with standard
errors clustered by study (statsmodels; install ``wetval[calibrate]``):
estimates from one study share its method, authors and site, so their
errors are correlated (Nelson & Kennedy 2009, *Environ. Resour. Econ.* 42:
345–377, recommend clustering or multilevel models for this).

Diagnostics: R², adjusted R², Shapiro–Wilk test of the residuals, the
Breusch–Pagan and White heteroskedasticity tests, variance inflation factors
(VIF) and the leave-one-study-out transfer error: each study is predicted
by the function fitted without it, and the absolute percentage errors
|V̂ − V| / V are summarised by their median (Brander et al. 2006 report a
mean out-of-sample error of 74 %; ``benefit-transfer.md`` §4).

:meth:`ValueFunctionFit.to_card` writes the fit in exactly the format the
``value-function-transfer`` method reads (the layout of ``brander2013``), with
the full clustered covariance matrix, the data's hash, the fit statistics and
the date; the card loads back and predicts what the fit predicts.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from wetval.cards import Card, load_card
from wetval.errors import CardError, DependencyError, Problem, ProblemCollector, UnknownCardError
from wetval.hashing import frame_hash
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable
from wetval.valuation.benefit_transfer import log_value_function

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ValueFunctionFit", "fit_value_function"]

Transform = Literal["ln", "dummy"]

#: Fit statistics a summary shows, in order (keys ``vf_<name>`` in :mod:`wetval.strings`).
_STATISTICS = (
    "r2", "adj_r2", "sigma", "shapiro_w", "shapiro_p", "breusch_pagan", "breusch_pagan_p",
    "white", "white_p", "loso_median_ape", "loso_mean_ape",
)  # fmt: skip


def _statsmodels() -> Any:
    try:
        import statsmodels.api as sm
    except ImportError:
        raise DependencyError("value-function fitting", "calibrate", "statsmodels") from None
    return sm


@dataclass(frozen=True)
class ValueFunctionFit(Result):
    """A fitted meta-regression value function with its diagnostics.

    Attributes
    ----------
    coefficients
        Per variable (``constant``, site variables, service dummies):
        ``coefficient``, ``se`` (clustered by study), ``t``, ``p``,
        ``transform`` (constant / ln / dummy), ``input`` (the study-table and
        parcel column it reads, or ``service``).
    covariance
        Clustered covariance matrix of the coefficients.
    statistics
        ``n``, ``studies``, ``r2``, ``adj_r2``, ``sigma`` (residual s.d. of
        ln V), ``shapiro_w``, ``shapiro_p``, ``breusch_pagan``,
        ``breusch_pagan_p``, ``white``, ``white_p``, ``loso_median_ape``,
        ``loso_mean_ape`` [%].
    vif
        Variance inflation factor of each non-constant variable.
    transfer_errors
        Leave-one-study-out: per estimate, ``study``, observed and predicted
        value and the absolute percentage error [%].
    services
        Service names: the reference service first, then one per dummy.
    reference_service
        The omitted service.
    currency, price_year
        Unit of the values [currency/ha/yr at price_year].
    data_hash
        SHA-256 of the study table fitted.
    weighting
        ``"ols"``, ``"inverse-count"`` or the name of a weight column.
    synthetic
        True when the study table is labelled synthetic.
    provenance
        Options and the data hash.
    """

    coefficients: pd.DataFrame
    covariance: pd.DataFrame
    statistics: pd.Series
    vif: pd.Series
    transfer_errors: pd.DataFrame
    services: tuple[str, ...]
    reference_service: str | None
    currency: str
    price_year: int
    data_hash: str
    weighting: str
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.coefficients.copy()

    def summary(self) -> Summary:
        """Coefficients with clustered s.e., fit statistics and diagnostics."""
        c = self.coefficients
        coefficients = pd.DataFrame(
            {
                "vf_variable": [str(v) for v in c.index],
                "vf_coefficient": c["coefficient"].to_numpy(dtype=float),
                "vf_se": c["se"].to_numpy(dtype=float),
                "vf_p": c["p"].to_numpy(dtype=float),
                "vf_transform": [Term(f"vf_transform_{t}", str(t)) for t in c["transform"]],
                "vf_input": [
                    Term("service", "service") if str(i) == "service" else str(i)
                    for i in c["input"]
                ],
            }
        )
        s = self.statistics
        names = [n for n in _STATISTICS if n in s.index]
        statistics = pd.DataFrame(
            {
                "sum_figure": [Term(f"vf_{n}", n) for n in names],
                "sum_value": [float(s[n]) for n in names],
            }
        )
        vif = pd.DataFrame(
            {
                "vf_variable": [str(k) for k in self.vif.index],
                "vf_vif": self.vif.to_numpy(dtype=float),
            }
        )
        weighting = (
            Message.of("vf_ols", "note")
            if self.weighting == "ols"
            else Message.of("vf_wls", "note", weights=self.weighting)
        )
        title = Message.of(
            "sum_value_function", "note", currency=self.currency, year=self.price_year,
            weighting=weighting, n=int(s["n"]), studies=int(s["studies"]),
        )  # fmt: skip
        digits = {"vf_coefficient": 4, "vf_se": 4, "vf_p": 3}
        return Summary(
            title,
            (
                SummaryTable("coefficients", "vf_coef_table", coefficients, digits),
                SummaryTable("statistics", "vf_stats_table", statistics, {"sum_value": 3}),
                SummaryTable("vif", "vf_vif_table", vif),
            ),
            (Message.of("sum_synthetic", "note"),) if self.synthetic else (),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Coefficients with their 95 % intervals (clustered s.e.), the constant left out."""
        ax = axes(ax)
        c = self.coefficients[self.coefficients["transform"] != "constant"].iloc[::-1]
        y = np.arange(len(c))
        error = 1.96 * c["se"].to_numpy(dtype=float)
        ax.barh(y, c["coefficient"].to_numpy(dtype=float), xerr=error, color="#3b7ea1", capsize=3)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [str(v) for v in c.index])
        ax.set_xlabel(f"coefficient on ln({self.currency}/ha/yr, {self.price_year}) ± 1.96 s.e.")
        label = " (SYNTHETIC data)" if self.synthetic else ""
        ax.set_title(f"Value function{label}")
        return ax

    def predict(self, sites: pd.DataFrame, service: str | None = None) -> pd.Series:
        """Predicted value exp(x·β̂) per ha per year (the median, not the mean).

        Evaluated by :func:`wetval.valuation.benefit_transfer.log_value_function`,
        as the ``value-function-transfer`` method evaluates the exported card, so
        a 1-ha parcel valued with that card gets exactly this value.

        Parameters
        ----------
        sites
            One row per site with the input columns of the site variables.
        service
            Service predicted (default: the reference service).

        Returns
        -------
        pandas.Series
            [currency/ha/yr at price_year], indexed like ``sites``.
        """
        chosen = service if service is not None else self.services[0]
        if chosen not in self.services:
            raise ValueError(f"unknown service {chosen!r}; the fit has {list(self.services)}")
        is_dummy = self.coefficients["input"] == "service"
        dummy_names = [str(v) for v in self.coefficients.index[is_dummy]]
        dummies = pd.DataFrame(
            [[1.0 if chosen == name else 0.0 for name in dummy_names]],
            index=[chosen],
            columns=dummy_names,
        )
        log_value, _ = log_value_function(
            self.coefficients,
            _site_inputs(sites, self.coefficients),
            dummies,
            len(sites),
            self.covariance.to_numpy(dtype=float),
        )
        return pd.Series(np.exp(log_value[:, 0]), index=sites.index, name="value_per_ha")

    def to_card(
        self,
        *,
        id: str,
        version: str = "1.0.0",
        title: Mapping[str, str],
        services: pd.DataFrame,
        citation: str,
        ecosystems: Sequence[str] = ("wetland", "water_body"),
        crosswalk: Mapping[str, str] | None = None,
        conversion: Mapping[str, Any] | None = None,
        inputs: Mapping[str, float] | None = None,
        units: Mapping[str, str] | None = None,
        created: str | None = None,
    ) -> Card:
        """The fit as a ``value-function-transfer`` card (the layout of ``brander2013``).

        Parameters
        ----------
        id, version
            A new card id, or a new version of an existing one (an installed
            id@version is refused).
        title
            ``{"zh": ..., "en": ...}``.
        services
            Indexed by service name (every service of the fit): ``name_zh``,
            ``name_en``, ``group``, ``concept``.
        citation
            Where the study values come from (shown in reports).
        ecosystems
            Ecosystem types (crosswalk keys) the card values.
        crosswalk
            Scheme → crosswalk card (default: the Xie 2015 crosswalks).
        conversion
            ``options.conversion`` for non-CNY cards (rate, order, indices,
            target_price_year).
        inputs
            Project-wide site characteristics (``options.inputs``).
        units
            Unit of each input column, for the coefficient table.
        created
            Date of the card (default: today).

        Returns
        -------
        Card
        """
        try:
            load_card(f"{id}@{version}")
        except UnknownCardError:
            pass
        else:
            raise CardError(
                f"card {id!r}",
                [("version", f"{id}@{version} is installed: choose a new id or version")],
            )
        missing = [s for s in self.services if s not in services.index]
        absent = [c for c in ("name_zh", "name_en", "group", "concept") if c not in services]
        if missing or absent:
            raise CardError(
                f"card {id!r}",
                [
                    (
                        "tables.services",
                        f"services table lacks services {missing} or columns {absent}",
                    )
                ],
            )
        units = dict(units or {})
        stats = self.statistics
        date = created or dt.date.today().isoformat()
        dummies = list(self.services[1:]) if self.reference_service is not None else []
        coefficient_rows = [
            [
                str(variable),
                float(row["coefficient"]),
                float(row["se"]),
                str(row["transform"]),
                "" if row["transform"] == "constant" else str(row["input"]),
                units.get(str(row["input"]), "0/1" if row["transform"] == "dummy" else ""),
                _describe(str(variable), row),
            ]
            for variable, row in self.coefficients.iterrows()
        ]
        variables = [str(v) for v in self.coefficients.index]
        service_rows = [
            [
                str(name),
                str(services.loc[name, "name_zh"]),
                str(services.loc[name, "name_en"]),
                str(services.loc[name, "group"]),
                str(services.loc[name, "concept"]),
                *[1 if name == d else 0 for d in dummies],
            ]
            for name in self.services
        ]
        covariance = self.covariance.loc[variables, variables].to_numpy(dtype=float)
        site_inputs = self.coefficients[~self.coefficients["transform"].isin(["constant"])]
        site_inputs = site_inputs[site_inputs["input"] != "service"]
        medians = self.provenance.options.get("input_medians", {})
        data: dict[str, Any] = {
            "id": id,
            "kind": "benefit-transfer",
            "method": "value-function-transfer",
            "version": version,
            "title": dict(title),
            "description": {
                "zh": f"wetval.calibrate 拟合的元回归价值函数：ln({self.currency}/公顷/年, "
                f"{self.price_year} 价)，N = {int(stats['n'])}，{int(stats['studies'])} 项研究，"
                f"标准误按研究聚类；调整 R² = {stats['adj_r2']:.3f}；留一研究转移误差中位数 "
                f"{stats['loso_median_ape']:.1f}%。",
                "en": f"Meta-regression value function fitted by wetval.calibrate: "
                f"ln({self.currency}/ha/yr, {self.price_year} prices), N = {int(stats['n'])} from "
                f"{int(stats['studies'])} studies, s.e. clustered by study; adjusted R² = "
                f"{stats['adj_r2']:.3f}; leave-one-study-out median transfer error "
                f"{stats['loso_median_ape']:.1f} %.",
            },
            "price_year": int(self.price_year),
            "currency": self.currency,
            "created": date,
            "sources": [
                {
                    "key": "data",
                    "citation": citation,
                    "verified": not self.synthetic,
                    "note": f"study table SHA-256 {self.data_hash}"
                    + (" (SYNTHETIC data)" if self.synthetic else ""),
                },
                {
                    "key": "fit",
                    "citation": f"Fitted with wetval.calibrate.fit_value_function on {date} "
                    f"({self.weighting}, s.e. clustered by study).",
                    "verified": True,
                    "note": "Coefficients, standard errors and covariance are the fit's output; "
                    "re-running the fit on the data with this hash reproduces them.",
                },
            ],
            "assumptions": [
                {
                    "key": "median",
                    "text": {
                        "zh": "exp(x·β) 估计的是中位数（几何平均），不是均值。",
                        "en": "exp(x·β) estimates the median (geometric mean) value, not the mean.",
                    },
                    "verified": False,
                },
            ],
            "parameters": {},
            "tables": {
                "coefficients": {
                    "description": "Fitted coefficients with standard errors clustered by study.",
                    "columns": [
                        "variable",
                        "coefficient",
                        "se",
                        "transform",
                        "input",
                        "unit",
                        "description",
                    ],
                    "rows": coefficient_rows,
                    "source": "fit",
                },
                "covariance": {
                    "description": "Clustered covariance matrix of the coefficients.",
                    "columns": ["variable", *variables],
                    "rows": [
                        [v, *[float(c) for c in covariance[i]]] for i, v in enumerate(variables)
                    ],
                    "source": "fit",
                },
                "services": {
                    "description": "Service dummies (the reference service has none).",
                    "columns": ["service", "name_zh", "name_en", "group", "concept", *dummies],
                    "rows": service_rows,
                    "source": "fit",
                },
                "fit_statistics": {
                    "description": "Fit statistics and diagnostics (APE in %).",
                    "columns": ["statistic", "value"],
                    "rows": [[str(k), float(v)] for k, v in stats.items()],
                    "source": "fit",
                },
            },
            "options": {
                "ecosystems": list(ecosystems),
                "crosswalk": dict(
                    crosswalk
                    or {
                        "sandiao": "crosswalk-sandiao-xie2015",
                        "yongdi_yonghai": "crosswalk-yongdi-xie2015",
                    }
                ),
                "condition": {"basis": "none"},
                "data_hash": self.data_hash,
                "conformance_inputs": {
                    str(row["input"]): float(medians.get(str(row["input"]), 1.0))
                    for _, row in site_inputs.iterrows()
                },
            },
        }
        if inputs:
            data["options"]["inputs"] = dict(inputs)
        if conversion:
            data["options"]["conversion"] = dict(conversion)
        if self.synthetic:
            data["assumptions"].append(
                {
                    "key": "synthetic",
                    "text": {
                        "zh": "拟合数据为合成数据（SYNTHETIC），仅供演示，不得用于估价。",
                        "en": "Fitted to SYNTHETIC data: for demonstration only, "
                        "not for appraisal.",
                    },
                    "verified": False,
                }
            )
        return Card.from_mapping(data)


def _describe(variable: str, row: pd.Series) -> str:
    if row["transform"] == "constant":
        return "intercept"
    if row["input"] == "service":
        return f"service dummy: {variable}"
    if row["transform"] == "ln":
        return f"ln of {row['input']}"
    return f"dummy: {row['input']}"


def _site_inputs(frame: pd.DataFrame, coefficients: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each site variable's column of the design: ``frame[input]``, logged for ``ln`` variables."""
    inputs = {}
    for variable, row in coefficients.iterrows():
        if row["transform"] == "constant" or row["input"] == "service":
            continue
        values = pd.to_numeric(frame[str(row["input"])], errors="coerce").to_numpy(dtype=float)
        inputs[str(variable)] = np.log(values) if row["transform"] == "ln" else values
    return inputs


def _design(
    frame: pd.DataFrame, coefficients: pd.DataFrame, services: np.ndarray | None
) -> np.ndarray:
    """The regression design of ``frame``: one column per coefficient.

    ``services`` holds each row's service (``None`` for a fit without service
    dummies); site inputs are read from ``frame`` by the coefficient's ``input``.
    """
    inputs = _site_inputs(frame, coefficients)
    columns = []
    for variable, row in coefficients.iterrows():
        if row["transform"] == "constant":
            columns.append(np.ones(len(frame)))
        elif row["input"] == "service":
            assert services is not None
            columns.append((services == variable).astype(float))
        else:
            columns.append(inputs[str(variable)])
    return np.column_stack(columns)


def _check(
    studies: pd.DataFrame,
    value: str,
    study: str,
    site: Mapping[str, tuple[Transform, str]],
    service: str | None,
    reference_service: str | None,
    weights: str,
) -> None:
    problems = ProblemCollector(studies.index)
    found = ", ".join(map(str, studies.columns))
    needed = [value, study, *[column for _, column in site.values()]]
    if service is not None:
        needed.append(service)
    for column in dict.fromkeys(needed):
        if column not in studies.columns:
            problems.add(
                Problem(
                    reason="column missing from the study table",
                    column=column,
                    fix=f"add it (columns found: {found})",
                )
            )
    weighted = weights not in ("ols", "inverse-count")
    if weighted and weights not in studies.columns:
        problems.add(
            Problem(
                reason="argument weights is neither 'ols', 'inverse-count' nor a column of the "
                "study table",
                column="weights",
                value=weights,
                fix=f"pass weights='ols', 'inverse-count' or a weight column ({found})",
            )
        )
    if service is not None and service in studies.columns and reference_service is not None:
        names = sorted(str(s) for s in studies[service].dropna().unique())
        if reference_service not in names:
            problems.add(
                Problem(
                    reason="argument reference_service is not a service of the study table",
                    column="reference_service",
                    value=reference_service,
                    fix=f"pass one of the services in column {service!r}: {', '.join(names)}",
                )
            )
    problems.raise_if_any("study-value table and fit_value_function arguments")
    if weighted:
        weight = pd.to_numeric(studies[weights], errors="coerce").to_numpy(dtype=float)
        problems.add_rows(
            ~(weight > 0), column=weights, values=studies[weights],
            reason="weight must be a positive number", fix="give every estimate a weight > 0",
        )  # fmt: skip
    values = pd.to_numeric(studies[value], errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        ~(values > 0), column=value, values=studies[value],
        reason="value must be a positive number (it enters as a logarithm)",
        fix="drop zero or negative estimates, or model them separately",
    )  # fmt: skip
    for variable, (transform, column) in site.items():
        data = pd.to_numeric(studies[column], errors="coerce").to_numpy(dtype=float)
        if transform == "ln":
            bad = ~(data > 0)
            reason = f"{variable}: must be positive (ln)"
        elif transform == "dummy":
            bad = ~np.isin(data, [0.0, 1.0])
            reason = f"{variable}: must be 0 or 1 (dummy)"
        else:
            problems.add(
                Problem(
                    reason=f"unknown transform {transform!r}", column=column, fix="use ln or dummy"
                )
            )
            continue
        problems.add_rows(bad, column=column, values=studies[column], reason=reason)
    problems.add_rows(
        studies[study].isna().to_numpy(), column=study, values=studies[study],
        reason="estimate without a study id", fix="give every estimate its study",
    )  # fmt: skip
    if service is not None:
        problems.add_rows(
            studies[service].isna().to_numpy(), column=service, values=studies[service],
            reason="estimate without a service (it would count as the reference service)",
            fix="give every estimate its service",
        )  # fmt: skip
    problems.raise_if_any("study-value table")


def fit_value_function(
    studies: pd.DataFrame,
    *,
    site: Mapping[str, tuple[Transform, str]],
    value: str = "value",
    study: str = "study",
    service: str | None = "service",
    reference_service: str | None = None,
    weights: Literal["ols", "inverse-count"] | str = "ols",
    currency: str = "CNY",
    price_year: int,
) -> ValueFunctionFit:
    """Fit ln(value) on site characteristics and service dummies, s.e. clustered by study.

    Parameters
    ----------
    studies
        One row per value estimate: the value per ha per year (> 0), the
        study it comes from, the site characteristics and the service.
    site
        Variable name → (transform, column): ``"ln"`` (natural log of a
        positive quantity) or ``"dummy"`` (0/1). The column name is also
        the parcel column (or ``options.inputs`` key) the exported card reads.
    value, study, service
        Column names; ``service=None`` fits one service (no dummies).
    reference_service
        The omitted service (default: the first in sorted order).
    weights
        ``"ols"``; ``"inverse-count"`` (WLS with each estimate weighted by
        1 / the number of estimates of its study, so every study counts
        once); or the name of a column of positive weights.
    currency, price_year
        Unit of the values [currency/ha/yr at price_year prices].

    Returns
    -------
    ValueFunctionFit

    Raises
    ------
    wetval.errors.ValidationError
        Naming every missing column, non-positive value, non-positive ln
        input, non-0/1 dummy, non-positive weight and estimate without a
        study or a service, a ``weights`` that is neither a method nor a
        column, and a ``reference_service`` that is not in the data.
    wetval.errors.DependencyError
        Without statsmodels (``pip install 'wetval[calibrate]'``).
    """
    sm = _statsmodels()
    from scipy import stats as scipy_stats
    from statsmodels.stats.diagnostic import het_breuschpagan, het_white
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    _check(studies, value, study, site, service, reference_service, weights)
    if service is not None:
        names = sorted(str(s) for s in studies[service].dropna().unique())
        reference = reference_service if reference_service is not None else names[0]
        ordered = (reference, *[s for s in names if s != reference])
    else:
        reference, ordered = None, ("value",)
    rows = [["constant", "constant", ""]]
    rows += [[name, transform, column] for name, (transform, column) in site.items()]
    rows += [[name, "dummy", "service"] for name in ordered[1:]]
    coefficients = pd.DataFrame(rows, columns=["variable", "transform", "input"]).set_index(
        "variable"
    )
    problems = ProblemCollector(studies.index)
    for name in dict.fromkeys(coefficients.index[coefficients.index.duplicated()]):
        problems.add(
            Problem(
                reason="argument site: the variable name is used twice (by a site variable and "
                "a service, or by the constant)",
                column="site",
                value=name,
                fix="rename the site variable",
            )
        )
    problems.raise_if_any("value-function specification")
    labels = studies[service].astype(str).to_numpy() if service is not None else None
    design = _design(studies, coefficients, labels)
    y = np.log(pd.to_numeric(studies[value]).to_numpy(dtype=float))
    groups = pd.factorize(studies[study])[0]
    if weights == "ols":
        w = np.ones(len(y))
    elif weights == "inverse-count":
        counts = pd.Series(groups).map(pd.Series(groups).value_counts()).to_numpy(dtype=float)
        w = 1.0 / counts
    else:
        w = pd.to_numeric(studies[weights], errors="coerce").to_numpy(dtype=float)
    model = sm.WLS(y, design, weights=w)
    result = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    names = list(coefficients.index)
    covariance = pd.DataFrame(np.asarray(result.cov_params()), index=names, columns=names)
    coefficients.insert(0, "coefficient", np.asarray(result.params))
    coefficients.insert(1, "se", np.asarray(result.bse))
    coefficients.insert(2, "t", np.asarray(result.tvalues))
    coefficients.insert(3, "p", np.asarray(result.pvalues))

    residuals = np.asarray(result.resid) * np.sqrt(w)
    shapiro = scipy_stats.shapiro(residuals)
    bp = het_breuschpagan(residuals, design)
    with warnings.catch_warnings():
        # the squares of 0/1 dummies repeat the dummies: White's auxiliary design is rank
        # deficient by construction, and its degrees of freedom use the rank
        warnings.simplefilter("ignore", SingularMatrixWarning)
        white = het_white(residuals, design) if design.shape[1] > 1 else (np.nan, np.nan)
    vif = pd.Series(
        [variance_inflation_factor(design, k) for k in range(1, design.shape[1])],
        index=names[1:],
        name="vif",
        dtype=float,
    )
    errors = _leave_one_study_out(sm, design, y, w, groups, studies[study].to_numpy())
    statistics = pd.Series(
        {
            "n": float(len(y)),
            "studies": float(groups.max() + 1),
            "r2": float(result.rsquared),
            "adj_r2": float(result.rsquared_adj),
            "sigma": float(np.sqrt(result.scale)),
            "shapiro_w": float(shapiro.statistic),
            "shapiro_p": float(shapiro.pvalue),
            "breusch_pagan": float(bp[0]),
            "breusch_pagan_p": float(bp[1]),
            "white": float(white[0]),
            "white_p": float(white[1]),
            "loso_median_ape": float(errors["ape"].median()),
            "loso_mean_ape": float(errors["ape"].mean()),
        },
        name="value",
    )
    data_hash = frame_hash(studies)
    medians = {
        column: float(pd.to_numeric(studies[column]).median())
        for transform, column in site.values()
        if transform == "ln"
    }
    medians |= {column: 0.0 for transform, column in site.values() if transform == "dummy"}
    return ValueFunctionFit(
        coefficients=coefficients,
        covariance=covariance,
        statistics=statistics,
        vif=vif,
        transfer_errors=errors,
        services=tuple(ordered),
        reference_service=reference,
        currency=currency,
        price_year=int(price_year),
        data_hash=data_hash,
        weighting=str(weights),
        synthetic=bool(studies.attrs.get("synthetic", False)),
        provenance=Provenance(
            method="fit_value_function",
            inputs={"studies": data_hash},
            options={
                "site": {k: list(v) for k, v in site.items()},
                "weights": str(weights),
                "reference_service": reference,
                "cov_type": "cluster (study)",
                "input_medians": medians,
            },
        ),
    )


def _leave_one_study_out(
    sm: Any,
    design: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    labels: np.ndarray,
) -> pd.DataFrame:
    """Predict each study from the fit without it; absolute percentage errors [%]."""
    predicted = np.empty(len(y))
    for g in np.unique(groups):
        out = groups == g
        fit = sm.WLS(y[~out], design[~out], weights=w[~out]).fit()
        predicted[out] = np.exp(design[out] @ np.asarray(fit.params))
    observed = np.exp(y)
    return pd.DataFrame(
        {
            "study": labels,
            "observed": observed,
            "predicted": predicted,
            "ape": 100.0 * np.abs(predicted - observed) / observed,
        }
    )
