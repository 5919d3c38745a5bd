"""Area-and-quality balance (面积和质量相当) and matching of credits to occupations.

:func:`balance` reports three balances side by side, because the law asks
for area *and* quality and a single unit total can hide a shortfall in either:

* **area** — eligible restored area against occupied area [亩];
* **quality** — quality-weighted area (Σ area × quality factor) and the
  area-weighted mean quality factor on both sides;
* **units** — quota units (with time lag, risk and location factors).

It then matches specific credit parcels to each occupation parcel under the
card's rules and names every shortfall:

1. a credit may offset an occupation only if its grade is not lower;
2. important wetland (the card's ``like_for_like_levels``, by default national
   and provincial) needs credits of the same type group (like for like);
3. credits in the same township are used first, then the same county, then
   other counties (only if ``allow_cross_county``), each with the card's
   location factor on the units it delivers;
4. among equally located credits, the one whose grade is closest to the
   occupation's is used first (``quality_preference = "closest"``), keeping
   better credits for better occupations; ties go to the same type group and
   then to the parcel id, so the result never depends on input order.

An occupation parcel is covered when the matched credits deliver at least
its area *and* its units. Occupations are served in the order national,
provincial, general, then by project and parcel id.

Without a ledger the match draws on the credits' *potential* units (a planning
view). With a :class:`~wetval.quota.QuotaLedger` it draws only on what the
ledger holds *available* (released by passed milestones and not yet debited),
pro rata over each restoration project's parcels; the matches can then be
posted back to the ledger as debits with :meth:`QuotaLedger.post`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.boundary import accept
from wetval.cards import Card
from wetval.errors import WetvalError
from wetval.hashing import frame_hash
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota.accounts import (
    NO_PROJECT,
    QuotaCredits,
    QuotaDebits,
    QuotaRules,
    _not_permissible_notes,
)
from wetval.quota.ledger import LedgerBalances, QuotaLedger
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["BalanceReport", "balance"]

_LEVEL_ORDER = {"national": 0, "provincial": 1, "general": 2}
_MATCH_COLUMNS = [
    "debit_parcel", "project_id", "credit_parcel", "credit_project", "location",
    "location_factor", "credit_share", "area_mu", "credit_units", "units_delivered",
]  # fmt: skip


@dataclass(frozen=True)
class BalanceReport(Result):
    """Area, quality and unit balance of credits against occupations, with matches.

    Attributes
    ----------
    balances
        Indexed by measure (``area_mu``, ``quality_weighted_mu``, ``units``):
        ``credits``, ``debits`` and ``balance`` (credits − debits; negative is
        a shortfall). Eligible credits and permissible occupations only; credit
        units here are before location factors (those apply per match).
    mean_quality
        Area-weighted mean quality factor of eligible credits and of the
        occupations (``credits``, ``debits``).
    matches
        One row per (occupation parcel, credit parcel) pair: the share of the
        credit parcel used, the area [亩] and credit units it contributes,
        its location and location factor, and the units it delivers.
    projects
        Per occupation project: area and units required and delivered,
        shortfalls, ``balanced`` and ``reason``: for a shortfall a keyed
        :class:`~wetval.messages.Message` (``qb_reasons``, one reason per
        occupation parcel; ``str()`` is the English text, ``.text("zh")`` the
        Chinese), ``""`` for a covered project.
    not_permissible
        Occupation parcels the law does not allow; they are not matched.
    unused_credits
        Per eligible credit parcel: units and area [亩] left after matching
        (with a ledger: of the units it holds available).
    card
        The ``quota`` card whose rules were applied.
    provenance
        Card and input hashes (``inputs["ledger"]`` when matched against a ledger).
    ledger_accounts
        With a ledger, per restoration project with credits: ``credit_units``
        (potential from the credits), the ledger's ``released``, ``debited``,
        ``pledged`` (locked by a pledge: registry only, 0 for a ledger file) and
        ``available`` units (released − debited − pledged), ``available_share``
        (available ÷ potential, the share of each parcel the match may use; 0 for a project the
        ledger has not registered), ``registered`` and ``units_matched``
        (credit units this balance took). None without a ledger.
    """

    balances: pd.DataFrame
    mean_quality: pd.Series
    matches: pd.DataFrame
    projects: pd.DataFrame
    not_permissible: pd.DataFrame
    unused_credits: pd.DataFrame
    card: Card
    provenance: Provenance = field(default_factory=Provenance)
    ledger_accounts: pd.DataFrame | None = None

    @property
    def balanced(self) -> bool:
        """True when every permissible occupation project is fully covered."""
        return bool(self.projects["balanced"].all()) if len(self.projects) else True

    @property
    def shortfalls(self) -> pd.DataFrame:
        """Projects that are not covered, with what is missing and why."""
        return self.projects[~self.projects["balanced"]].copy()

    def to_frame(self) -> pd.DataFrame:
        """The per-project table."""
        return self.projects.copy()

    def summary(self) -> Summary:
        """Three balances, per-project coverage and every shortfall by name."""
        balances = pd.DataFrame(
            {
                "measure": [Term(str(m), str(m)) for m in self.balances.index],
                "credits": self.balances["credits"].to_numpy(dtype=float),
                "debits": self.balances["debits"].to_numpy(dtype=float),
                "balance": self.balances["balance"].to_numpy(dtype=float),
            }
        )
        digits = dict.fromkeys(["credits", "debits", "balance"], 4)
        tables = [SummaryTable("balance", "balance_table", balances, digits)]
        if len(self.projects):
            columns = ["area_required_mu", "area_delivered_mu", "units_required", "units_delivered"]
            projects = pd.DataFrame(
                {
                    "project_id": self.projects.index.astype(str).tolist(),
                    **{
                        "units_required_col" if c == "units_required" else c: self.projects[
                            c
                        ].to_numpy(dtype=float)
                        for c in columns
                    },
                    "balanced_col": [bool(v) for v in self.projects["balanced"]],
                }
            )
            tables.append(SummaryTable("projects", "projects_table", projects))
        notes = [
            Message.of(
                "sum_balance_quality",
                "note",
                credits=float(self.mean_quality["credits"]),
                debits=float(self.mean_quality["debits"]),
            )
        ]
        if self.ledger_accounts is not None:
            accounts = self.ledger_accounts
            notes.append(
                Message.of(
                    "sum_balance_ledger",
                    "note",
                    available=float(accounts["available"].sum()),
                    potential=float(accounts["credit_units"].sum()),
                    unregistered=int((~accounts["registered"]).sum()),
                )
            )
        notes += [
            Message.of(
                "sum_shortfall",
                project=str(project),
                units=float(row["units_shortfall"]),
                area=float(row["area_shortfall_mu"]),
                reason=_reason(row["reason"]),
            )
            for project, row in self.shortfalls.iterrows()
        ]
        notes += _not_permissible_notes(self.not_permissible, self.card)
        title = Message.of(
            "sum_balance", "note", card=f"{self.card.id}@{self.card.version}",
            verdict=Term("balanced" if self.balanced else "not_balanced", ""),
        )  # fmt: skip
        return Summary(title, tuple(tables), tuple(notes))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of required against matched area and units per project."""
        ax = axes(ax)
        projects = self.projects
        x = np.arange(len(projects))
        width = 0.2
        ax.bar(x - 1.5 * width, projects["area_required_mu"], width, label="亩 needed")
        ax.bar(x - 0.5 * width, projects["area_delivered_mu"], width, label="亩 matched")
        ax.bar(x + 0.5 * width, projects["units_required"], width, label="units needed")
        ax.bar(x + 1.5 * width, projects["units_delivered"], width, label="units matched")
        ax.set_xticks(x, [str(p) for p in projects.index])
        ax.set_ylabel("亩 / quota units")
        ax.set_title("占补平衡 area and quality balance by occupation project")
        ax.legend()
        return ax


def _reason(value: object) -> Message | str:
    """A ``projects["reason"]`` cell for a note: the message, or the text of an older result."""
    return value if isinstance(value, Message) else str(value)


_LOCATIONS = np.array(["same_township", "same_county", "cross_county"], dtype=object)


def _location_codes(
    d_town: int, d_county: int, c_town: np.ndarray, c_county: np.ndarray
) -> np.ndarray:
    """Location of each credit relative to one occupation: an index into :data:`_LOCATIONS`.

    Townships and counties are factorised codes (-1 unknown); an unknown county
    is cross-county.
    """
    same_county = (c_county == d_county) & (d_county >= 0)
    same_town = same_county & (c_town == d_town) & (d_town >= 0)
    return np.where(same_town, 0, np.where(same_county, 1, 2))


@dataclass
class _CreditPool:
    """The eligible credits, grouped by place so that one occupation's ranking is cheap.

    Credits are ranked for an occupation by location rank, then closeness of grade,
    then type group, then parcel id (:func:`balance`). Every credit of one location
    class shares the first key, so the ranking is built one location block at a time,
    and only as far as the matching reaches: most occupations are served from their
    own township. Arrays are positions into the credit table, sorted by parcel id.
    All codes are integers (-1 unknown; an unknown type group matches nothing).
    """

    town: np.ndarray
    county: np.ndarray
    rank: np.ndarray
    group: np.ndarray
    location_rank: np.ndarray
    cross_county: bool
    closest: bool
    _by_county: dict[int, np.ndarray] = field(init=False)
    _by_place: dict[tuple[int, int], np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self._by_county = _positions_by(self.county)
        place = self.county.astype(np.int64) * (int(self.town.max(initial=0)) + 2) + self.town + 1
        by_place = _positions_by(place)
        self._by_place = {
            (int(self.county[p[0]]), int(self.town[p[0]])): p for p in by_place.values()
        }

    def blocks(self) -> list[tuple[int, ...]]:
        """Location codes ranked together, best location rank first."""
        codes = [0, 1, 2] if self.cross_county else [0, 1]
        ranks = sorted({self.location_rank[c] for c in codes})
        return [tuple(c for c in codes if self.location_rank[c] == r) for r in ranks]

    def members(self, codes: tuple[int, ...], d_town: int, d_county: int) -> np.ndarray:
        """Positions of the credits at these location codes from one occupation's place."""
        empty = np.zeros(0, dtype=np.intp)
        county = self._by_county.get(d_county, empty) if d_county >= 0 else empty
        known = d_town >= 0 and d_county >= 0
        town = self._by_place.get((d_county, d_town), empty) if known else empty
        parts = []
        if 0 in codes:
            parts.append(town)
        if 1 in codes:
            parts.append(np.setdiff1d(county, town, assume_unique=True))
        if 2 in codes:
            parts.append(np.setdiff1d(np.arange(self.rank.size), county, assume_unique=True))
        return parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))

    def order(
        self, positions: np.ndarray, d_rank: float, d_group: int, like_for_like: bool
    ) -> np.ndarray:
        """The suitable credits among ``positions``, in ranking order within one location rank."""
        suitable = self.rank[positions] >= d_rank
        if like_for_like:
            suitable &= (self.group[positions] == d_group) & (d_group >= 0)
        found = positions[suitable]
        quality_key = self.rank[found] - d_rank if self.closest else -self.rank[found]
        group_key = ((self.group[found] != d_group) | (d_group < 0)).astype(int)
        ranked: np.ndarray = found[np.lexsort((found, group_key, quality_key))]
        return ranked

    def queue(
        self, d_town: int, d_county: int, d_rank: float, d_group: int, like_for_like: bool
    ) -> _CreditQueue:
        """The credits one occupation profile takes, best first, built as it is consumed."""
        return _CreditQueue(self, d_town, d_county, d_rank, d_group, like_for_like)

    def ranking(
        self, d_town: int, d_county: int, d_rank: float, d_group: int, like_for_like: bool
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray | bool, np.ndarray | bool]]:
        """Every suitable credit in ranking order, and the rule masks (for shortfall notes)."""
        location = _location_codes(d_town, d_county, self.town, self.county)
        better = self.rank >= d_rank
        like = ((self.group == d_group) & (d_group >= 0)) if like_for_like else True
        reachable = location != 2 if not self.cross_county else True
        candidates = np.flatnonzero(better & like & reachable)
        quality_key = self.rank[candidates] - d_rank if self.closest else -self.rank[candidates]
        group_key = ((self.group[candidates] != d_group) | (d_group < 0)).astype(int)
        ranked = candidates[
            np.lexsort(
                (candidates, group_key, quality_key, self.location_rank[location[candidates]])
            )
        ]
        return ranked, (better, like, reachable)


class _CreditQueue:
    """One occupation profile's ranked credits, materialised one location block at a time."""

    def __init__(
        self,
        pool: _CreditPool,
        d_town: int,
        d_county: int,
        d_rank: float,
        d_group: int,
        like_for_like: bool,
    ) -> None:
        self._pool = pool
        self._profile = (d_town, d_county, d_rank, d_group, like_for_like)
        self._blocks = pool.blocks()
        self._block = -1
        self._ranked = np.zeros(0, dtype=np.intp)
        self._next = 0

    def next_available(self, remaining: np.ndarray) -> int:
        """The best credit with units left (its position), or -1 when none is left."""
        while True:
            while self._next < self._ranked.size:
                position = int(self._ranked[self._next])
                if remaining[position] > 1e-12:
                    return position
                self._next += 1
            if self._block + 1 == len(self._blocks):
                return -1
            self._block += 1
            d_town, d_county, d_rank, d_group, like_for_like = self._profile
            members = self._pool.members(self._blocks[self._block], d_town, d_county)
            self._ranked = self._pool.order(members, d_rank, d_group, like_for_like)
            self._next = 0

    def location_of(self, position: int) -> int:
        """Location code of one credit relative to the profile's place."""
        d_town, d_county = self._profile[0], self._profile[1]
        same_county = d_county >= 0 and self._pool.county[position] == d_county
        if same_county and d_town >= 0 and self._pool.town[position] == d_town:
            return 0
        return 1 if same_county else 2


def _positions_by(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Ascending positions of each distinct code (one stable sort, no per-code scan)."""
    if codes.size == 0:
        return {}
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    return {
        int(sorted_codes[s]): part
        for s, part in zip(starts, np.split(order, starts[1:]), strict=True)
    }


def _codes(credit_values: np.ndarray, debit_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shared integer codes of two text columns (-1 for missing)."""
    codes, _ = pd.factorize(
        pd.Series(np.concatenate([credit_values, debit_values]), dtype=object), use_na_sentinel=True
    )
    return codes[: len(credit_values)], codes[len(credit_values) :]


def balance(
    credits: QuotaCredits,
    debits: QuotaDebits,
    *,
    ledger: QuotaLedger | LedgerBalances | None = None,
) -> BalanceReport:
    """Balance credits against occupations and match credit parcels to each occupation.

    Parameters
    ----------
    credits
        From :func:`wetval.quota.account_credits`.
    debits
        From :func:`wetval.quota.account_debits`; must use the same card as ``credits``.
    ledger
        The quota ledger opened from these credits
        (:meth:`QuotaLedger.from_credits`). When given, only the units it holds
        available (released and not yet debited) are matched, the same share
        of every parcel of a restoration project; a project the ledger has
        not registered supplies nothing. Without it, potential units are
        matched. The registry's balances
        (:meth:`wetval.registry.Registry.ledger_balances`, a
        :class:`~wetval.quota.LedgerBalances`) are matched the same way, its
        pledged units locked.

    Returns
    -------
    BalanceReport

    Raises
    ------
    WetvalError
        If credits and debits were computed with different cards, or if a
        ledger account's potential differs from its project's credit units
        (the ledger was opened from other credits).
    """
    credits = accept(credits, QuotaCredits, "credits")
    debits = accept(debits, QuotaDebits, "debits")
    ledger = accept(ledger, (QuotaLedger, LedgerBalances), "ledger", optional=True)
    view = ledger.balances() if isinstance(ledger, QuotaLedger) else ledger
    if credits.card.hash != debits.card.hash:
        raise WetvalError(
            f"credits use card {credits.card.id}@{credits.card.version} but debits use "
            f"{debits.card.id}@{debits.card.version} (card hashes {credits.card.hash[:12]} and "
            f"{debits.card.hash[:12]}); compute both with the same quota card"
        )
    rules = QuotaRules.from_card(credits.card)
    dp = rules.unit_decimals
    tolerance = 0.5 * 10.0**-dp
    like_levels = set(rules.card.option("like_for_like_levels", ["national", "provincial"]))
    cross_ok = bool(rules.card.option("allow_cross_county", True))
    closest = rules.card.option("quality_preference", "closest") == "closest"

    c_table = credits.table[credits.table["eligible"] & (credits.table["units"] > 0)]
    c_table = c_table.sort_index()
    d_all = debits.table
    d_table = d_all[d_all["needs_quota"] & d_all["permissible"]]
    d_project = d_table["project_id"].fillna(NO_PROJECT).to_numpy(dtype=object)

    c_ids = c_table.index.to_numpy(dtype=object)
    c_group, d_group = _codes(
        c_table["type_group"].to_numpy(dtype=object), d_table["type_group"].to_numpy(dtype=object)
    )
    c_rank = _ranks(rules, c_table)
    c_units = c_table["units"].to_numpy(dtype=float)
    c_area = c_table["area_mu"].to_numpy(dtype=float)
    c_project = c_table["project_id"].to_numpy(dtype=object)
    # the township is a code (ZLDWDM[:9]) where both sides have one; names only otherwise
    town_key = (
        "township_code"
        if "township_code" in c_table.columns and "township_code" in d_table.columns
        else "township"
    )
    c_town, d_town = _codes(
        c_table[town_key].to_numpy(dtype=object), d_table[town_key].to_numpy(dtype=object)
    )
    c_county, d_county = _codes(
        c_table["county_code"].to_numpy(dtype=object),
        d_table["county_code"].to_numpy(dtype=object),
    )
    location_factor = np.array([rules.location_factor.get(n, np.nan) for n in _LOCATIONS])
    location_rank = np.array([rules.location_rank.get(n, len(_LOCATIONS)) for n in _LOCATIONS])
    c_account = c_table["project_id"].fillna(NO_PROJECT).to_numpy(dtype=object)
    if view is None:
        remaining = np.ones(len(c_table))
        withheld = np.zeros(len(c_table))
        accounts = None
    else:
        accounts = _ledger_accounts(view, credits, dp)
        # a copy: matching uses the shares up in place
        remaining = accounts["available_share"].reindex(c_account).to_numpy(dtype=float, copy=True)
        withheld = accounts["withheld_share"].reindex(c_account).to_numpy(dtype=float) * c_units

    d_ids = d_table.index.to_numpy(dtype=object)
    d_pid = d_table["project_id"].to_numpy(dtype=object)
    d_area = d_table["area_mu"].to_numpy(dtype=float)
    d_units = d_table["units"].to_numpy(dtype=float)
    d_level = d_table["wetland_level"].to_numpy(dtype=object)
    d_rank = _ranks(rules, d_table)
    order = sorted(
        range(len(d_table)),
        key=lambda i: (_LEVEL_ORDER.get(str(d_level[i]), 3), str(d_pid[i]), str(d_ids[i])),
    )
    credit_pool = _CreditPool(
        town=c_town,
        county=c_county,
        rank=c_rank,
        group=c_group,
        location_rank=location_rank,
        cross_county=cross_ok,
        closest=closest,
    )
    # The order in which an occupation takes credits depends only on its township,
    # county, grade, type group and level, not on what earlier occupations took: one
    # queue per such profile, ranked lazily, skipping the credits used up since.
    queues: dict[tuple[object, ...], _CreditQueue] = {}
    matches: list[tuple[object, ...]] = []
    reasons: dict[object, list[Message]] = {}
    delivered_area = np.zeros(len(d_table))
    delivered_units = np.zeros(len(d_table))
    for i in order:
        like_for_like = d_level[i] in like_levels
        key = (d_town[i], d_county[i], d_rank[i], d_group[i], like_for_like)
        if key not in queues:
            queues[key] = credit_pool.queue(
                d_town[i], d_county[i], d_rank[i], d_group[i], like_for_like
            )
        queue = queues[key]
        if queue.next_available(remaining) < 0:
            ranked, masks = credit_pool.ranking(
                d_town[i], d_county[i], d_rank[i], d_group[i], like_for_like
            )
            reasons.setdefault(d_project[i], []).append(
                _awaiting(_why_none(d_ids[i], remaining > 1e-12, *masks), withheld[ranked])
            )
            continue
        need_area, need_units = float(d_area[i]), float(d_units[i])
        while need_area > tolerance or need_units > tolerance:
            j = queue.next_available(remaining)
            if j < 0:
                break
            location = queue.location_of(j)
            factor = location_factor[location]
            per_share_units = c_units[j] * factor
            share = max(
                need_area / c_area[j] if c_area[j] > 0 else 0.0,
                need_units / per_share_units if per_share_units > 0 else 0.0,
            )
            share = min(share, remaining[j])
            remaining[j] -= share
            need_area -= share * c_area[j]
            need_units -= share * per_share_units
            delivered_area[i] += share * c_area[j]
            delivered_units[i] += share * per_share_units
            matches.append(
                (
                    d_ids[i], d_pid[i], c_ids[j], c_project[j], _LOCATIONS[location], factor,
                    share, share * c_area[j], share * c_units[j], share * per_share_units,
                )
            )  # fmt: skip
        if need_area > tolerance or need_units > tolerance:
            ranked, _ = credit_pool.ranking(
                d_town[i], d_county[i], d_rank[i], d_group[i], like_for_like
            )
            ran_out = Message.of(
                "qb_ran_out", "note", parcel=str(d_ids[i]), units=max(need_units, 0),
                area=max(need_area, 0),
            )  # fmt: skip
            reasons.setdefault(d_project[i], []).append(_awaiting(ran_out, withheld[ranked]))

    projects = _projects(d_table, d_project, delivered_area, delivered_units, reasons, tolerance)
    balances, mean_quality = _balances(c_table, d_table)
    unused = pd.DataFrame(
        {
            "credit_project": c_project,
            "units_left": np.round(remaining * c_units, dp),
            "area_left_mu": remaining * c_area,
        },
        index=pd.Index(c_ids, name="parcel_id"),
    )
    inputs = {"credits": frame_hash(credits.table), "debits": frame_hash(debits.table)}
    match_frame = pd.DataFrame(matches, columns=_MATCH_COLUMNS)
    if view is not None and accounts is not None:
        inputs["ledger"] = view.hash
        taken = (
            match_frame.assign(account=match_frame["credit_project"].fillna(NO_PROJECT))
            .groupby("account")["credit_units"]
            .sum()
        )
        accounts = accounts.drop(columns="withheld_share").assign(
            units_matched=taken.reindex(accounts.index, fill_value=0.0)
        )
    provenance = Provenance(
        method="jinxian-quota",
        cards=(rules.card.ref,),
        inputs=inputs,
        options={"step": "balance"},
    )
    return BalanceReport(
        balances=balances,
        mean_quality=mean_quality,
        matches=match_frame,
        projects=projects,
        not_permissible=d_all[~d_all["permissible"]].copy(),
        unused_credits=unused,
        card=rules.card,
        provenance=provenance,
        ledger_accounts=accounts,
    )


def _ledger_accounts(ledger: LedgerBalances, credits: QuotaCredits, decimals: int) -> pd.DataFrame:
    """Per restoration project with credits: the ledger's balances and the usable share.

    Raises
    ------
    WetvalError
        Naming every registered project whose ledger potential is not its
        credit units rounded to the ledger's decimals.
    """
    projects = credits.by_project()
    units = projects.loc[projects["units"] > 0, "units"]
    ledger_frame = ledger.accounts()
    registered = units.index.isin(ledger_frame.index)
    rows = ledger_frame.reindex(units.index)
    potential = rows["potential"].map(float, na_action="ignore").to_numpy(dtype=float)
    mismatch = registered & (
        np.abs(potential - units.round(decimals).to_numpy()) > 0.5 * 10.0**-decimals
    )
    if mismatch.any():
        lines = [
            f"- {project}: the credits give {credit_units:.{decimals}f} units, the ledger "
            f"account {ledger_potential:.{decimals}f}"
            for project, credit_units, ledger_potential in zip(
                units.index[mismatch], units[mismatch], potential[mismatch], strict=True
            )
        ]
        raise WetvalError(
            "the ledger was not opened from these credits: the potential of "
            f"{int(mismatch.sum())} account(s) differs from the project's credit units\n"
            + "\n".join(lines)
            + "\nfix: balance with the credits the ledger was opened from (same parcels, "
            "condition and quota card), or open the ledger with QuotaLedger.from_credits"
        )

    def balances(column: str) -> np.ndarray:
        values = rows[column].map(float, na_action="ignore").to_numpy(dtype=float)
        return np.where(registered, values, 0.0)

    released, debited, available = balances("released"), balances("debited"), balances("available")
    pledged = balances("pledged")
    # an unregistered project has a NaN potential: share 0, everything withheld
    with np.errstate(divide="ignore", invalid="ignore"):
        available_share = np.where(potential > 0, available / potential, 0.0)
        withheld_share = np.where(potential > 0, 1.0 - released / potential, 1.0)
    return pd.DataFrame(
        {
            "credit_units": units.to_numpy(dtype=float),
            "registered": registered,
            "released": released,
            "debited": debited,
            "pledged": pledged,
            "available": available,
            "available_share": available_share,
            "withheld_share": withheld_share,
        },
        index=pd.Index(units.index, name="project_id"),
    )


def _awaiting(reason: Message, withheld_units: np.ndarray) -> Message:
    """The reason, with the suitable credit units a ledger has not released yet (if any)."""
    total = float(withheld_units.sum())
    if total <= 0:
        return reason
    return Message.of("qb_awaiting", "note", reason=reason, units=total)


def _ranks(rules: QuotaRules, table: pd.DataFrame) -> np.ndarray:
    """Quality rank used by the not-lower rule (grade rank, or the factor itself)."""
    if rules.card.option("quality_basis", "grade") == "index":
        return table["quality_factor"].to_numpy(dtype=float)
    return table["grade"].map(rules.grade_rank).to_numpy(dtype=float)


def _why_none(
    parcel: object,
    available: np.ndarray,
    better: np.ndarray,
    like: np.ndarray | bool,
    reachable: np.ndarray | bool,
) -> Message:
    """Why no credit is left for an occupation parcel: the first rule no credit passes."""
    if not available.any():
        key = "qb_no_credits"
    elif not (available & better).any():
        key = "qb_not_lower"
    elif not (available & better & like).any():
        key = "qb_like_for_like"
    else:
        key = "qb_same_county"
    return Message.of(key, "note", parcel=str(parcel))


def _projects(
    d_table: pd.DataFrame,
    project: np.ndarray,
    area: np.ndarray,
    units: np.ndarray,
    reasons: dict[object, list[Message]],
    tolerance: float,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "project_id": project,
            "parcels": 1,
            "area_required_mu": d_table["area_mu"].to_numpy(dtype=float),
            "area_delivered_mu": area,
            "units_required": d_table["units"].to_numpy(dtype=float),
            "units_delivered": units,
        }
    )
    # shortfalls per parcel first: a surplus on one parcel never hides a gap on another
    frame["area_shortfall_mu"] = np.maximum(frame["area_required_mu"] - area, 0.0)
    frame["units_shortfall"] = np.maximum(frame["units_required"] - units, 0.0)
    grouped = frame.groupby("project_id", sort=True).sum()
    grouped["balanced"] = (grouped["area_shortfall_mu"] <= tolerance * grouped["parcels"]) & (
        grouped["units_shortfall"] <= tolerance * grouped["parcels"]
    )
    # a keyed message per shortfall (rendered in the reader's language), "" when covered
    why: list[str | Message] = [
        "" if ok else Message.of("qb_reasons", "note", reasons=tuple(reasons.get(p, [])))
        for p, ok in zip(grouped.index, grouped["balanced"], strict=True)
    ]
    grouped["reason"] = pd.Series(why, index=grouped.index)
    return grouped


def _balances(c_table: pd.DataFrame, d_table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Totals on both sides; units here are before location factors."""
    c_area = float(c_table["area_mu"].sum())
    d_area = float(d_table["area_mu"].sum())
    c_quality = float((c_table["area_mu"] * c_table["quality_factor"]).sum())
    d_quality = float((d_table["area_mu"] * d_table["quality_factor"]).sum())
    c_units = float(c_table["units"].sum())
    d_units = float(d_table["units"].sum())
    balances = pd.DataFrame(
        {
            "credits": [c_area, c_quality, c_units],
            "debits": [d_area, d_quality, d_units],
        },
        index=pd.Index(["area_mu", "quality_weighted_mu", "units"], name="measure"),
    )
    balances["balance"] = balances["credits"] - balances["debits"]
    mean_quality = pd.Series(
        {
            "credits": c_quality / c_area if c_area > 0 else float("nan"),
            "debits": d_quality / d_area if d_area > 0 else float("nan"),
        }
    )
    return balances, mean_quality
