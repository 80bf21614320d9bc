"""Blocked batch affinity equals the per-reviewer loop of expertise.affinity_scores."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.embeddings import embed_cached
from scholarlens.expertise import affinity_scores, read_archives, read_submissions
from scholarlens.index.batch import affinity
from scholarlens.scoring import METHODS, get_method

from .conftest import GOLD


@pytest.mark.parametrize(
    "method", ["hybrid-top5", "max", "softmax", "lexical", "recency", "position"]
)
def test_gold_standard_affinity_equals_the_per_pair_loop(encoder, method):
    if not GOLD.is_dir():
        pytest.skip("the dev gold standard is not in /work/shared/benchmarks")
    assert method in METHODS
    m = get_method(method)
    want = {
        (p, r): s
        for p, r, s in affinity_scores(
            GOLD / "archives", GOLD / "submissions.json", encoder=encoder, method=method
        )
    }
    pool, reviewers = read_archives(GOLD / "archives")
    subs = read_submissions(GOLD / "submissions.json")
    order = [r for r in reviewers if r in pool.people]
    pv = embed_cached(None, encoder, pool.texts)
    sv = embed_cached(None, encoder, [t for _, t in subs])
    got = affinity(
        m,
        pv,
        pool.texts,
        [pool.people[r] for r in order],
        pool.n_authors,
        pool.years,
        sv,
        [t for _, t in subs],
        block=7,
    )
    assert got.shape == (len(subs), len(order)) == (len(subs), len({r for _, r in want}))
    for i, (pid, _) in enumerate(subs):
        for j, rid in enumerate(order):
            assert abs(got[i, j] - want[(pid, rid)]) <= 2e-6, (pid, rid)
    assert np.isfinite(got).all()
