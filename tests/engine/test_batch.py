"""Blocked batch affinity equals the per-reviewer loop (scoring.paper_weights + aggregate)."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.affinity import affinity_scores, read_archives, read_submissions
from scholarlens.embeddings import embed_cached
from scholarlens.index import LexicalIndex
from scholarlens.index.batch import affinity
from scholarlens.scoring import METHODS, aggregate, get_method, paper_weights

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


def _per_pair_loop(m, pool, order, pv, sv, sub_texts) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The reference: one scoring.aggregate call per reviewer, as affinity_scores did before."""
    sims = np.zeros((len(sub_texts), len(pool.ids)), np.float32)
    if m.dense:
        sims += m.dense * (sv @ pv.T)
    if m.lexical:
        sims += m.lexical * LexicalIndex(pool.ids, pool.texts, extra=sub_texts).similarities(
            sub_texts
        )
    newest = max((y for y in pool.years if y), default=None)
    out = np.zeros((len(sub_texts), len(order)), np.float32)
    for j, rid in enumerate(order):
        cols = [c for c, _ in pool.people[rid]]
        w = paper_weights(
            m,
            [pool.n_authors[c] for c in cols],
            [pool.years[c] for c in cols],
            [p for _, p in pool.people[rid]],
            newest,
        )
        out[:, j], _ = aggregate(sims[:, cols], w, m)
    return out
