"""The cross-validation machinery of benchmarks/goldstandard_cv.py on synthetic ratings:
its metric is the official scorer's, and the folds, bootstrap and nested selection are sound."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
import goldstandard_cv as g  # noqa: E402

OFFICIAL = Path("/work/shared/benchmarks/goldstandard/score.py")


def _random_case(rng: np.random.Generator, n_r: int = 6) -> tuple[dict, dict]:
    ratings, preds = {}, {}
    for r in range(n_r):
        papers = [f"p{r}_{i}" for i in range(8)]
        ratings[f"r{r}"] = {p: float(rng.choice([1, 2, 2.5, 3, 4, 4.5, 5])) for p in papers}
        preds[f"r{r}"] = {p: float(np.round(rng.uniform(0, 1), 2)) for p in papers}  # ties too
    return ratings, preds


def test_reviewer_stats_and_metric_match_the_official_scorer() -> None:
    if not OFFICIAL.exists():
        pytest.skip("the gold standard's score.py is not on this machine")
    score = runpy.run_path(str(OFFICIAL))["score"]
    rng = np.random.default_rng(7)
    for _ in range(5):
        ratings, preds = _random_case(rng)
        stats = np.zeros((1, len(ratings), g.N_STATS))
        for j, rid in enumerate(sorted(ratings)):
            papers = sorted(ratings[rid])
            stats[0, j] = g.reviewer_stats(
                np.array([preds[rid][p] for p in papers]), [ratings[rid][p] for p in papers]
            )
        assert g.metric(stats) == pytest.approx(score(preds, ratings), abs=1e-12)


def test_folds_partition_the_researchers_and_bootstrap_keeps_n() -> None:
    for repeat in g.folds(29, 5, 3, seed=1):
        assert len(repeat) == 5
        together = np.sort(np.concatenate(repeat))
        assert together.tolist() == list(range(29))
        assert max(len(f) for f in repeat) - min(len(f) for f in repeat) <= 1
    w = g.bootstrap_weights(29, 50, seed=2)
    assert w.shape == (50, 29) and (w.sum(1) == 29).all()


def test_losses_with_unit_weights_is_the_metric() -> None:
    rng = np.random.default_rng(0)
    stats = rng.uniform(0.1, 1.0, size=(3, 4, 7, g.N_STATS))  # candidates, datasets, researchers
    got = g.losses(stats, np.ones((1, 7)))[:, 0]
    want = [g.metric(stats[c])[0] for c in range(3)]
    assert got == pytest.approx(want)


def test_nested_cv_with_one_candidate_is_that_candidate_and_picks_a_dominant_one() -> None:
    rng = np.random.default_rng(1)
    good = rng.uniform(0.1, 1.0, size=(2, 10, g.N_STATS))
    held, picks = g.nested_cv(good[None], g.folds(10, 5, 2, seed=0))
    assert set(picks) == {0}
    assert held == pytest.approx(good)
    bad = good.copy()
    bad[..., 0] = good[..., 0] * 1.5  # more loss for every researcher
    held, picks = g.nested_cv(np.stack([bad, good]), g.folds(10, 5, 2, seed=0))
    assert set(picks) == {1}
    assert g.metric(held)[0] == pytest.approx(g.metric(good)[0])


def test_summarise_interval_brackets_the_point_and_paired_difference_of_self_is_zero() -> None:
    rng = np.random.default_rng(2)
    stats = rng.uniform(0.1, 1.0, size=(3, 12, g.N_STATS))
    boot = g.bootstrap_weights(12, 400, seed=3)
    s = g.summarise(stats, boot, stats)
    assert s["lo"] <= s["loss"] <= s["hi"]
    assert s["diff"] == 0 and s["dlo"] == 0 and s["dhi"] == 0
