"""The lazy, block-by-block credit queue of ``balance`` ranks exactly as the full ranking.

``balance`` ranks credits for an occupation by location rank, closeness of grade, type
group and parcel id. It builds that order one location block at a time, only as far as
the matching reaches (issue 18: 100,000 credits × 10,000 occupations). These properties
check, over random credit pools, card location ranks and occupation profiles, that
consuming a queue credit by credit visits exactly the credits, in exactly the order, of
the full ranking computed over every credit at once.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wetval.quota.balance import _CreditPool


@st.composite
def pools_and_profiles(draw: st.DrawFn) -> tuple[_CreditPool, tuple[int, int, float, int, bool]]:
    n = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    graded = draw(st.booleans())
    rank = (
        rng.integers(1, 5, n).astype(float) if graded else rng.random(n).round(2)
    )  # grade ranks, or the quality factor itself (quality_basis = "index")
    pool = _CreditPool(
        town=rng.integers(-1, 4, n),
        county=rng.integers(-1, 3, n),
        rank=rank,
        group=rng.integers(-1, 3, n),
        location_rank=np.array(draw(st.lists(st.integers(0, 2), min_size=3, max_size=3))),
        cross_county=draw(st.booleans()),
        closest=draw(st.booleans()),
    )
    profile = (
        draw(st.integers(-1, 4)),
        draw(st.integers(-1, 3)),
        float(rng.integers(1, 5)) if graded else round(float(rng.random()), 2),
        draw(st.integers(-1, 3)),
        draw(st.booleans()),
    )
    return pool, profile


@settings(max_examples=300, deadline=None)
@given(pools_and_profiles())
def test_the_queue_visits_the_full_ranking_in_order(
    case: tuple[_CreditPool, tuple[int, int, float, int, bool]],
) -> None:
    pool, profile = case
    ranked, _ = pool.ranking(*profile)
    queue = pool.queue(*profile)
    remaining = np.ones(pool.rank.size)
    visited = []
    while (position := queue.next_available(remaining)) >= 0:
        visited.append(position)
        remaining[position] = 0.0
    assert visited == ranked.tolist()


@settings(max_examples=200, deadline=None)
@given(pools_and_profiles())
def test_the_queue_names_each_credits_location_as_the_full_ranking_does(
    case: tuple[_CreditPool, tuple[int, int, float, int, bool]],
) -> None:
    pool, (d_town, d_county, d_rank, d_group, like) = case
    queue = pool.queue(d_town, d_county, d_rank, d_group, like)
    same_county = (pool.county == d_county) & (d_county >= 0)
    same_town = same_county & (pool.town == d_town) & (d_town >= 0)
    expected = np.where(same_town, 0, np.where(same_county, 1, 2))
    assert [queue.location_of(p) for p in range(pool.rank.size)] == expected.tolist()
