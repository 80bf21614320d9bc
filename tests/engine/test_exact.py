"""The engine's ranking equals today's per-query ranking, for every method, on real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scholarlens.expertise import conflicts
from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase
from scholarlens.scoring import METHODS

from .conftest import GOLD, QUERIES, assert_same, engine_rows, reference


@pytest.mark.parametrize("method", list(METHODS))
def test_examples_rank_exactly_as_today(seeded_kb, encoder, method):
    engine = Engine(seeded_kb.store)
    for q in QUERIES[1:4]:
        for limit in (3, 500):
            assert_same(
                engine_rows(engine, q, method, encoder, limit=limit),
                reference(seeded_kb, q, method, encoder, limit=limit),
                f"{method} {q!r} limit {limit}",
            )


def test_method_overrides_rank_exactly_as_today(seeded_kb, encoder):
    engine = Engine(seeded_kb.store)
    for spec in (
        "hybrid-top5,k=3",
        "hybrid-top5,k=8,team=2",
        "softmax,temperature=0.5",
        "max,lexical=0.5",
        "mean,dense=0.3",
    ):
        for q in QUERIES[:3]:
            assert_same(
                engine_rows(engine, q, spec, encoder), reference(seeded_kb, q, spec, encoder), spec
            )


def test_reviewers_without_conflicted_people(seeded_kb, encoder):
    engine = Engine(seeded_kb.store)
    coi = conflicts(seeded_kb.store, ["Luke Metz"])
    assert coi
    q = QUERIES[0]
    assert_same(
        engine_rows(engine, q, "hybrid-top5", encoder, exclude=set(coi)),
        reference(seeded_kb, q, "hybrid-top5", encoder, exclude=set(coi)),
    )


@pytest.fixture(scope="module")
def gold_db(tmp_path_factory) -> Path:
    if not GOLD.is_dir():
        pytest.skip("the dev gold standard is not in /work/shared/benchmarks")
    path = tmp_path_factory.mktemp("gold") / "gold.db"
    with KnowledgeBase(path) as kb:
        report = kb.ingest([GOLD / "archives"], format="openreview-archive")
        assert report.ok, report.to_dict()
    return path


def _submissions(n: int) -> list[str]:
    subs = json.loads((GOLD / "submissions.json").read_text())
    out = []
    for rec in list(subs.values())[:n]:
        c = rec["content"]
        out.append(f"{c.get('title', '')}. {c.get('abstract', '')}".strip())
    return out


@pytest.mark.parametrize("method", list(METHODS))
def test_gold_standard_submissions_rank_exactly_as_today(gold_db, tmp_path, encoder, method):
    db = tmp_path / "gold.db"
    shutil.copy(gold_db, db)
    with KnowledgeBase(db) as kb:
        engine = Engine(kb.store)
        for text in _submissions(6):
            assert_same(
                engine_rows(engine, text, method, encoder, limit=10),
                reference(kb, text, method, encoder),
                method,
            )
