"""The candidate bound: people outside the best papers' authors are skipped only when provably
below the answer, so pruned rankings equal scoring everyone (and today's per-query path)."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.index import engine as engine_mod
from scholarlens.index.engine import Engine
from scholarlens.index.kernel import upper_bounds
from scholarlens.scoring import METHODS, get_method

from .conftest import QUERIES, assert_same, engine_rows, reference


@pytest.mark.parametrize("spec", ["top3", "hybrid-top5,k=1", "max", "hybrid-top5,k=8"])
def test_upper_bounds_cover_every_completion(spec):
    """Known values padded with the floor bound the top-k mean of any unknown rest (≤ floor or
    missing), including ties and groups with fewer than k values."""
    m = get_method(spec)
    k = m.k if m.agg == "topk" else 1
    rng = np.random.default_rng(7)
    for trial in range(40):
        n_groups = int(rng.integers(1, 30))
        group = rng.integers(0, n_groups, int(rng.integers(1, 80)))
        values = np.round(rng.normal(0.2, 0.2, len(group)), 1).astype(np.float32)  # many ties
        floor = float(max(0.0, np.round(rng.uniform(-0.1, 0.4), 1)))
        groups, bound, settled = upper_bounds(group, values, floor, m)
        assert groups.tolist() == sorted(set(group.tolist()))
        for g, b, done in zip(groups.tolist(), bound.tolist(), settled.tolist(), strict=True):
            known = np.sort(values[group == g])[::-1]
            padded = np.sort(np.concatenate([known, np.full(k, floor)]))[::-1][:k]
            assert b == pytest.approx(padded.sum() / k, abs=1e-6)
            for _ in range(5):  # any completion: extra values ≤ floor, missing ones count 0
                extra = floor - rng.random(int(rng.integers(0, 6))) * (trial % 3)
                full = np.concatenate([known, extra])
                exact = np.sort(full)[::-1][:k]
                exact = np.where(np.isfinite(exact), exact, 0).sum() / k
                assert exact <= b + 1e-6
                if done:  # k known values ≥ floor: the bound is the score, whatever the rest
                    assert exact == pytest.approx(b, abs=1e-6)
            assert done == (len(known) >= k and known[k - 1] >= floor)


@pytest.fixture
def tiny_first_pass(monkeypatch):
    """Start from a handful of papers so the small test KBs go through the pruned path."""
    monkeypatch.setattr(engine_mod, "FIRST_PAPERS", 2)
    monkeypatch.setattr(engine_mod, "PAPERS_PER_HIT", 1)


SPECS = [*METHODS, "hybrid-top5,k=1", "hybrid-top5,k=8,team=2", "mean,dense=0.3", "top3,position=0.5"]


@pytest.mark.parametrize("spec", SPECS)
def test_pruned_ranking_equals_scoring_everyone(seeded_kb, encoder, spec, tiny_first_pass):
    engine = Engine(seeded_kb.store)
    method = get_method(spec)
    for q in QUERIES:
        for limit in (1, 3, 10):
            a = engine.rank(q, method, limit, encoder=encoder)
            b = engine.rank(q, method, limit, encoder=encoder, exhaustive=True)
            assert [(h.person_id, h.score) for h in a] == [(h.person_id, h.score) for h in b], (
                spec,
                q,
                limit,
            )
    assert engine.stats["candidates"] > 0  # the pruned path answered some of them


@pytest.mark.parametrize("spec", ["top3", "hybrid-top5", "max"])
def test_pruned_ranking_equals_today(seeded_kb, encoder, spec, tiny_first_pass):
    engine = Engine(seeded_kb.store)
    for q in QUERIES:
        assert_same(
            engine_rows(engine, q, spec, encoder, limit=5),
            reference(seeded_kb, q, spec, encoder, limit=5),
            f"{spec} {q!r}",
        )


def test_pruned_ranking_with_ties_and_thin_people(seeded_kb, encoder, tiny_first_pass):
    """Co-authors of the same papers tie (broken by name) and people with one or two papers
    average over k anyway: the pruned answer keeps both exactly as scoring everyone does."""
    engine = Engine(seeded_kb.store)
    snap = engine.snapshot(encoder)
    counts = np.diff(snap.people.p_starts)
    assert (counts < 3).any()  # the example data has thin people
    method = get_method("top3")
    tied = thin = 0
    for q in QUERIES:
        a = engine.rank(q, method, 50, encoder=encoder)
        b = engine.rank(q, method, 50, encoder=encoder, exhaustive=True)
        assert [(h.person_id, h.score) for h in a] == [(h.person_id, h.score) for h in b]
        scores = [h.score for h in a]
        tied += len(scores) - len(set(scores))
        thin += sum(h.n_papers < 3 for h in a)
    assert tied > 0 and thin > 0  # ties and thin people were among the answers


def test_pruned_ranking_excludes_people(seeded_kb, encoder, tiny_first_pass):
    engine = Engine(seeded_kb.store)
    method = get_method("top3")
    first = engine.rank(QUERIES[0], method, 5, encoder=encoder)
    skip = {first[0].person_id, first[2].person_id}
    a = engine.rank(QUERIES[0], method, 5, encoder=encoder, exclude=skip)
    b = engine.rank(QUERIES[0], method, 5, encoder=encoder, exclude=skip, exhaustive=True)
    assert [h.person_id for h in a] == [h.person_id for h in b]
    assert not skip & {h.person_id for h in a}


def test_query_vectors_are_encoded_once_per_text(seeded_kb, encoder, monkeypatch):
    engine = Engine(seeded_kb.store)
    calls: list[str] = []
    real = encoder.encode_query
    monkeypatch.setattr(encoder, "encode_query", lambda t: calls.append(t) or real(t))
    method = get_method("top3")
    first = engine.rank(QUERIES[0], method, 5, encoder=encoder)
    again = engine.rank(QUERIES[0], method, 5, encoder=encoder)
    engine.rank(QUERIES[1], method, 5, encoder=encoder)
    assert calls == [QUERIES[0], QUERIES[1]]
    assert [(h.person_id, h.score) for h in first] == [(h.person_id, h.score) for h in again]
    monkeypatch.setattr(engine_mod, "QUERY_CACHE", 1)
    engine.rank(QUERIES[2], method, 5, encoder=encoder)
    engine.rank(QUERIES[0], method, 5, encoder=encoder)  # pushed out by the bound
    assert calls[-2:] == [QUERIES[2], QUERIES[0]]
