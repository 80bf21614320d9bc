"""Calibration with the bundled MiniLM on the example profiles: on-topic queries are strong
matches, queries nobody in the examples works on trigger "no one here has worked on this"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scholarlens import calibration as cal
from scholarlens.embeddings import SentenceTransformerEncoder

pytestmark = pytest.mark.slow

OFF_TOPIC = [
    "quantum error correction with surface codes",
    "medieval french poetry and troubadour manuscripts",
    "crop yield and irrigation in sub-saharan agriculture",
]


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder()


@pytest.fixture(scope="module")
def kb(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from scholarlens.kb import KnowledgeBase

    copy = tmp_path_factory.mktemp("calibration") / "kb.db"
    shutil.copy(seeded_db, copy)
    with KnowledgeBase(copy) as k:
        yield k


@pytest.mark.parametrize("method", [None, "top3", "max"])
def test_on_topic_query_is_a_strong_match(kb, minilm, method) -> None:
    rows = kb.experts(
        "learned optimizers meta-trained with evolution strategies",
        5,
        encoder=minilm,
        method=method,
    )
    info = cal.annotate(rows, method)
    assert info["calibrated"] and not info["no_match"] and info["message"] is None
    assert rows[0]["name"] in {"Luke Metz", "Jascha Sohl-Dickstein"}
    assert rows[0]["strength"] == "strong"
    probs = [r["probability"] for r in rows]
    assert probs == sorted(probs, reverse=True)  # same order as the scores


@pytest.mark.parametrize("method", [None, "top3", "max"])
@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_query_says_no_one_here_has_worked_on_this(kb, minilm, method, query) -> None:
    rows = kb.experts(query, 5, encoder=minilm, method=method)
    assert rows, "the ranking itself still lists people"
    info = cal.annotate(rows, method)
    assert info["no_match"], [(r["name"], r["score"]) for r in rows]
    assert info["message"].startswith("No one here has worked on this")
    assert all(r["strength"] == "weak match" for r in rows)
