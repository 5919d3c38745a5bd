"""A condition card read into a validated scoring scheme.

The card format is documented in ``docs/condition.md``. Reading collects every
problem (unknown indicators, unknown rules, malformed rule tables, weights
or points that do not add up, grade thresholds out of order, invalid AHP
matrices) and raises one :class:`~wetval.errors.CardError` naming each key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.condition import normalise
from wetval.condition.aggregate import TOPSIS_VARIANTS
from wetval.condition.body import ConditionBody
from wetval.condition.grades import GradeScale
from wetval.condition.weights import RANDOM_INDEX, _matrix_problems
from wetval.errors import CardError
from wetval.indicators import CATALOGUE, Direction, IndicatorCatalogue

__all__ = ["RULES", "ConditionScheme", "Item"]

#: Normalisation rules a card can name, with the columns of their table.
RULES: dict[str, tuple[str, ...]] = {
    "minmax": ("low", "high"),
    "piecewise": ("x",),
    "steps": ("lower", "upper"),
    "categories": ("value",),
    "optimum": ("low", "optimum_low", "optimum_high", "high"),
    "presence": ("indicator",),
}
_SCORED_RULES = {"piecewise", "steps", "categories", "presence"}
MISSING_POLICIES = ("fail", "reweight", "impute_median")
WEIGHTINGS = ("card", "ahp", "entropy", "critic", "combined")
_SUM_TOLERANCE = 1e-6

Problems = list[tuple[str, str]]

_CACHE_SIZE = 32
_SCHEMES: dict[tuple[str, int], tuple[IndicatorCatalogue, ConditionScheme]] = {}


@dataclass(frozen=True)
class Item:
    """One scoring item of a condition scheme.

    Attributes
    ----------
    id
        Item id (the indicator id for single-indicator items).
    group
        Group key (e.g. ``environment``; PSR layers ``pressure``/``state``/``response``).
    weight
        Weight from the card (points for points cards), or NaN when weights
        come from the data or from AHP.
    rule
        Normalisation rule (a key of :data:`RULES`).
    indicators
        Catalogue ids the item reads (several only for ``presence``).
    params
        The rule's parameter table, scores already in [0, 1].
    source
        Key of the card source the rule cites, if given.
    """

    id: str
    group: str
    weight: float
    rule: str
    indicators: tuple[str, ...]
    params: pd.DataFrame
    source: str | None

    def normalise(self, columns: list[np.ndarray], catalogue: IndicatorCatalogue) -> np.ndarray:
        """Scores in [0, 1] of this item from its indicator columns."""
        p = self.params
        if self.rule == "minmax":
            direction = catalogue[self.indicators[0]].direction
            return normalise.minmax(columns[0], p["low"].iloc[0], p["high"].iloc[0], direction)
        if self.rule == "piecewise":
            return normalise.piecewise(columns[0], p["x"].tolist(), p["score"].tolist())
        if self.rule == "steps":
            return normalise.steps(
                columns[0], p["lower"].tolist(), p["upper"].tolist(), p["score"].tolist()
            )
        if self.rule == "categories":
            return normalise.categories(columns[0], p["value"].tolist(), p["score"].tolist())
        if self.rule == "optimum":
            row = p.iloc[0]
            return normalise.optimum(
                columns[0], row["low"], row["optimum_low"], row["optimum_high"], row["high"]
            )
        return normalise.presence(columns, p["score"].tolist())


@dataclass(frozen=True)
class ConditionScheme:
    """A validated condition scheme read from a card.

    Attributes
    ----------
    card
        The card.
    items
        Scoring items in card order.
    groups
        Group table indexed by group key: ``label_zh``, ``label_en``, ``weight``
        (NaN where the card gives none).
    grades
        The grade scale.
    scale
        ``"points"`` (item weights are points out of 100) or ``"index"``.
    weighting
        Where the weights come from: a key of :data:`WEIGHTINGS`.
    missing
        Missing-data policy: ``fail``, ``reweight`` or ``impute_median``.
    min_weight
        Share of the total weight that must be present to score a parcel.
    options
        The card's remaining options (random-index table, AHP policy,
        combination, TOPSIS variant).
    """

    card: Card
    items: tuple[Item, ...]
    groups: pd.DataFrame
    grades: GradeScale
    scale: Literal["points", "index"]
    weighting: str
    missing: str
    min_weight: float
    options: dict[str, Any]

    @property
    def indicator_ids(self) -> list[str]:
        """Every catalogue indicator the scheme reads, in item order."""
        seen: dict[str, None] = {}
        for item in self.items:
            seen.update(dict.fromkeys(item.indicators))
        return list(seen)

    @classmethod
    def from_card(cls, card: Card, catalogue: IndicatorCatalogue = CATALOGUE) -> ConditionScheme:
        """Read and validate a condition card (cached by the card's content hash).

        Raises
        ------
        wetval.errors.CardError
            Listing every problem with its dotted key.
        """
        key = (card.hash, id(catalogue))
        cached = _SCHEMES.get(key)
        if cached is not None and cached[0] is catalogue:
            return cached[1]
        scheme = cls._read(card, catalogue)
        if len(_SCHEMES) >= _CACHE_SIZE:
            _SCHEMES.pop(next(iter(_SCHEMES)))
        _SCHEMES[key] = (catalogue, scheme)
        return scheme

    @classmethod
    def _read(cls, card: Card, catalogue: IndicatorCatalogue) -> ConditionScheme:
        problems: Problems = []
        label = str(card.path) if card.path else f"card {card.id!r}"
        if card.kind != "condition":
            raise CardError(label, [("kind", f"is {card.kind!r}, not 'condition'")])
        body = ConditionBody.of(card)
        scale = body.options.scale
        weighting = body.options.weights
        if body.options.random_index not in RANDOM_INDEX:
            problems.append(
                (
                    "options.random_index",
                    f"{body.options.random_index!r} is not one of {list(RANDOM_INDEX)}",
                )
            )
        if body.options.topsis_variant not in TOPSIS_VARIANTS:
            problems.append(
                (
                    "options.topsis_variant",
                    f"{body.options.topsis_variant!r} is not one of {list(TOPSIS_VARIANTS)}",
                )
            )
        items, declared = _read_items(card, catalogue, scale, weighting, problems)
        groups = _read_groups(card, declared, problems)
        structural = [
            k for k, _ in problems if k.startswith(("tables.items.columns", "tables.groups"))
        ]
        if declared and not structural:
            _check_weights(card, declared, groups, scale, weighting, problems)
        grades = _read_grades(card, problems)
        if problems:
            raise CardError(label, problems)
        assert grades is not None
        options = {
            k: v
            for k, v in card.options.items()
            if k not in ("scale", "weights", "missing", "min_weight")
        }
        return cls(
            card=card,
            items=tuple(items),
            groups=groups,
            grades=grades,
            scale=scale,
            weighting=weighting,
            missing=body.options.missing,
            min_weight=body.options.min_weight,
            options=options,
        )


def _cell_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return tuple(str(value).split()) if str(value).strip() else ()


@dataclass(frozen=True)
class _Declared:
    """An item as declared in the items table (before its rule is read)."""

    id: str
    group: str
    weight: float


def _read_items(
    card: Card, catalogue: IndicatorCatalogue, scale: str, weighting: str, problems: Problems
) -> tuple[list[Item], list[_Declared]]:
    if "items" not in card.tables:
        problems.append(("tables.items", "missing: list the scoring items (see docs/condition.md)"))
        return [], []
    frame = card.tables["items"].to_frame().reset_index()
    needed = {"item", "group", "rule"} | (
        {"weight"} if weighting in ("card", "combined") else set()
    )
    absent = needed - set(frame.columns)
    if absent:
        problems.append(("tables.items.columns", f"missing columns {sorted(absent)}"))
        return [], []
    duplicated = frame["item"][frame["item"].duplicated()].tolist()
    if duplicated:
        problems.append(("tables.items", f"items listed twice: {duplicated}"))
    weights = (
        pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
        if "weight" in frame.columns
        else np.full(len(frame), np.nan)
    )
    declared = [
        _Declared(str(item), str(group), float(weight))
        for item, group, weight in zip(frame["item"], frame["group"], weights, strict=True)
    ]
    items = []
    for position, (_, row) in enumerate(frame.iterrows()):
        key = f"tables.items.rows[{position}]"
        item_id = str(row["item"])
        indicators = _cell_list(row.get("indicators", "")) or (item_id,)
        unknown = [i for i in indicators if i not in catalogue]
        if unknown:
            problems.append(
                (
                    f"{key}.indicators",
                    f"unknown indicator ids {unknown}; the catalogue has: {', '.join(catalogue)}",
                )
            )
            continue
        rule = str(row["rule"])
        if rule not in RULES:
            problems.append((f"{key}.rule", f"unknown rule {rule!r}; known: {list(RULES)}"))
            continue
        if rule != "presence" and len(indicators) != 1:
            problems.append((f"{key}.indicators", f"rule {rule!r} reads exactly one indicator"))
            continue
        weight = float(weights[position])
        if "weight" in frame.columns and not (np.isfinite(weight) and weight >= 0):
            problems.append((f"{key}.weight", f"{row['weight']!r} is not a non-negative number"))
            continue
        params = _read_rule(card, item_id, rule, indicators, weight, scale, catalogue, problems)
        if params is None:
            continue
        source = row.get("source")
        items.append(
            Item(
                id=item_id,
                group=str(row["group"]),
                weight=weight,
                rule=rule,
                indicators=indicators,
                params=params,
                source=str(source) if isinstance(source, str) and source else None,
            )
        )
    return items, declared


def _read_rule(
    card: Card,
    item_id: str,
    rule: str,
    indicators: tuple[str, ...],
    weight: float,
    scale: str,
    catalogue: IndicatorCatalogue,
    problems: Problems,
) -> pd.DataFrame | None:
    name = f"rule_{item_id}"
    key = f"tables.{name}"
    if name not in card.tables:
        problems.append(
            (
                key,
                f"missing: rule {rule!r} of item {item_id!r} needs this table "
                f"with columns {list(RULES[rule])}",
            )
        )
        return None
    params = pd.DataFrame(list(card.tables[name].rows), columns=list(card.tables[name].columns))
    absent = [c for c in RULES[rule] if c not in params.columns]
    if absent:
        problems.append((f"{key}.columns", f"missing columns {absent} for rule {rule!r}"))
        return None
    if params.empty:
        problems.append((key, f"has no rows; rule {rule!r} of item {item_id!r} needs at least one"))
        return None
    if rule in _SCORED_RULES:
        if "points" in params.columns and "score" not in params.columns:
            if scale != "points" or not weight > 0:
                problems.append(
                    (
                        f"{key}.points",
                        "points need options.scale = 'points' and a "
                        "positive item weight; give a 'score' column in [0, 1]",
                    )
                )
                return None
            too_many = params["points"] > weight + _SUM_TOLERANCE
            if too_many.any():
                problems.append(
                    (
                        f"{key}.points",
                        f"points above the item's {weight:g} points: "
                        f"{params['points'][too_many].tolist()}",
                    )
                )
            params = params.assign(score=params["points"] / weight)
        if "score" not in params.columns:
            problems.append((f"{key}.columns", "give a 'score' column (0–1) or a 'points' column"))
            return None
        bad = ~params["score"].between(0.0, 1.0)
        if bad.any():
            problems.append(
                (f"{key}.score", f"scores outside [0, 1]: {params['score'][bad].tolist()}")
            )
            return None
    indicator = catalogue[indicators[0]]
    before = len(problems)
    if rule == "minmax":
        row = params.iloc[0]
        if len(params) != 1 or not row["low"] < row["high"]:
            problems.append((key, "minmax needs one row with low < high"))
        if indicator.direction not in (Direction.HIGHER_BETTER, Direction.LOWER_BETTER):
            problems.append(
                (
                    key,
                    f"minmax needs a benefit or cost indicator; {indicator.id} is "
                    f"{indicator.direction.value}: use 'optimum' or 'piecewise'",
                )
            )
    elif rule == "optimum":
        row = params.iloc[0]
        if (
            len(params) != 1
            or not row["low"] < row["optimum_low"] <= row["optimum_high"] < row["high"]
        ):
            problems.append(
                (key, "optimum needs one row with low < optimum_low <= optimum_high < high")
            )
    elif rule == "piecewise":
        if (
            len(params) < 2
            or not params["x"].is_monotonic_increasing
            or params["x"].duplicated().any()
        ):
            problems.append((f"{key}.x", "needs at least two strictly increasing breakpoints"))
        else:
            _check_monotone(key, params["score"], indicator.direction, problems)
    elif rule == "steps":
        lower = params["lower"].to_numpy(dtype=float)
        upper = params["upper"].to_numpy(dtype=float)
        if (lower >= upper).any() or (upper[:-1] != lower[1:]).any():
            problems.append(
                (
                    key,
                    "intervals [lower, upper) must be non-empty, in increasing order "
                    "and contiguous (each upper = the next lower)",
                )
            )
        elif lower[0] > indicator.low or upper[-1] < indicator.high:
            problems.append(
                (
                    key,
                    f"intervals cover {lower[0]:g}–{upper[-1]:g} but {indicator.id} "
                    f"ranges {indicator.low:g}–{indicator.high:g} [{indicator.unit}]",
                )
            )
        else:
            _check_monotone(key, params["score"], indicator.direction, problems)
    elif rule == "categories":
        values = params["value"].astype(float)
        if values.duplicated().any():
            problems.append((f"{key}.value", "values listed twice"))
        elif indicator.integer and indicator.high - indicator.low <= 50:
            expected = set(np.arange(indicator.low, indicator.high + 1))
            uncovered = sorted(expected - set(values))
            if uncovered:
                problems.append(
                    (
                        f"{key}.value",
                        "no score for "
                        + f"{indicator.id} = {', '.join(f'{v:g}' for v in uncovered)}",
                    )
                )
        if len(problems) == before:
            order = np.argsort(values.to_numpy())
            _check_monotone(key, params["score"].iloc[order], indicator.direction, problems)
    elif rule == "presence" and tuple(str(v) for v in params["indicator"]) != indicators:
        problems.append(
            (
                f"{key}.indicator",
                f"must list the item's indicators {list(indicators)} in the same order",
            )
        )
    return params if len(problems) == before else None


def _check_monotone(key: str, scores: pd.Series, direction: Direction, problems: Problems) -> None:
    """A better value must never score lower (the card's monotonicity contract)."""
    steps = np.diff(scores.to_numpy(dtype=float))
    if direction is Direction.HIGHER_BETTER and (steps < 0).any():
        problems.append((f"{key}.score", "scores must not fall as a higher-is-better value rises"))
    if direction is Direction.LOWER_BETTER and (steps > 0).any():
        problems.append((f"{key}.score", "scores must not rise as a lower-is-better value rises"))


def _read_groups(card: Card, items: list[_Declared], problems: Problems) -> pd.DataFrame:
    used = list(dict.fromkeys(item.group for item in items))
    if "groups" not in card.tables:
        return pd.DataFrame(
            {"label_zh": used, "label_en": used, "weight": np.nan},
            index=pd.Index(used, name="group"),
        )
    groups = card.tables["groups"].to_frame()
    groups.index.name = "group"
    for column in ("label_zh", "label_en"):
        if column not in groups.columns:
            problems.append(("tables.groups.columns", f"missing column {column!r}"))
            groups[column] = groups.index
    if "weight" not in groups.columns:
        groups["weight"] = np.nan
    unknown = sorted(set(used) - set(groups.index))
    if unknown:
        problems.append(("tables.groups", f"items use groups not listed here: {unknown}"))
    empty = sorted(set(groups.index) - set(used))
    if empty:
        problems.append(("tables.groups", f"groups without items: {empty}"))
    return groups[["label_zh", "label_en", "weight"]]


def _check_weights(
    card: Card,
    items: list[_Declared],
    groups: pd.DataFrame,
    scale: str,
    weighting: str,
    problems: Problems,
) -> None:
    weights = pd.Series({i.id: i.weight for i in items})
    if weighting in ("card", "combined") and weights.notna().all():
        if scale == "points":
            total = weights.sum()
            if abs(total - 100.0) > _SUM_TOLERANCE:
                problems.append(("tables.items.weight", f"points sum to {total:g}, not 100"))
            for group, row in groups.iterrows():
                points = sum(i.weight for i in items if i.group == group)
                if np.isfinite(row["weight"]) and abs(points - row["weight"]) > _SUM_TOLERANCE:
                    problems.append(
                        (
                            f"tables.groups.{group}.weight",
                            f"is {row['weight']:g} points but its items add up to {points:g}",
                        )
                    )
        elif groups["weight"].notna().any():
            if groups["weight"].isna().any() or abs(groups["weight"].sum() - 1.0) > _SUM_TOLERANCE:
                problems.append(
                    (
                        "tables.groups.weight",
                        f"group weights sum to "
                        f"{groups['weight'].sum():g}, not 1 (give every group a weight)",
                    )
                )
            for group in groups.index:
                within = sum(i.weight for i in items if i.group == group)
                if abs(within - 1.0) > _SUM_TOLERANCE:
                    problems.append(
                        (
                            "tables.items.weight",
                            f"weights within group {group!r} sum to {within:g}, not 1",
                        )
                    )
        elif abs(weights.sum() - 1.0) > _SUM_TOLERANCE:
            problems.append(("tables.items.weight", f"weights sum to {weights.sum():g}, not 1"))
    combine = ConditionBody.of(card).options.combine
    if weighting == "combined" and combine is None:
        problems.append(
            (
                "options.combine",
                "missing: weights = 'combined' needs combine = {subjective = 'card' or 'ahp', "
                "objective = 'entropy' or 'critic', alpha = 0..1}",
            )
        )
    subjective = combine.subjective if weighting == "combined" and combine else None
    if weighting == "ahp" or subjective == "ahp":
        _check_ahp_tables(card, items, groups, problems)


def ahp_matrix(card: Card, name: str) -> pd.DataFrame:
    """A pairwise-comparison table of a card as a square matrix."""
    table = card.tables[name]
    frame = pd.DataFrame(list(table.rows), columns=list(table.columns)).set_index(table.columns[0])
    frame.index = frame.index.astype(str)
    return frame.astype(float)


def _check_ahp_tables(
    card: Card, items: list[_Declared], groups: pd.DataFrame, problems: Problems
) -> None:
    wanted: dict[str, list[str]] = {}
    if len(groups) > 1:
        wanted["ahp_groups"] = [str(g) for g in groups.index]
    for group in groups.index:
        members = [i.id for i in items if i.group == group]
        if len(members) > 1:
            wanted[f"ahp_{group}"] = members
    for name, elements in wanted.items():
        key = f"tables.{name}"
        if name not in card.tables:
            problems.append((key, f"missing: a pairwise-comparison matrix over {elements}"))
            continue
        matrix = ahp_matrix(card, name)
        if list(matrix.index) != elements or list(matrix.columns) != elements:
            problems.append((key, f"rows and columns must be {elements} in this order"))
            continue
        for problem in _matrix_problems(matrix):
            problems.append(
                (
                    f"{key}[{problem.row}, {problem.column}]",
                    f"{problem.reason} ({problem.value}); {problem.fix}",
                )
            )


def _read_grades(card: Card, problems: Problems) -> GradeScale | None:
    if "grades" not in card.tables:
        problems.append(("tables.grades", "missing: list the grades, best first"))
        return None
    frame = card.tables["grades"].to_frame()
    columns = {"label_zh", "label_en"}
    if not columns <= set(frame.columns) or not {"lower", "lower_points"} & set(frame.columns):
        problems.append(
            (
                "tables.grades.columns",
                "need label_zh, label_en and lower (index 0–1) or lower_points (0–100)",
            )
        )
        return None
    lower = frame["lower"] if "lower" in frame.columns else frame["lower_points"] / 100.0
    values = lower.to_numpy(dtype=float)
    if len(values) < 2 or (np.diff(values) >= 0).any() or values[-1] != 0 or values[0] > 1:
        problems.append(
            (
                "tables.grades.lower",
                "lower bounds must fall strictly from the best "
                "grade to the worst, the worst being 0 and the best at most 1",
            )
        )
        return None
    boundary = ConditionBody.of(card).options.boundary
    return GradeScale(
        keys=tuple(str(k) for k in frame.index),
        label_zh=tuple(str(v) for v in frame["label_zh"]),
        label_en=tuple(str(v) for v in frame["label_en"]),
        lower=tuple(float(v) for v in values),
        boundary=boundary,
    )
