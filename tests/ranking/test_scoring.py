"""Scoring methods added for the ranking work: the rank-discounted aggregation, top3, sentences."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.errors import QueryError
from scholarlens.scoring import aggregate, get_method, sentences


def _sims(rng: np.random.Generator, q: int, p: int) -> np.ndarray:
    return rng.uniform(-0.2, 0.9, size=(q, p)).astype(np.float32)


def test_decay_zero_is_max_and_contributions_explain_the_score() -> None:
    rng = np.random.default_rng(3)
    sims = _sims(rng, 6, 7)
    w = rng.uniform(0.3, 1.0, size=7).astype(np.float32)
    s0, _ = aggregate(sims, w, get_method("top3,agg=decay,decay=0"))
    smax, _ = aggregate(sims, w, get_method("max"))
    np.testing.assert_allclose(s0, smax, rtol=1e-6)
    for d in (0.5, 0.8):
        scores, contrib = aggregate(sims, w, get_method(f"top3,agg=decay,decay={d}"))
        np.testing.assert_allclose(scores, (contrib * sims).sum(1), rtol=1e-5, atol=1e-6)
        # the best paper weighs most
        adj = sims * w
        best = adj.argmax(1)
        assert contrib[np.arange(6), best] / w[best] == pytest.approx(1 - d)


def test_decay_counts_missing_papers_as_zero() -> None:
    """One paper scores (1 - decay) of its similarity: thin evidence scores lower."""
    one = np.array([[0.8]], dtype=np.float32)
    s, _ = aggregate(one, np.ones(1, dtype=np.float32), get_method("top3,agg=decay,decay=0.75"))
    assert s[0] == pytest.approx(0.2)
    two = np.array([[0.8, 0.8]], dtype=np.float32)
    s2, _ = aggregate(two, np.ones(2, dtype=np.float32), get_method("top3,agg=decay,decay=0.75"))
    assert s2[0] > s[0]


def test_top3_and_decay_specs() -> None:
    m = get_method("top3")
    assert (m.agg, m.k, m.lexical, m.dense) == ("topk", 3, 0.0, 1.0)
    assert "mean of the 3 highest dense cosine" in m.describe()
    d = get_method("top3,agg=decay,decay=0.8")
    assert d.agg == "decay" and d.decay == 0.8 and "rank-discounted" in d.describe()
    for bad in ("top3,agg=decay,decay=1", "top3,decay=-0.1"):
        with pytest.raises(QueryError, match="decay"):
            get_method(bad)


def test_sentences_title_first_short_pieces_joined() -> None:
    abstract = (
        "We study X. It works. Results on 5 benchmarks (e.g. GLUE) improve by 3.5 points. "
        "A second finding holds across all six of the tested languages. Code is public."
    )
    out = sentences("Learning to learn", abstract)
    assert out == [
        "Learning to learn",
        # "We study X." is too short alone; "e.g." does not end a sentence
        "We study X. It works. Results on 5 benchmarks (e.g. GLUE) improve by 3.5 points.",
        # a short tail joins the previous piece
        "A second finding holds across all six of the tested languages. Code is public.",
    ]


def test_sentences_edge_cases() -> None:
    assert sentences(None, None) == []
    assert sentences("", "  ") == []
    assert sentences("Only a title", None) == ["Only a title"]
    assert sentences(None, "short one.") == ["short one."]
    long = " ".join(f"Sentence number {i} says something new here." for i in range(40))
    out = sentences("T", long, limit=5)
    assert len(out) == 5 and out[0] == "T"
    assert " ".join(out).split() == ("T " + long).split()
