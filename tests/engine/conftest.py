"""Fixtures of the engine tests: the reference (per-query) ranking and a comparison helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scholarlens.embeddings import HashingEncoder
from scholarlens.expertise import _rank_text
from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase
from scholarlens.scoring import get_method

GOLD = next(
    (
        p / "shared" / "benchmarks" / "goldstandard" / "d_20_1"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "benchmarks" / "goldstandard" / "d_20_1").is_dir()
    ),
    Path("/nonexistent"),
)

QUERIES = [
    "learned optimizers trained with evolution strategies",
    "language model scaling laws",
    "speech recognition",
    "graph",
    "unsupervised representation learning of images with generative adversarial networks",
]


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


def reference(
    kb: KnowledgeBase,
    text: str,
    method: str,
    encoder: HashingEncoder,
    exclude: set[int] = frozenset(),
    limit: int = 10,
) -> list[tuple[int, float, list[tuple[int, float, float]]]]:
    """Today's exact ranking (the per-query path of expertise.py): (person, score, evidence)."""
    result = _rank_text(kb.store, text, get_method(method), encoder, None)
    if result is None:
        return []
    _, ranked = result
    ranked = [r for r in ranked if r[0] not in exclude]
    return [
        (p, s, [(e["paper_id"], e["similarity"], e["weight"]) for e in ev])
        for p, s, ev in ranked[:limit]
    ]


def engine_rows(
    engine: Engine,
    text: str,
    method: str,
    encoder: HashingEncoder,
    exclude: set[int] = frozenset(),
    limit: int = 10,
) -> list[tuple[int, float, list[tuple[int, float, float]]]]:
    hits = engine.rank(text, get_method(method), limit, encoder=encoder, exclude=exclude)
    return [
        (h.person_id, h.score, [(p, round(s, 4), round(w, 4)) for p, s, w in h.evidence()])
        for h in hits
    ]


def assert_same(got: list[Any], want: list[Any], context: str = "") -> None:
    """Same people in the same order, scores within 1e-6, same evidence (rounded as shown)."""
    assert [g[0] for g in got] == [w[0] for w in want], context
    for g, w in zip(got, want, strict=True):
        assert abs(g[1] - w[1]) <= 1e-6, (context, g[0], g[1], w[1])
        assert [e[0] for e in g[2]] == [e[0] for e in w[2]], (context, g[0])
        for ge, we in zip(g[2], w[2], strict=True):
            assert abs(ge[1] - we[1]) <= 1.01e-4 and abs(ge[2] - we[2]) <= 1.01e-4, (
                context,
                ge,
                we,
            )
