"""The float16 first pass (snapshot.Dense.estimate) changes no answer: its bound holds, and the
ranking with it equals today's per-query ranking, evidence included."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from scholarlens.index import engine as E
from scholarlens.index import snapshot as S
from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase
from scholarlens.scoring import get_method

from .conftest import QUERIES, assert_same, engine_rows, reference
from .test_exact import _submissions, gold_db  # noqa: F401 - the fixture

METHODS = ["top3", "max", "hybrid-top5", "mean", "top5,agg=decay,decay=0.8,lexical=0.5,team=20"]


@pytest.fixture(params=["float16", "noisy"])
def first_pass(monkeypatch, request):
    """Every matrix gets the float16 copy, and every person's papers count as a long group
    (so only the papers that can count are made exact). ``noisy``: the copy is off by up to
    0.02 per row (forty times float16's error), so that an answer equal to today's rests
    on the bound, not on the estimates being nearly exact."""
    monkeypatch.setattr(S, "HALF_MIN_ROWS", 0)
    monkeypatch.setattr(E, "LONG_GROUP", 2)
    monkeypatch.setattr(E, "FIRST_PAPERS", 10)  # few first papers, as at scale (200 of 10^5)
    monkeypatch.setattr(E, "PAPERS_PER_HIT", 2)
    if request.param == "noisy":

        def noisy(base: np.ndarray) -> S.Half:
            x = np.asarray(base, np.float32)
            noise = np.random.default_rng(7).standard_normal(x.shape).astype(np.float32)
            noise *= 0.02 / np.linalg.norm(noise, axis=1, keepdims=True)
            codes = (x + noise).astype(np.float16)
            back = codes.astype(np.float32)
            err = float(np.linalg.norm(x - back, axis=1).max())
            return S.Half(codes, err, float(np.linalg.norm(back, axis=1).max()))

        monkeypatch.setattr(S.Half, "of", staticmethod(noisy))


def test_the_bound_holds_on_every_row(seeded_kb, encoder, first_pass):
    engine = Engine(seeded_kb.store)
    snap = engine.snapshot(encoder)
    dense = snap.dense[encoder.model_id]
    assert dense.half is not None and dense.half.codes.dtype == np.float16
    rng = np.random.default_rng(3)
    queries = [encoder.encode_query(q) for q in QUERIES]
    queries += [v / np.linalg.norm(v) for v in rng.standard_normal((20, encoder.dim))]
    for q in queries:
        q = np.asarray(q, np.float32).reshape(-1)
        estimate, bound = dense.estimate(q)
        exact = dense.base.astype(np.float64) @ q.astype(np.float64)
        err = np.abs(estimate - exact).max()
        assert err <= bound, (err, bound)
        assert bound < 2e-3 or dense.half.err > 0.015  # float16 alone: ~5e-4


@pytest.mark.parametrize("method", METHODS)
def test_ranking_with_the_first_pass_equals_today(gold_db, tmp_path, encoder, method, first_pass):  # noqa: F811
    db = tmp_path / "gold.db"
    shutil.copy(gold_db, db)
    with KnowledgeBase(db) as kb:
        engine = Engine(kb.store)
        for text in _submissions(5) + QUERIES[:3]:
            for limit in (1, 10):
                assert_same(
                    engine_rows(engine, text, method, encoder, limit=limit),
                    reference(kb, text, method, encoder, limit=limit),
                    f"{method} {text[:40]!r} limit {limit}",
                )
        assert engine.stats["candidates"] > 0


def test_only_some_rows_are_made_exact(gold_db, tmp_path, encoder, first_pass):  # noqa: F811
    """The point of the first pass: the float32 rows read are a small part of the matrix
    (here 400 papers, so the first candidates are 10 papers, not 200)."""
    db = tmp_path / "gold.db"
    shutil.copy(gold_db, db)
    with KnowledgeBase(db) as kb:
        engine = Engine(kb.store)
        snap = engine.snapshot(encoder)
        method = get_method("top3")
        refined = []
        for text in _submissions(5):
            sims = engine.query_sims(snap, text, method, encoder, None)
            found = engine._bounded(snap, sims, method, 1, np.zeros(0, np.int64))
            assert found is not None
            refined.append(sims.refined)
        assert max(refined) < snap.n_rows / 2, (refined, snap.n_rows)


def test_the_float16_copy_is_saved_and_memory_mapped(seeded_kb, encoder, first_pass):
    engine = Engine(seeded_kb.store)
    want = engine_rows(engine, QUERIES[1], "top3", encoder)
    engine.save()
    assert any(f.suffix == ".f16" for f in engine.folder.iterdir())
    again = Engine(seeded_kb.store)
    snap = again.snapshot(encoder)
    half = snap.dense[encoder.model_id].half_saved
    assert half is not None and isinstance(half.codes, np.memmap)
    assert_same(engine_rows(again, QUERIES[1], "top3", encoder), want)


def test_papers_added_after_the_save_are_scored_exactly(seeded_kb, encoder, first_pass, tmp_path):
    engine = Engine(seeded_kb.store)
    engine.rank(QUERIES[0], get_method("top3"), encoder=encoder)
    engine.save()
    extra = tmp_path / "more.bib"
    extra.write_text(
        "@article{x1, title={Language model scaling laws for speech recognition},"
        " author={Zed Newcomer and Ada Second}, year={2024},"
        " abstract={We fit scaling laws of language models and speech recognition systems.}}\n"
    )
    report = seeded_kb.ingest([extra])
    assert report.ok, report.to_dict()
    snap = engine.snapshot(encoder)
    assert len(snap.dense[encoder.model_id].extra) >= 1
    for q in QUERIES[1:3]:
        assert_same(
            engine_rows(engine, q, "top3", encoder), reference(seeded_kb, q, "top3", encoder), q
        )


def test_top_rows_are_the_exact_top_rows_whatever_the_estimates():
    """QuerySims.top returns the m best by exact value, from estimates off by up to ``bound``."""
    rng = np.random.default_rng(11)
    for trial in range(50):
        n, m, bound = 2_000, int(rng.integers(1, 300)), float(rng.choice([1e-4, 0.01, 0.1]))
        exact = rng.standard_normal(n).astype(np.float32)
        values = exact + rng.uniform(-bound, bound, n).astype(np.float32) * 0.999
        sims = E.QuerySims(values.copy(), np.zeros(n, bool), bound, lambda rows, exact=exact: exact[rows])
        got = sims.top(m)
        assert sorted(got.tolist()) == sorted(np.argsort(-exact)[:m].tolist()), trial
        assert np.array_equal(sims.values[got], exact[got])  # made exact
        assert sims.refined < n or bound == 0.1


@pytest.mark.parametrize("n", [400_001, 1_000_003])
def test_top_rows_from_a_sampled_threshold_on_long_vectors(n):
    """Past 400k rows the m-th best estimate is found from a sample (checked)."""
    rng = np.random.default_rng(n)
    exact = rng.standard_normal(n).astype(np.float32)
    exact[::7] = -np.inf  # dead rows
    for m, bound in ((200, 1e-3), (800, 0.02), (1, 1e-4)):
        values = exact + rng.uniform(-bound, bound, n).astype(np.float32) * 0.999
        t = E._at_least(values, m)
        assert np.count_nonzero(values >= t) >= m
        sims = E.QuerySims(values.copy(), np.zeros(n, bool), bound, lambda rows: exact[rows])
        got = sims.top(m)
        assert sorted(got.tolist()) == sorted(np.argsort(-exact)[:m].tolist())
        assert sims.refined < 20 * m + 1000  # near the m-th: the band stays small
