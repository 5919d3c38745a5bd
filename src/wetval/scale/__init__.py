"""Partitioned assessment on Dask: a province on one machine, the nation on a cluster.

The county-independent stages — validation, condition scoring, valuation, the
reserve-resource census and quota credits — run partition by partition over a
partitioned Parquet dataset with the SAME functions as the in-memory path
(:func:`wetval.read_parcels`, :func:`wetval.condition.score`,
:func:`wetval.valuation.value`, :func:`wetval.screening.screen`,
:func:`wetval.quota.account_credits`); Dask only schedules them. Each partition's
results are written as Parquet, and county and province summaries are reduced
from the partitions' summaries.

Layout of a partitioned dataset (see :func:`write_partitions`)::

    DIR/parcels/<partition>.parquet      三调-style parcel rows of the partition
    DIR/indicators/<partition>.parquet   indicator rows of those parcels

One partition per county (``by="county_code"``) or per fixed number of rows.
A parcel's indicators must be in the partition of the parcel.

Results (see :func:`run`)::

    OUT/condition/<partition>.parquet    condition result per parcel
    OUT/valuation/<partition>.parquet    annual service value per parcel [CNY/yr]
    OUT/reserves/<partition>.parquet     reserve census per parcel (no county-wide rank)
    OUT/credits/<partition>.parquet      quota credits of scored restoration parcels
    OUT/_done/<partition>.json           written last: the partition is finished (with
                                         its input fingerprint and seconds per stage)
    OUT/summary_county.parquet, OUT/summary_province.parquet  (and .csv)

Finished partitions (a ``_done`` record for the same input files and cards)
are not redone, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wetval.assessment.cards import grade_mismatch
from wetval.cards import Card, load_card
from wetval.errors import CardError, DependencyError, UnknownCardError, WetvalError
from wetval.hashing import content_hash, file_hash
from wetval.scale._common import PartitionError, _atomic, _write
from wetval.scale.overlay import overlay_partitions

__all__ = [
    "PartitionError",
    "ScaleCards",
    "ScaleRun",
    "overlay_partitions",
    "partition_names",
    "run",
    "run_partition",
    "write_partitions",
]

#: Stages whose per-partition results are written, in order.
STAGES = ("condition", "valuation", "reserves", "credits")
#: Card kinds each stage takes.
STAGE_KINDS = {
    "condition": ("condition",),
    "valuation": ("unit-value", "benefit-transfer", "replacement-cost"),
    "screening": ("screening",),
    "quota": ("quota",),
}
#: Columns of a partition's summary rows (grouping keys first).
SUMMARY_KEYS = ("county_code", "category", "grade")
SUMMARY_VALUES = (
    "parcels",
    "area_m2",
    "value_cny",
    "scored",
    "reserve_candidates",
    "reserve_area_m2",
    "credit_parcels",
    "credit_units",
)


@dataclass(frozen=True)
class ScaleCards:
    """Cards of a partitioned run (ids or :class:`~wetval.cards.Card` objects).

    A condition card whose weights, aggregation or imputation are estimated
    from the whole table (entropy, CRITIC or combined weights, TOPSIS, land-class
    medians) is scored with statistics reduced over every partition first
    (:mod:`wetval.condition.statistics`), so each parcel gets its in-memory score.
    """

    condition: str | Card = "jiangxi-db36-2134"
    valuation: str | Card = "xie2015"
    screening: str | Card | None = "jiangxi-reserve-census"
    quota: str | Card | None = "quota-jinxian"

    def loaded(self) -> dict[str, Card]:
        """The cards, loaded, by stage.

        Raises
        ------
        wetval.errors.WetvalError
            One error naming every unknown card id, malformed card and card of
            the wrong kind at once, with the fix.
        """
        named: dict[str, str | Card | None] = {
            "condition": self.condition,
            "valuation": self.valuation,
            "screening": self.screening,
            "quota": self.quota,
        }
        cards: dict[str, Card] = {}
        unknown: list[str] = []
        installed: list[str] = []
        problems: list[str] = []
        for stage, card in named.items():
            if card is None:
                continue
            try:
                loaded = card if isinstance(card, Card) else load_card(card)
            except UnknownCardError as error:
                unknown.append(f"{stage} = {error.card_id!r}")
                installed = error.known
                continue
            except CardError as error:
                problems.append(f"{stage}: {error}")
                continue
            kinds = STAGE_KINDS[stage]
            if loaded.kind not in kinds:
                problems.append(
                    f"{stage} = {loaded.id!r} is a {loaded.kind!r} card; fix: name a card of "
                    f"kind {' or '.join(repr(k) for k in kinds)} ('wetval cards list --kind "
                    f"{kinds[0]}' lists them)"
                )
                continue
            cards[stage] = loaded
        if "condition" in cards and "quota" in cards:
            problems += grade_mismatch(cards["condition"], cards["quota"], "")
        if unknown:
            problems.insert(
                0,
                f"no method card with these ids: {', '.join(unknown)}; fix: use installed "
                f"cards ({', '.join(installed)}), or the path of a .toml file of your own",
            )
        if problems:
            raise WetvalError("\n".join(problems))
        return cards


def _check_partitionable(card: Card) -> None:
    """Refuse condition cards whose whole-table statistics cannot be reduced.

    Entropy, CRITIC and combined weights, TOPSIS (``vector-euclidean``) and
    land-class median imputation are reduced over the partitions
    (:mod:`wetval.condition.statistics`); only a TOPSIS variant without a
    reduction (none is registered besides ``vector-euclidean``) is refused.
    """
    from wetval.condition.body import ConditionBody

    options = ConditionBody.of(card).options
    if options.aggregation == "topsis" and options.topsis_variant != "vector-euclidean":
        raise WetvalError(
            f"condition card {card.id!r} uses TOPSIS variant {options.topsis_variant!r}, whose "
            "ideal points the partitioned path cannot reduce over partitions; fix: score it in "
            "memory (wetval assess) or use topsis_variant = 'vector-euclidean'"
        )


def _read_partition(directory: Path, name: str) -> tuple[Any, Any]:
    """The validated parcels and indicators of one partition."""
    from wetval.io import read_indicators, read_parcels

    parcels = read_parcels(directory / "parcels" / f"{name}.parquet")
    if len(parcels) == 0:  # write_partitions never writes one: a truncated or hand-made file
        raise WetvalError(
            f"{str(directory / 'parcels' / f'{name}.parquet')!r} holds no parcel rows; fix: "
            "export the partition's parcels again, or remove the partition (its parcels and "
            "indicators files)"
        )
    return parcels, read_indicators(directory / "indicators" / f"{name}.parquet")


def _statistics_partial(name: str, directory: Path, builder: Any) -> Any:
    """One partition's partial of the builder's current pass (a Dask task)."""
    try:
        parcels, indicators = _read_partition(directory, name)
        return builder.partial(indicators, parcels)
    except (WetvalError, OSError) as error:
        raise PartitionError(name, str(error)) from error


def _table_statistics(directory: Path, names: Sequence[str], card: Card, client: Any) -> Any:
    """The condition card's whole-table statistics, reduced pass by pass over the partitions.

    Each pass maps every partition to a partial (the same Dask scheduling as the
    stages) and combines the partials; ``None`` if the card needs none.
    """
    from dask.base import compute
    from dask.delayed import delayed

    from wetval.condition.statistics import StatisticsBuilder

    builder = StatisticsBuilder(card)
    if not builder.needed:
        return None
    while builder.needs():
        partials = [delayed(_statistics_partial)(name, directory, builder) for name in names]
        if client is not None:
            computed = client.gather(client.compute(partials))
        else:
            computed = compute(*partials, scheduler="threads")  # type: ignore[no-untyped-call]
        builder.add(*computed)
    return builder.result()


#: The whole-table statistics of the last run, with the key of what they were computed from.
STATISTICS_CACHE = "_statistics.json"


def _cached_statistics(
    directory: Path, names: Sequence[str], card: Card, client: Any, out: Path, resume: bool
) -> Any:
    """:func:`_table_statistics`, read back from ``OUT`` when inputs and card are unchanged.

    The key hashes every partition's two input files (SHA-256) and the condition card;
    any changed, added or removed partition or another card recomputes the passes.
    ``resume=False`` (``--restart``) recomputes them too. The record is plain JSON
    (:meth:`TableStatistics.to_dict`, floats as exact hex), so reading it back gives
    the same bits and runs no code.
    """
    from wetval.condition.statistics import StatisticsBuilder, TableStatistics

    if not StatisticsBuilder(card).needed:
        return None
    key = content_hash(
        {
            "card": card.ref.model_dump(),
            "partitions": {
                name: [
                    file_hash(directory / "parcels" / f"{name}.parquet"),
                    file_hash(directory / "indicators" / f"{name}.parquet"),
                ]
                for name in names
            },
        }
    )
    path = out / STATISTICS_CACHE
    if resume and path.is_file():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("key") == key:
                return TableStatistics.from_dict(record["statistics"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # an unreadable cache is recomputed
    statistics = _table_statistics(directory, names, card, client)
    record = {"key": key, "card": card.id, "statistics": statistics.to_dict()}
    _atomic(path, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return statistics


def partition_names(directory: str | os.PathLike[str]) -> list[str]:
    """Names of the partitions of a dataset (its ``parcels/*.parquet`` files), sorted.

    Raises
    ------
    WetvalError
        If the directory has no ``parcels`` partitions.
    """
    root = Path(directory)
    folder = root / "parcels"
    if not root.is_dir():
        raise WetvalError(
            f"the partitioned dataset {str(root)!r} is not a folder; fix: give the folder "
            "holding parcels/<partition>.parquet and indicators/<partition>.parquet"
        )
    names = sorted(p.stem for p in folder.glob("*.parquet"))
    if not names:
        raise WetvalError(
            f"no partitions in {str(folder)!r}: expected parcels/<partition>.parquet and "
            "indicators/<partition>.parquet; fix: write the dataset with "
            "wetval.scale.write_partitions, or give the folder that holds them"
        )
    missing = [n for n in names if not (root / "indicators" / f"{n}.parquet").is_file()]
    if missing:
        raise WetvalError(
            f"partitions without indicators in {str(root / 'indicators')!r}: "
            f"{', '.join(missing)}; fix: add indicators/<partition>.parquet for each "
            "parcels/<partition>.parquet (wetval.scale.write_partitions writes both)"
        )
    return names


def write_partitions(
    parcels: pd.DataFrame,
    indicators: pd.DataFrame,
    directory: str | os.PathLike[str],
    *,
    by: str | None = None,
    rows: int | None = None,
    parcel_id: str = "BSM",
) -> list[str]:
    """Write raw parcel and indicator frames as a partitioned dataset.

    Parameters
    ----------
    parcels
        Raw parcel rows (三调 columns, as :func:`wetval.read_parcels` reads them).
    indicators
        Raw indicator rows with a ``parcel_id`` column.
    directory
        Dataset folder (created).
    by
        Column of ``parcels`` naming the partition of each row (e.g. a county
        code); or
    rows
        Fixed number of parcel rows per partition [rows].
    parcel_id
        Column of ``parcels`` holding the parcel id.

    Returns
    -------
    list of str
        Partition names.
    """
    if (by is None) == (rows is None):
        raise ValueError("give exactly one of by= (a column) or rows= (rows per partition)")
    root = Path(directory)
    (root / "parcels").mkdir(parents=True, exist_ok=True)
    (root / "indicators").mkdir(parents=True, exist_ok=True)
    if by is not None:
        key = parcels[by].astype(str).to_numpy()
    else:
        assert rows is not None
        if rows < 1:
            raise ValueError(f"rows must be at least 1, got {rows}")
        key = np.char.zfill((np.arange(len(parcels)) // rows).astype(str), 5)
    codes, names = pd.factorize(key, sort=True)
    owner = pd.Series(codes, index=parcels[parcel_id].astype(str).to_numpy())
    indicator_codes = owner.reindex(indicators["parcel_id"].astype(str).to_numpy()).to_numpy()
    written = []
    for k, name in enumerate(names):
        label = f"part-{name}"
        parcels[codes == k].to_parquet(root / "parcels" / f"{label}.parquet", index=False)
        indicators[indicator_codes == k].to_parquet(
            root / "indicators" / f"{label}.parquet", index=False
        )
        written.append(label)
    return written


def _fingerprint(directory: Path, name: str, cards: dict[str, Card], statistics: Any = None) -> str:
    """Hash of a partition's input files, the cards and the whole-table statistics."""
    payload: dict[str, Any] = {
        "parcels": file_hash(directory / "parcels" / f"{name}.parquet"),
        "indicators": file_hash(directory / "indicators" / f"{name}.parquet"),
        "cards": {stage: card.ref.model_dump() for stage, card in cards.items()},
    }
    if statistics is not None:  # results depend on the other partitions through them
        payload["statistics"] = statistics.to_dict()
    return content_hash(payload)


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as text (categories differ between partitions)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).astype("str")
    return out


def _stage_results(
    directory: Path,
    name: str,
    cards: dict[str, Card],
    timings: dict[str, float],
    statistics: Any = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Run every stage on one partition (in memory): results by stage and summary rows.

    ``timings`` receives the wall time of each stage [s]; ``statistics`` are the
    condition card's whole-table statistics (or ``None``).
    """
    from wetval.condition import score
    from wetval.landclass import classify
    from wetval.quota import account_credits
    from wetval.screening import screen
    from wetval.tables import ParcelTable
    from wetval.valuation import value

    clock, cpu = time.perf_counter(), time.thread_time()

    def lap(stage: str) -> None:  # wall and CPU seconds of the stage (CPU: this thread only)
        nonlocal clock, cpu
        now, now_cpu = time.perf_counter(), time.thread_time()
        timings[stage], timings[f"{stage}_cpu"] = now - clock, now_cpu - cpu
        clock, cpu = now, now_cpu

    parcels, indicators = _read_partition(directory, name)
    lap("validation")
    condition = score(indicators, cards["condition"], parcels=parcels, statistics=statistics)
    lap("condition")
    services = value(parcels, cards["valuation"], condition=condition, indicators=indicators)
    lap("valuation")
    results: dict[str, pd.DataFrame] = {"condition": _plain_columns(condition.to_frame())}
    per_parcel = services.by_parcel().reindex(parcels.ids)
    results["valuation"] = per_parcel.rename("value_cny").to_frame()
    frame = parcels.to_frame()
    scored = condition.to_frame()["index"].reindex(parcels.ids).notna().to_numpy()
    candidate = np.zeros(len(frame), dtype=bool)
    if "screening" in cards:
        census = screen(parcels, indicators, cards["screening"])
        table = census.parcels.drop(columns=["rank"], errors="ignore")
        results["reserves"] = _plain_columns(table)
        candidate = table["candidate"].reindex(parcels.ids).fillna(False).to_numpy(dtype=bool)
        lap("reserves")
    units = np.zeros(len(frame))
    is_credit = np.zeros(len(frame), dtype=bool)
    if "quota" in cards and "role" in frame.columns:
        restoration = (frame["role"] == "restoration").to_numpy() & scored
        if restoration.any():
            sub = ParcelTable.from_frame(
                frame[restoration].reset_index(), scheme=parcels.scheme, source=parcels.source
            )
            quota = account_credits(sub, condition, cards["quota"])
            results["credits"] = _plain_columns(quota.table)
            positions = parcels.ids.get_indexer(quota.table.index)
            units[positions] = quota.table["units"].to_numpy(dtype=float)
            is_credit[positions] = True
        lap("credits")
    area = parcels.area("m2")
    grade = condition.to_frame()["grade_zh"].reindex(parcels.ids).astype(object)
    rows = pd.DataFrame(
        {
            "county_code": frame["county_code"].astype(object).to_numpy()
            if "county_code" in frame.columns
            else "",
            "category": classify(frame["land_class"].astype(object), parcels.scheme)[
                "category"
            ].to_numpy(),
            "grade": grade.where(grade.notna(), "unscored").to_numpy(),
            "parcels": 1,
            "area_m2": area,
            "value_cny": per_parcel.fillna(0.0).to_numpy(dtype=float),
            "scored": scored.astype(int),
            "reserve_candidates": candidate.astype(int),
            "reserve_area_m2": np.where(candidate, area, 0.0),
            "credit_parcels": is_credit.astype(int),
            "credit_units": units,
        }
    )
    summary = rows.groupby(list(SUMMARY_KEYS), sort=True, observed=True).sum().reset_index()
    summary.insert(0, "partition", name)
    lap("summary")
    return results, summary


def run_partition(
    directory: str | os.PathLike[str],
    name: str,
    out: str | os.PathLike[str],
    cards: ScaleCards | dict[str, Card] | None = None,
    *,
    resume: bool = True,
    statistics: Any = None,
) -> pd.DataFrame:
    """Run one partition and write its results; skip it when already finished.

    Parameters
    ----------
    directory
        The partitioned dataset.
    name
        Partition name (see :func:`partition_names`).
    out
        Results folder.
    cards
        The cards (default :class:`ScaleCards`).
    resume
        Skip the partition if ``OUT/_done/<name>.json`` records the same inputs,
        cards and statistics.
    statistics
        The condition card's whole-table statistics
        (:class:`wetval.condition.statistics.TableStatistics`), as :func:`run`
        reduces them; ``None`` scores with statistics of this partition alone.

    Returns
    -------
    pandas.DataFrame
        The partition's summary rows (keys :data:`SUMMARY_KEYS`, sums
        :data:`SUMMARY_VALUES`), with ``partition`` and ``skipped``.

    Raises
    ------
    PartitionError
        Naming the partition and, for bad data, every offending row.
    """
    root, target = Path(directory), Path(out)
    loaded = cards if isinstance(cards, dict) else (cards or ScaleCards()).loaded()
    done = target / "_done" / f"{name}.json"
    summary_path = target / "_summary" / f"{name}.parquet"
    try:
        fingerprint = _fingerprint(root, name, loaded, statistics)
        if resume and done.exists() and summary_path.exists():
            record = json.loads(done.read_text(encoding="utf-8"))
            if record.get("fingerprint") == fingerprint:
                return pd.read_parquet(summary_path).assign(skipped=True)
        timings: dict[str, float] = {}
        results, summary = _stage_results(root, name, loaded, timings, statistics)
    except PartitionError:
        raise
    except (WetvalError, OSError) as error:
        raise PartitionError(name, str(error)) from error
    clock = time.perf_counter()
    for stage, frame in results.items():
        _write(frame, target / stage / f"{name}.parquet")
    _write(summary, summary_path)
    timings["write"] = time.perf_counter() - clock
    record = {
        "partition": name,
        "fingerprint": fingerprint,
        "rows": int(summary["parcels"].sum()),
        "seconds": {stage: round(seconds, 4) for stage, seconds in timings.items()},
    }
    _atomic(done, json.dumps(record).encode("utf-8"))
    return summary.assign(skipped=False)


def _map_partition(
    name: str,
    directory: Path,
    out: Path,
    cards: dict[str, Card],
    resume: bool,
    statistics: Any = None,
) -> pd.DataFrame:
    """:func:`run_partition` with the partition name first (``dask.dataframe.from_map``)."""
    return run_partition(directory, name, out, cards, resume=resume, statistics=statistics)


@dataclass(frozen=True)
class ScaleRun:
    """What a partitioned run did.

    Attributes
    ----------
    partitions
        Partition names, in order.
    skipped
        Partitions already finished by an earlier run (not redone).
    county
        County summary: per county code, land category and condition grade
        (zh): parcels, area [m²], annual service value [CNY/yr], scored
        parcels, reserve candidates and their area [m²], credit parcels and
        quota units.
    province
        The same summed over counties.
    out
        Results folder.
    """

    partitions: tuple[str, ...]
    skipped: tuple[str, ...]
    county: pd.DataFrame
    province: pd.DataFrame
    out: Path
    timings: dict[str, float] = field(default_factory=dict)


def _summaries(frames: Iterable[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = pd.concat(list(frames), ignore_index=True)
    values = list(SUMMARY_VALUES)
    county = rows.groupby(list(SUMMARY_KEYS), sort=True)[values].sum().reset_index()
    province = rows.groupby(list(SUMMARY_KEYS[1:]), sort=True)[values].sum().reset_index()
    return county, province


def run(
    directory: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    cards: ScaleCards | None = None,
    client: Any = None,
    partitions: Sequence[str] | None = None,
    resume: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> ScaleRun:
    """Run the county-independent stages over a partitioned dataset with Dask.

    Parameters
    ----------
    directory
        Partitioned dataset (see the module docstring); local or any path
        pandas/pyarrow can open on every worker.
    out
        Results folder (shared by all workers).
    cards
        The cards (default :class:`ScaleCards`).
    client
        A ``distributed.Client``; without one Dask's local threaded scheduler
        runs the partitions.
    partitions
        Only these partitions (default all).
    resume
        Skip partitions finished by an earlier run with the same inputs and cards.
    progress
        Called as ``progress(finished, total, partition)`` after each partition.

    Returns
    -------
    ScaleRun

    Raises
    ------
    PartitionError
        For the first partition that failed (its name and offending rows).
    wetval.errors.WetvalError
        For a condition card whose whole-table statistics cannot be reduced (a
        TOPSIS variant other than ``vector-euclidean``).
    """
    try:
        import dask.dataframe as dd
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise DependencyError("the partitioned path", "scale", "dask") from error

    chosen = cards or ScaleCards()
    loaded = chosen.loaded()
    _check_partitionable(loaded["condition"])
    names = list(partitions) if partitions is not None else partition_names(directory)
    # first pass(es): what the condition card estimates from the whole table
    # over every partition of the dataset, so a run of some partitions scores them as a
    # run of all would
    statistics = _cached_statistics(
        Path(directory), partition_names(directory), loaded["condition"], client, Path(out), resume
    )
    meta = pd.DataFrame(
        {
            "partition": pd.Series(dtype=object),
            **{k: pd.Series(dtype=object) for k in SUMMARY_KEYS},
            **{v: pd.Series(dtype=float) for v in SUMMARY_VALUES},
            "skipped": pd.Series(dtype=bool),
        }
    )
    frame = dd.from_map(  # type: ignore[no-untyped-call]
        _map_partition,
        names,
        args=(Path(directory), Path(out), loaded, resume, statistics),
        meta=meta,
        enforce_metadata=False,
        label="wetval-partition",
    )
    pieces = frame.to_delayed()
    results: list[pd.DataFrame | None] = [None] * len(names)
    if client is not None:
        from distributed import as_completed

        futures = client.compute(pieces)
        where = {future.key: k for k, future in enumerate(futures)}
        for count, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            k = where[future.key]
            results[k] = future.result()
            if progress is not None:
                progress(count, len(names), names[k])
    else:
        results = _compute_locally(pieces, names, progress)
    finished = [r for r in results if r is not None]
    skipped = tuple(
        name
        for name, r in zip(names, results, strict=True)
        if r is not None and bool(r["skipped"].all()) and len(r)
    )
    county, province = _summaries(r.drop(columns=["skipped"]) for r in finished)
    target = Path(out)
    for label, table in (("county", county), ("province", province)):
        _write(table, target / f"summary_{label}.parquet")
        _write(table, target / f"summary_{label}.csv", csv=True)
    return ScaleRun(
        partitions=tuple(names), skipped=skipped, county=county, province=province, out=target
    )


def _compute_locally(
    pieces: Sequence[Any], names: Sequence[str], progress: Callable[[int, int, str], None] | None
) -> list[pd.DataFrame | None]:
    """Each partition on a thread of this process; a failure or Ctrl-C stops the rest.

    The partitions not yet started are cancelled and those running finish (or clean up
    their temporary files) before the error leaves; a KeyboardInterrupt reaches the
    caller (dask's threaded scheduler ran every queued partition to the end first).
    """
    results: list[pd.DataFrame | None] = [None] * len(names)
    with ThreadPoolExecutor() as pool:
        position = {
            pool.submit(piece.compute, scheduler="sync"): k for k, piece in enumerate(pieces)
        }
        pending = set(position)
        count = 0
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    k = position[future]
                    results[k] = future.result()
                    count += 1
                    if progress is not None:
                        progress(count, len(names), names[k])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return results


def read_results(out: str | os.PathLike[str], stage: str) -> pd.DataFrame:
    """All partitions' results of one stage, concatenated in partition order.

    Parameters
    ----------
    out
        Results folder of :func:`run`.
    stage
        One of :data:`STAGES`.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    files = sorted((Path(out) / stage).glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files]) if files else pd.DataFrame()
