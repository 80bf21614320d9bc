"""The array kernel gives scoring.paper_weights / scoring.aggregate's numbers for many people at once."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.index.kernel import affinity_matrix, aggregate_groups, entry_weights
from scholarlens.scoring import METHODS, aggregate, get_method, paper_weights

SPECS = [*METHODS, "hybrid-top5,k=1", "hybrid-top5,k=40", "softmax,temperature=1", "top5,agg=decay,decay=0.8"]


def _people(rng: np.random.Generator, n_people: int, n_papers: int) -> list[np.ndarray]:
    # heavy tail: most people have 1-3 papers, a few have hundreds
    sizes = np.minimum(rng.zipf(1.6, n_people), 300)
    return [rng.choice(n_papers, size=min(s, n_papers), replace=False) for s in sizes]


@pytest.mark.parametrize("spec", SPECS)
def test_weights_and_aggregation_equal_the_per_person_functions(spec):
    m = get_method(spec)
    rng = np.random.default_rng(abs(hash(spec)) % 2**32)
    n_papers = 400
    n_authors = rng.integers(0, 60, n_papers)
    years = np.where(rng.random(n_papers) < 0.1, 0, rng.integers(1990, 2025, n_papers))
    people = _people(rng, 150, n_papers)
    positions = [np.where(rng.random(len(p)) < 0.2, -1, rng.integers(0, 8, len(p))) for p in people]
    sims = rng.normal(0.2, 0.3, (3, n_papers)).astype(np.float32)
    newest = int(years.max())
    rows = np.concatenate(people)
    pos = np.concatenate(positions)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in people])])
    w = entry_weights(m, n_authors[rows], years[rows], pos, newest)
    got = aggregate_groups(sims, rows, w, starts, m)
    for g, (cols, p) in enumerate(zip(people, positions, strict=True)):
        ref_w = paper_weights(
            m,
            n_authors[cols].tolist(),
            [int(y) or None for y in years[cols]],
            [int(x) if x >= 0 else None for x in p],
            newest,
        )
        assert np.array_equal(w[starts[g] : starts[g + 1]], ref_w)
        ref, _ = aggregate(sims[:, cols], ref_w, m)
        np.testing.assert_allclose(got[:, g], ref, rtol=0, atol=2e-6)


def test_blocked_affinity_equals_one_block():
    m = get_method(None)
    rng = np.random.default_rng(3)
    people = _people(rng, 60, 200)
    rows = np.concatenate(people)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in people])])
    w = np.ones(len(rows), np.float32)
    sims = rng.random((37, 200)).astype(np.float32)
    seen = []
    blocked = affinity_matrix(
        lambda a, b: sims[a:b],
        37,
        rows,
        w,
        starts,
        m,
        block=8,
        progress=lambda s, d, t: seen.append(d),
    )
    np.testing.assert_array_equal(blocked, aggregate_groups(sims, rows, w, starts, m))
    assert seen == [8, 16, 24, 32, 37]


@pytest.mark.parametrize(
    "spec", ["hybrid-top5", "hybrid-top5,k=1", "hybrid-top5,k=8", "max", "softmax"]
)
def test_one_person_fast_top_k_is_bit_identical_to_aggregate(spec):
    from scholarlens.index.engine import _aggregate_one

    m = get_method(spec)
    rng = np.random.default_rng(11)
    for n in (3, 21, 100, 3000):
        for trial in range(12):
            s = rng.normal(size=(1, n)).astype(np.float32)
            if trial % 3 == 0:
                s = np.round(s, 1)  # many ties at the k-th value
            w = np.ones(n, np.float32) if trial % 4 == 0 else rng.random(n).astype(np.float32)
            want, want_c = aggregate(s, w, m)
            got, got_c = _aggregate_one(s, w, m)
            assert got.tolist() == want.tolist() and np.array_equal(got_c, want_c)


@pytest.mark.parametrize("spec", ["top3", "hybrid-top5", "max", "hybrid-top5,k=40", "mean"])
def test_one_query_with_long_groups_reduced_flat_equals_the_buckets(spec, monkeypatch):
    from scholarlens.index import kernel

    monkeypatch.setattr(kernel, "FLAT_GROUP", 8)
    m = get_method(spec)
    rng = np.random.default_rng(11)
    people = _people(rng, 120, 300)
    rows = np.concatenate(people)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in people])])
    w = rng.choice([1.0, 0.5, 0.25], len(rows)).astype(np.float32)
    sims = np.round(rng.normal(0.2, 0.3, 300), 2).astype(np.float32)  # ties
    sims[rng.random(300) < 0.3] = -np.inf  # dead rows count as missing papers
    assert (np.diff(starts) > 8).any() and (np.diff(starts) < 3).any()
    got = kernel.aggregate_one(sims, rows, w, starts, m)
    want = aggregate_groups(sims[None, :], rows, w, starts, m)[0]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
