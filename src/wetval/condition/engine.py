"""Condition scoring: ``score(indicators, card, parcels=None)`` and the registered methods.

Pipeline (all vectorised over whole columns):

1. read the card into a :class:`~wetval.condition.scheme.ConditionScheme`;
2. align the indicators to the parcels (when given);
3. apply the missing-data policy: ``fail`` (one error listing every
   missing parcel × indicator), ``impute_median`` (median of the parcel's
   land class over the scored parcels) or ``reweight`` (leave out, and
   re-normalise the weights of the present items per parcel);
4. normalise every item to a score in [0, 1] by its rule;
5. weights from the card, AHP matrices, entropy, CRITIC or a combination;
6. aggregate as the card's ``options.aggregation`` says; parcels whose present items
   carry less than ``min_weight`` of the weight are left unscored;
7. grade, and explain: per-item scores and contributions, group points,
   the limiting item, data-quality flags.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from wetval.boundary import accept
from wetval.cards import Card, load_card
from wetval.condition import aggregate
from wetval.condition.body import ConditionBody
from wetval.condition.result import ConditionResult
from wetval.condition.scheme import ConditionScheme, ahp_matrix
from wetval.condition.statistics import TableStatistics
from wetval.condition.weights import (
    PairwiseComparison,
    ahp,
    combine_weights,
    critic_weights,
    entropy_weights,
)
from wetval.errors import CardError, Problem, ProblemCollector, ValidationError
from wetval.indicators import CATALOGUE, Direction
from wetval.kinds import ConditionInputs
from wetval.messages import Bilingual, Message, Term
from wetval.plugins import Method, run
from wetval.provenance import Provenance
from wetval.tables import IndicatorTable, ParcelTable, owned_frame, positions_in

__all__ = ["CONDITION_INDEX", "condition_index", "score"]

Aggregator = Callable[[np.ndarray, np.ndarray], np.ndarray]
#: The registered name of the condition method.
CONDITION_METHOD = "condition-index"


def score(
    indicators: IndicatorTable,
    card: Card | str,
    parcels: ParcelTable | None = None,
    *,
    statistics: TableStatistics | None = None,
) -> ConditionResult:
    """Score the condition of every parcel with the method the card names.

    Parameters
    ----------
    indicators
        Validated monitoring indicators.
    card
        A condition card or its id (e.g. ``"jiangxi-db36-2134"``).
    parcels
        If given, every parcel of this table is scored (parcels without
        indicators are reported as unscored; indicator rows of unknown
        parcels are left out) and the result carries land class, township
        and area; required by the ``impute_median`` policy.
    statistics
        Whole-table statistics (:class:`~wetval.condition.statistics.TableStatistics`
        of this card): the entropy/CRITIC weights, TOPSIS points and land-class
        medians are taken from them instead of being estimated from
        ``indicators`` — to score one partition of a larger table as the whole
        table would be scored. Without them (default) they are estimated here.

    Returns
    -------
    ConditionResult

    Raises
    ------
    wetval.errors.CardError
        If the card is malformed (every problem named).
    wetval.errors.ValidationError
        Under the ``fail`` policy, listing every missing value.
    """
    indicators = accept(indicators, IndicatorTable, "indicators")
    parcels = accept(parcels, ParcelTable, "parcels", optional=True)
    card = accept(card, Card, "card")
    card = load_card(card) if isinstance(card, str) else card
    if card.kind != "condition" or not card.method:
        raise CardError(
            card.id, [("kind", f"card {card.id!r} is not a condition card with a method")]
        )
    inputs = ConditionInputs(indicators, parcels, statistics)
    result: ConditionResult = run("condition", card, inputs)
    return result


def _scheme_weights(
    scheme: ConditionScheme, z: np.ndarray, estimated: pd.Series | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Item weights (sum 1) and details of how they were derived.

    ``estimated``: entropy or CRITIC weights of the whole table, used instead of
    estimating them from ``z``.
    """
    items = scheme.items
    ids = [i.id for i in items]
    options = ConditionBody.of(scheme.card).options
    policy = options.ahp_policy
    table = options.random_index

    def from_card() -> pd.Series:
        raw = pd.Series([i.weight for i in items], index=ids, dtype=float)
        if scheme.scale == "points":
            return raw / 100.0
        group_weight = scheme.groups["weight"]
        if group_weight.notna().all():
            return raw * pd.Series([group_weight[i.group] for i in items], index=ids)
        return raw

    def from_ahp() -> tuple[pd.Series, list[tuple[str, PairwiseComparison]]]:
        results: list[tuple[str, PairwiseComparison]] = []
        groups = list(scheme.groups.index)
        if len(groups) > 1:
            top = ahp(
                ahp_matrix(scheme.card, "ahp_groups"),
                random_index_table=table,
                on_inconsistent=policy,
            )
            results.append(("ahp_groups", top))
            group_weights = top.weights
        else:
            group_weights = pd.Series([1.0], index=groups)
        weights = pd.Series(0.0, index=ids)
        for group in groups:
            members = [i.id for i in items if i.group == group]
            if len(members) == 1:
                weights[members[0]] = group_weights[str(group)]
                continue
            within = ahp(
                ahp_matrix(scheme.card, f"ahp_{group}"),
                random_index_table=table,
                on_inconsistent=policy,
            )
            results.append((f"ahp_{group}", within))
            weights[members] = within.weights[members].to_numpy() * group_weights[str(group)]
        return weights, results

    def objective(kind: str) -> pd.Series:
        if estimated is not None:
            return estimated
        frame = pd.DataFrame(z, columns=ids)
        directions = dict.fromkeys(ids, Direction.HIGHER_BETTER)
        if kind == "entropy":
            return entropy_weights(frame, directions)
        return critic_weights(frame, directions)

    details = pd.DataFrame()
    if scheme.weighting == "card":
        weights = from_card()
    elif scheme.weighting == "ahp":
        weights, matrices = from_ahp()
        details = _ahp_details(matrices)
    elif scheme.weighting in ("entropy", "critic"):
        weights = objective(scheme.weighting)
        details = weights.to_frame(f"{scheme.weighting}_weight")
    else:
        combine = options.combine
        assert combine is not None  # the scheme refuses weights = "combined" without it
        if combine.subjective == "ahp":
            subjective, matrices = from_ahp()
            details = _ahp_details(matrices)
        else:
            subjective = from_card()
        objective_weights = objective(combine.objective)
        weights = combine_weights(subjective, objective_weights, combine.alpha)
        details = pd.concat(
            [
                details,
                pd.DataFrame(
                    {
                        "subjective_weight": subjective,
                        f"{combine.objective}_weight": objective_weights,
                    }
                ),
            ],
        )
    return weights.to_numpy(dtype=float), details


def _ahp_details(matrices: list[tuple[str, PairwiseComparison]]) -> pd.DataFrame:
    return (
        pd.DataFrame(
            [
                {
                    "matrix": name,
                    "n": len(result.weights),
                    "lambda_max": result.lambda_max,
                    "ci": result.ci,
                    "cr": result.cr,
                    "random_index": result.random_index,
                    "random_index_table": result.random_index_table,
                    "consistent": result.consistent,
                }
                for name, result in matrices
            ]
        ).set_index("matrix")
        if matrices
        else pd.DataFrame()
    )


def _pattern_text(mask_t: np.ndarray, names: list[str]) -> pd.Categorical[str]:
    """Space-separated names of the true rows of each column of an items × parcels mask.

    Vectorised over the distinct patterns (at most 2^items, in practice a handful).
    """
    bits = np.zeros(mask_t.shape[1], dtype=np.int64)
    for k in range(mask_t.shape[0]):
        bits |= mask_t[k].astype(np.int64) << k
    codes, patterns = pd.factorize(bits, sort=True)
    texts = [" ".join(n for k, n in enumerate(names) if (int(p) >> k) & 1) for p in patterns]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts))


def _impute_by_land_class(
    raw: dict[str, np.ndarray], land_class: pd.Categorical[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fill missing values with the median of the parcel's land class."""
    codes = np.asarray(land_class.codes)
    n_classes = len(land_class.categories)
    filled, imputed = {}, {}
    for name, values in raw.items():
        medians = pd.Series(values).groupby(codes).median().reindex(range(n_classes))
        lookup = np.append(medians.to_numpy(dtype=float), np.nan)
        candidate = lookup[np.where(codes >= 0, codes, n_classes)]
        missing = np.isnan(values)
        imputed[name] = missing & ~np.isnan(candidate)
        filled[name] = np.where(missing, candidate, values)
    return filled, imputed


def _run(
    indicators: IndicatorTable,
    card: Card,
    parcels: ParcelTable | None,
    aggregation: str,
    aggregator: Aggregator,
    statistics: TableStatistics | None = None,
) -> ConditionResult:
    scheme = ConditionScheme.from_card(card, indicators.catalogue)
    if statistics is not None:
        statistics.check(scheme)
    if aggregation == "hierarchical-points" and scheme.scale != "points":
        raise CardError(
            card.id,
            [("options.scale", "aggregation = 'hierarchical-points' needs scale = 'points'")],
        )
    # the id join, once for the pair of tables: each parcel's indicator row (−1: none)
    joined = positions_in(parcels.ids, indicators.ids) if parcels is not None else None
    ids = indicators.ids if parcels is None else parcels.ids
    n = len(ids)
    notes: list[str | Message] = []
    present_columns = set(indicators.indicator_ids)
    absent = [i for i in scheme.indicator_ids if i not in present_columns]
    if absent:
        names = tuple(
            Bilingual(CATALOGUE[i].name_zh, CATALOGUE[i].name_en) if i in CATALOGUE else i
            for i in absent
        )
        notes.append(Message.of("n_indicators_absent", "note", indicators=names))
    if parcels is not None:
        # the indicator rows of no parcel (ids unique on both sides), in table order:
        # the rows the join did not reach
        assert joined is not None
        reached = np.zeros(len(indicators.ids), dtype=bool)
        reached[joined[joined >= 0]] = True
        unknown = indicators.ids[~reached]
        if len(unknown):
            shown = tuple(map(str, unknown[:10])) + (("…",) if len(unknown) > 10 else ())
            notes.append(
                Message.of("n_indicator_rows_left_out", "note", n=len(unknown), parcel_ids=shown)
            )
    raw = {
        i: (
            (indicators.values(i) if joined is None else indicators.values_at(i, joined))
            if i in present_columns
            else np.full(n, np.nan)
        )
        for i in scheme.indicator_ids
    }

    if scheme.missing == "fail":
        problems = ProblemCollector(np.asarray(ids, dtype=object), np.asarray(ids, dtype=object))
        for name, values in raw.items():
            problems.add_rows(
                np.isnan(values),
                column=name,
                values=values,
                reason="missing value",
                fix=f"measure {name}, or use a card whose missing-data policy is 'reweight' "
                "or 'impute_median'",
            )
        problems.raise_if_any("indicator table (card policy: missing = 'fail')", indicators.source)
    imputed_by_indicator: dict[str, np.ndarray] = {}
    if scheme.missing == "impute_median":
        if parcels is None:
            raise ValidationError(
                [
                    Problem(
                        reason=f"card {card.id!r} imputes missing values by land-class median, "
                        "which needs the parcels' land classes",
                        fix="pass the parcel table: score(indicators, card, parcels=parcels)",
                    )
                ],
                what="condition scoring call",
            )
        land_class = pd.Categorical(parcels.to_frame()["land_class"])
        if statistics is not None and statistics.medians is not None:
            raw, imputed_by_indicator = statistics.impute(raw, land_class)
        else:
            raw, imputed_by_indicator = _impute_by_land_class(raw, land_class)

    items = scheme.items
    item_ids = [i.id for i in items]
    # item-major (items × parcels) arrays: every item's column is contiguous, and the
    # transposed views (parcels × items) become DataFrames without a copy
    zt = np.vstack(
        [item.normalise([raw[i] for i in item.indicators], indicators.catalogue) for item in items]
    )
    del raw  # the joined indicator columns (one array each): not needed from here
    missing_t = np.isnan(zt)
    imputed_t = np.zeros_like(missing_t)
    for k, item in enumerate(items):
        for indicator_id in item.indicators:
            if indicator_id in imputed_by_indicator:
                imputed_t[k] |= imputed_by_indicator[indicator_id]
    imputed_t &= ~missing_t
    del imputed_by_indicator

    estimated = statistics.objective if statistics is not None else None
    weights, weight_details = _scheme_weights(scheme, zt.T, estimated)
    weights = weights / weights.sum()
    present_weights_t = np.where(missing_t, 0.0, weights[:, None])
    present_weight = present_weights_t.sum(axis=0)
    index = aggregator(zt, weights)
    unscored = present_weight < scheme.min_weight - 1e-12
    # rounding to 12 decimals removes floating-point noise (a points sum of exactly 60
    # must not come out as 59.999999999999 and fall into the grade below), and makes
    # the result independent of the summation order
    index = np.where(unscored, np.nan, np.round(np.clip(index, 0.0, 1.0), 12))

    # present weight × score (the product in place of the scores' copy: one items × parcels
    # temporary fewer), then the group sums, then the contributions in place
    points_t = np.where(missing_t, 0.0, zt)
    points_t *= present_weights_t
    del present_weights_t
    with np.errstate(invalid="ignore", divide="ignore"):
        points_t *= 100.0 / present_weight
    group_points = {}
    for group in scheme.groups.index:
        members = [k for k, item in enumerate(items) if item.group == group]
        group_points[f"points_{group}"] = np.where(unscored, np.nan, points_t[members].sum(axis=0))
    np.copyto(points_t, np.nan, where=missing_t | unscored)
    contributions_t = points_t

    grade = scheme.grades.assign(index)
    key_to_zh = dict(zip(scheme.grades.keys, scheme.grades.label_zh, strict=True))
    key_to_en = dict(zip(scheme.grades.keys, scheme.grades.label_en, strict=True))
    any_missing = missing_t.any(axis=0)
    quality = np.select([unscored, imputed_t.any(axis=0), any_missing], [3, 2, 1], default=0)
    # lowest present score per parcel (first item on ties), one pass per item
    lowest = np.full(n, -1, dtype=np.int64)
    lowest_score = np.full(n, np.inf)
    for k in range(len(items)):
        lower = zt[k] < lowest_score  # NaN compares False
        np.putmask(lowest, lower, k)
        np.fmin(lowest_score, zt[k], out=lowest_score)
    limiting = pd.Categorical.from_codes(lowest, categories=pd.Index(item_ids))
    columns: dict[str, object] = {
        "index": index,
        "points": np.round(100.0 * index, 10),
        "grade": grade,
        "grade_zh": grade.rename_categories(key_to_zh),
        "grade_en": grade.rename_categories(key_to_en),
    }
    columns |= group_points
    columns |= {
        "weight_present": present_weight,
        "quality": pd.Categorical.from_codes(
            quality, categories=pd.Index(["complete", "reweighted", "imputed", "unscored"])
        ),
        "missing": _pattern_text(missing_t, item_ids),
        "imputed": _pattern_text(imputed_t, item_ids)
        if imputed_t.any()
        else pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([""])),
        "limiting_item": limiting,
    }
    if parcels is not None:
        source = parcels.to_frame()
        columns["land_class"] = source["land_class"].array
        if "township" in source.columns:
            columns["township"] = source["township"].array
        columns["area_m2"] = parcels.area("m2")
    index_name = pd.Index(ids, name="parcel_id")
    frame = owned_frame(columns, index_name)  # the float columns not copied into one block
    weights_frame = pd.DataFrame(
        {"group": [i.group for i in items], "weight": weights},
        index=pd.Index(item_ids, name="item"),
    )
    inputs = {"indicators": indicators.hash}
    if parcels is not None:
        inputs["parcels"] = parcels.hash
    if unscored.any():
        notes.append(
            Message.of(
                "n_parcels_unscored",
                "note",
                parcels=int(unscored.sum()),
                min_weight=float(scheme.min_weight),
            )
        )
    if scheme.weighting in ("entropy", "critic", "combined"):
        counted = statistics.parcels if statistics is not None else n
        notes.append(
            Message.of(
                "n_weights_estimated",
                "note",
                weighting=Term(f"weighting_{scheme.weighting}", scheme.weighting),
                parcels=int(counted),
            )
        )
    return ConditionResult(
        parcels=frame,
        normalised=pd.DataFrame(zt.T, index=index_name, columns=item_ids, copy=False),
        contributions=pd.DataFrame(
            contributions_t.T, index=index_name, columns=item_ids, copy=False
        ),
        weights=weights_frame,
        grades=scheme.grades.table(),
        method=CONDITION_METHOD,
        card_id=card.id,
        weighting=scheme.weighting,
        weight_details=weight_details,
        synthetic=indicators.synthetic or bool(parcels is not None and parcels.synthetic),
        provenance=Provenance(
            method=CONDITION_METHOD,
            cards=(card.ref,),
            inputs=inputs,
            options={
                "aggregation": aggregation,
                "missing": scheme.missing,
                "weights": scheme.weighting,
                "min_weight": scheme.min_weight,
                **scheme.options,
            },
            notes=tuple(notes),
        ),
    )


#: The aggregator of each ``aggregation`` option: (item scores items × parcels, weights) → index.
_AGGREGATORS: dict[str, Aggregator] = {
    "weighted-sum": aggregate._weighted_sum_t,
    "hierarchical-points": aggregate._weighted_sum_t,
    "weighted-geometric-mean": aggregate._geometric_mean_t,
    "minimum": aggregate._minimum_t,
}


def condition_index(card: Card, inputs: ConditionInputs) -> ConditionResult:
    """The ``condition-index`` method: normalise, weight and aggregate by ``options.aggregation``.

    ``weighted-sum`` and ``hierarchical-points`` (points out of 100 summed over
    groups, the DB36/T 2134 shape) add the weighted item scores; ``topsis``
    takes the relative closeness (variant ``options.topsis_variant``);
    ``weighted-geometric-mean`` lets a poor item pull the index down;
    ``minimum`` is the limiting factor, the lowest item score.
    """
    options = ConditionBody.of(card).options
    aggregator = _AGGREGATORS.get(options.aggregation)
    if aggregator is None:  # topsis
        variant = options.topsis_variant

        def aggregator(zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
            return aggregate._topsis_t(zt, weights, variant)

        if inputs.statistics is not None and inputs.statistics.topsis_norm is not None:
            aggregator = inputs.statistics.topsis  # the whole table's norms and points

    return _run(
        inputs.indicators,
        card,
        inputs.parcels,
        options.aggregation,
        aggregator,
        inputs.statistics,
    )


CONDITION_INDEX = Method(
    CONDITION_METHOD,
    "condition",
    condition_index,
    "condition index: normalised indicators, weights and one aggregation chosen by the card",
    body=ConditionBody,
)
