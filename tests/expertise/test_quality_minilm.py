"""Real-model behaviour on examples/profiles (the bundled MiniLM; a few seconds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scholarlens import find_experts, suggest_reviewers
from scholarlens.embeddings import SentenceTransformerEncoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder()


@pytest.fixture(scope="module")
def seeded_kb(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """One copy for the module, so the papers are embedded once and then read from the cache."""
    from scholarlens.kb import KnowledgeBase

    copy = tmp_path_factory.mktemp("quality") / "kb.db"
    shutil.copy(seeded_db, copy)
    with KnowledgeBase(copy) as kb:
        yield kb


@pytest.mark.parametrize("method", [None, "top3"])
def test_learned_optimizer_query_ranks_the_velo_authors_first(seeded_kb, minilm, method):
    rows = find_experts(
        seeded_kb,
        "learned optimizers meta-trained with evolution strategies",
        5,
        encoder=minilm,
        method=method,
    )
    top2 = {r["name"] for r in rows[:2]}
    assert top2 == {"Luke Metz", "Jascha Sohl-Dickstein"}
    titles = {e["title"] for e in rows[0]["evidence"] if e["weight"] > 0}
    assert any("Optimizer" in (t or "") or "Evolution" in (t or "") for t in titles)


@pytest.mark.parametrize("method", [None, "top3"])
def test_system_card_alone_does_not_make_an_expert(seeded_kb, minilm, method):
    """Someone whose only paper is a 400-author system card ranks below the authors of a
    3-author paper on the same topic."""
    rows = find_experts(
        seeded_kb,
        "an omni model that takes text, audio, image and video input and generates speech",
        400,
        encoder=minilm,
        method=method,
    )
    card_only = [
        r
        for r in rows
        if len(r["evidence"]) == 1
        and (r["evidence"][0]["title"] or "").startswith("GPT-4o System Card")
    ]
    assert card_only, "the examples hold GPT-4o System Card authors with no other paper"
    whisper = [
        r
        for r in rows
        if any((e["title"] or "").startswith("Robust Speech Recognition") for e in r["evidence"])
    ]
    assert whisper
    assert max(r["rank"] for r in whisper) < min(r["rank"] for r in card_only)


def test_reviewers_for_a_speech_paper_put_whisper_authors_on_top_and_mark_them(seeded_kb, minilm):
    whisper = next(
        p for p in seeded_kb.papers() if (p["title"] or "").startswith("Robust Speech Recognition")
    )
    text = "Multilingual speech recognition trained on weakly supervised web audio transcripts, robust zero-shot transfer."
    rows = suggest_reviewers(
        seeded_kb, text, authors=[whisper["authors"][0]], limit=5, encoder=minilm
    )
    assert {r["name"] for r in rows[:3]} & set(whisper["authors"])
    first_author = next(r for r in rows if r["name"] == whisper["authors"][0])
    assert first_author["conflict"]["reason"] == "author"
