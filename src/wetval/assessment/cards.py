"""Loading the cards a project names, and the project's own parameter values."""

from __future__ import annotations

from wetval.cards import Card, load_card
from wetval.errors import CardError
from wetval.quota.accounts import QuotaRules
from wetval.spec import AssessmentSpec, SpecError
from wetval.valuation import VALUATION_KINDS

__all__ = [
    "STEP_KINDS",
    "declared_references",
    "grade_mismatch",
    "load_cards",
    "with_project_values",
]


#: The card kind each method step of the assessment runs.
STEP_KINDS = {"condition": ("condition",), "quota": ("quota",), "pricing": ("pricing",)}


def load_cards(spec: AssessmentSpec) -> dict[str, Card]:
    """Load every card the spec names, reporting all problems at once."""
    names = {
        "condition": spec.cards.condition,
        "quota": spec.cards.quota,
        "pricing": spec.cards.pricing,
        "review": spec.cards.review,
        **{f"valuation:{v}": v for v in spec.cards.valuation},
    }
    if spec.cards.funds is not None:
        names["funds"] = spec.cards.funds
    if spec.options.finance:
        names["finance"] = spec.cards.finance
    if spec.cards.value_approach not in spec.cards.valuation:
        raise SpecError(
            f"cards.value_approach = {spec.cards.value_approach!r} must be one of "
            f"cards.valuation {list(spec.cards.valuation)}"
        )
    cards: dict[str, Card] = {}
    errors = []
    for role, name in names.items():
        target = str(spec.resolve(name)) if name.endswith(".toml") else name
        try:
            cards[role] = load_card(target)
        except (CardError, KeyError) as error:
            errors.append(f"- cards.{role.split(':')[0]} = {name!r}: {error}")
            continue
        step = role.split(":")[0]
        wanted = VALUATION_KINDS if step == "valuation" else STEP_KINDS.get(step)
        if wanted is not None and cards[role].kind not in wanted:
            errors.append(
                f"- cards.{step} = {name!r} is a card of kind {cards[role].kind!r}; "
                f"this step needs a card of kind {' or '.join(map(repr, wanted))}; fix: name "
                f"a card of that kind ('wetval cards list --kind {wanted[0]}' lists them)"
            )
    if "condition" in cards and "quota" in cards:
        errors += [
            f"- {why}" for why in grade_mismatch(cards["condition"], cards["quota"], "cards.")
        ]
    if errors:
        raise SpecError("cannot load the project's cards:\n" + "\n".join(errors))
    overrides = {
        name: value
        for name, value in (
            ("discount_rate", spec.options.discount_rate),
            ("om_years", spec.options.om_years),
        )
        if value is not None
    }
    if overrides:
        cards["pricing"] = with_project_values(cards["pricing"], overrides)
    return cards


def grade_mismatch(condition: Card, quota: Card, prefix: str) -> list[str]:
    """The problem, as one line, when the quota card cannot price the condition card's grades.

    Parameters
    ----------
    condition, quota
        The loaded cards.
    prefix
        Written before ``condition``/``quota`` to name the keys (``"cards."`` in a
        project file, ``""`` for the batch's stages).

    Returns
    -------
    list of str
        Empty when every grade the condition card gives has a quality factor.
    """
    rules = QuotaRules.from_card(quota)
    uncovered = rules.uncovered_grades(condition)
    if not uncovered:
        return []
    return [
        f"{prefix}condition = {condition.id!r} grades parcels {', '.join(uncovered)} "
        f"(tables.grades), but {prefix}quota = {quota.id!r} has quality factors only for "
        f"{', '.join(rules.grades)} (tables.quality_factors); fix: name a condition card "
        "with the quota card's grades, or a quota card whose quality_factors list these "
        "grades by id, Chinese or English label"
    ]


def declared_references(cards: dict[str, Card]) -> tuple[str, ...]:
    """The cards the methods of the project's steps always read (method and kind constants).

    Resolved with the project's cards into the assessment's bundle, so the
    steps' ``plugins.run`` calls reuse them instead of each loading its own.
    """
    from wetval.kinds import KINDS
    from wetval.plugins import get_method

    found: list[str] = []
    for role, card in cards.items():
        if role.split(":")[0] not in (*STEP_KINDS, "valuation") or not card.method:
            continue
        method = get_method(card.method, card.kind)
        found += [r for r in (*method.references, *KINDS[card.kind].references) if r not in found]
    return tuple(found)


def with_project_values(card: Card, values: dict[str, float]) -> Card:
    """A copy of ``card`` with parameter values set by the project (held fixed, unverified)."""
    data = card.model_dump()
    missing = [name for name in values if name not in data["parameters"]]
    if missing:
        raise SpecError(
            f"options {missing} override parameters the pricing card {card.id!r} does not "
            "have; drop these options or name a pricing card that has the parameters"
        )
    for name, value in values.items():
        parameter = data["parameters"][name]
        parameter.update(value=value, verified=False, distribution=None)
        parameter["description"] = (
            f"set by the project (card value {card.param(name)}); "
            + (parameter.get("description") or "")
        ).strip("; ")
    return Card.from_mapping(data, path=card.path)
