"""Which parcels an assessment accounts for, their plans, and the wetland level priced.

The project selection policy: the restoration parcels of the named projects
(all when none is named) supply the credits; the occupation project's parcels
take them; an unscored restoration parcel is left out (with a note), an
unscored occupied parcel is an error or takes the best grade
(``options.unscored_occupation``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wetval.condition import ConditionResult
from wetval.errors import Problem
from wetval.errors import ValidationError as DataError
from wetval.io import read_table
from wetval.messages import Bilingual, Message
from wetval.pricing import RestorationPlan
from wetval.quota import QuotaAccounts
from wetval.spec import AssessmentSpec, SpecError
from wetval.tables import ParcelTable

__all__ = ["LEVEL_ORDER", "priced_level", "project_masks", "restoration_plans", "select_project"]

#: Wetland protection levels, lowest first.
LEVEL_ORDER = {"general": 0, "provincial": 1, "national": 2}


def project_masks(spec: AssessmentSpec, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The spec's restoration and occupation parcels of the parcel table, as boolean masks.

    Raises
    ------
    SpecError
        If the table lacks ``role`` or ``project_id``, or a project the spec names has
        no parcels of its role (naming the projects the data has).
    """
    for column in ("role", "project_id"):
        if column not in frame.columns:
            raise SpecError(
                f"the parcel table has no {column!r} column: the assessment needs "
                "role (restoration/occupation) and project_id to select the project"
            )
    role = frame["role"].astype(object)
    project = frame["project_id"].astype(object)
    restoration = (role == "restoration").to_numpy().copy()
    if spec.project.restoration_projects is not None:
        unknown = sorted(set(spec.project.restoration_projects) - set(project[restoration]))
        if unknown:
            raise SpecError(
                f"project.restoration_projects not found among restoration parcels: {unknown}"
            )
        restoration &= project.isin(spec.project.restoration_projects).to_numpy()
    occupation = np.zeros(len(frame), dtype=bool)
    if spec.project.occupation_project is not None:
        occupation = (
            (role == "occupation") & (project == spec.project.occupation_project)
        ).to_numpy()
        if not occupation.any():
            known = sorted(set(project[role == "occupation"].dropna()))
            raise SpecError(
                f"project.occupation_project = {spec.project.occupation_project!r} has no "
                f"occupation parcels; occupation projects in the data: {known}"
            )
    if not restoration.any():
        raise SpecError("no restoration parcels to supply quota credits")
    return restoration, occupation


def select_project(
    spec: AssessmentSpec, parcels: ParcelTable, condition: ConditionResult
) -> tuple[ParcelTable, pd.DataFrame, pd.DataFrame, list[str | Message]]:
    """The parcels to account for, their condition input, the exclusions and notes."""
    frame = parcels.to_frame()
    restoration, occupation = project_masks(spec, frame)
    role = frame["role"].astype(object)
    scores = condition.to_frame().reindex(frame.index)
    unscored = scores["index"].isna().to_numpy()
    notes: list[str | Message] = []
    excluded = pd.DataFrame(
        {
            "role": role[restoration & unscored],
            "reason": "unscored",
        }
    )
    if excluded.shape[0]:
        notes.append(Message.of("w_unscored_restoration", parcels=len(excluded)))
    keep = (restoration & ~unscored) | occupation
    condition_input = scores.loc[keep, ["index", "grade", "grade_zh", "grade_en"]].copy()
    unscored_occupied = occupation & unscored
    if unscored_occupied.any():
        ids = list(frame.index[unscored_occupied])
        if spec.options.unscored_occupation == "error":
            problems = [
                Problem(
                    reason="occupied parcel has no condition score",
                    parcel_id=i,
                    fix="add monitoring data or set options.unscored_occupation = 'best-grade'",
                )
                for i in ids
            ]
            raise DataError(problems, what="occupation parcels")
        best = condition.grades.index[0]
        condition_input.loc[ids, ["index", "grade", "grade_zh", "grade_en"]] = [
            float(condition.grades["upper"].iloc[0]),
            best,
            condition.grades["label_zh"].iloc[0],
            condition.grades["label_en"].iloc[0],
        ]
        notes.append(
            Message.of(
                "w_unscored_occupation",
                parcels=len(ids),
                grade=Bilingual(
                    str(condition.grades["label_zh"].iloc[0]),
                    str(condition.grades["label_en"].iloc[0]),
                ),
            )
        )
    return parcels.subset(keep), condition_input, excluded, notes


def restoration_plans(spec: AssessmentSpec, parcels: pd.DataFrame) -> list[RestorationPlan]:
    """The spec's restoration plans, each on the restoration parcels of its project.

    Raises
    ------
    SpecError
        If a plan's project has no restoration parcels.
    """
    plans = []
    for plan in spec.data.plans:
        if isinstance(plan.quantities, str):
            path = spec.resolve(plan.quantities)
            quantities = read_table(path)
        else:
            quantities = pd.DataFrame(list(plan.quantities))
        members = parcels.index[
            (parcels["role"].astype(object) == "restoration")
            & (parcels["project_id"].astype(object) == plan.project_id)
        ]
        if len(members) == 0:
            raise SpecError(
                f"plan {plan.name!r}: no restoration parcels of project {plan.project_id!r}"
            )
        plans.append(
            RestorationPlan(
                name=plan.name,
                parcel_ids=tuple(str(i) for i in members),
                quantities=quantities,
                species=plan.species,
                compensation=plan.compensation,
                om_per_year=plan.om_per_year,
                price_year=plan.price_year,
            )
        )
    return plans


def priced_level(accounts: QuotaAccounts) -> str:
    """The highest protection level among the permissible occupied parcels (``"general"`` if none).

    The price is set for the most protected wetland the occupation takes.
    """
    occupied = accounts.debits.to_frame()
    levels = occupied.loc[occupied["permissible"].astype(bool), "wetland_level"].astype(object)
    return max(levels.dropna(), key=LEVEL_ORDER.__getitem__, default="general")
