"""The index follows the database: ingest, removal and owner changes are applied before answering."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.index import changelog
from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase

from ..conftest import SEEDS
from .conftest import QUERIES, assert_same, engine_rows, reference


def _check(
    kb: KnowledgeBase, engine: Engine, encoder, methods=("hybrid-top5", "lexical", "max")
) -> None:
    for method in methods:
        for q in QUERIES[:3]:
            assert_same(
                engine_rows(engine, q, method, encoder),
                reference(kb, q, method, encoder),
                f"{method} {q}",
            )


def test_ingest_after_the_build_is_applied_before_the_next_answer(kb, encoder):
    kb.ingest(SEEDS[:2])
    engine = Engine(kb.store)
    engine.rebuild(encoder)
    assert engine.status()["stale_papers"] == 0
    before = engine.status()["papers"]
    kb.ingest(SEEDS[2:])
    status = engine.status()
    assert status["stale_papers"] > 0  # the triggers logged the new papers
    _check(kb, engine, encoder)
    status = engine.status()
    assert status["stale_papers"] == 0 and status["papers"] == kb.count("papers") > before


def test_removing_a_profile_removes_its_papers_from_the_answers(seeded_kb, encoder):
    engine = Engine(seeded_kb.store)
    _check(seeded_kb, engine, encoder, methods=("hybrid-top5",))
    luke = [r for r in engine_rows(engine, QUERIES[0], "hybrid-top5", encoder) if r[0]]
    assert luke
    profile = next(p for p in seeded_kb.profiles() if p["source"].endswith(SEEDS[1].name))
    seeded_kb.remove_profile(profile["id"])
    assert engine.status()["stale_papers"] > 0
    _check(seeded_kb, engine, encoder)
    assert engine.status()["papers"] == seeded_kb.count("papers")
    remaining = {r["id"] for r in seeded_kb.store.query("SELECT id FROM papers")}
    for _, _, evidence in engine_rows(engine, QUERIES[0], "hybrid-top5", encoder, limit=500):
        assert {e[0] for e in evidence} <= remaining


def test_the_index_is_saved_beside_the_database_and_reloaded(seeded_kb, encoder, tmp_path):
    engine = Engine(seeded_kb.store)
    engine.rebuild(encoder)
    folder = engine.folder
    assert folder is not None and (folder / "meta.json").is_file()
    assert any(f.name.startswith("dense-hashing-256") for f in folder.iterdir())
    fresh = Engine(seeded_kb.store)  # another process: loads, does not rebuild
    snap = fresh.snapshot(encoder)
    assert isinstance(snap.dense["hashing-256"].base, np.memmap)
    _check(seeded_kb, fresh, encoder, methods=("hybrid-top5",))


def test_changes_made_while_no_engine_was_running_are_replayed(seeded_kb, encoder, db_path):
    Engine(seeded_kb.store).rebuild(encoder)
    seeded_kb.store.execute(
        "UPDATE papers SET title = 'Speech recognition with deep recurrent networks' WHERE id = 3"
    )
    seeded_kb.store.conn.commit()
    with seeded_kb.store.transaction():
        seeded_kb.store.execute(
            "DELETE FROM authorships WHERE paper_id = (SELECT MAX(paper_id) FROM authorships WHERE position = 0)"
        )
    engine = Engine(seeded_kb.store)
    assert engine.status()["stale_papers"] == 2
    _check(seeded_kb, engine, encoder)


def test_a_newer_change_log_than_the_saved_index_means_rebuild(seeded_kb, encoder):
    engine = Engine(seeded_kb.store)
    engine.rebuild(encoder)
    with seeded_kb.store.transaction():
        seeded_kb.store.execute("DELETE FROM index_log")
        seeded_kb.store.execute("UPDATE papers SET year = 1999 WHERE id = 7")
    changelog.trim(seeded_kb.store, changelog.last_seq(seeded_kb.store) - 1)  # lose history
    fresh = Engine(seeded_kb.store)
    _check(seeded_kb, fresh, encoder, methods=("recency",))


def test_in_memory_knowledge_base(encoder):
    with KnowledgeBase(":memory:") as kb:
        kb.ingest(SEEDS[:3])
        engine = Engine(kb.store)
        assert engine.folder is None
        _check(kb, engine, encoder, methods=("hybrid-top5",))
        kb.ingest(SEEDS[3:])
        _check(kb, engine, encoder, methods=("hybrid-top5",))


def test_empty_knowledge_base_has_no_experts(kb, encoder):
    assert (
        Engine(kb.store).rank(
            "anything",
            __import__("scholarlens.scoring").scoring.get_method(None),
            5,
            encoder=encoder,
        )
        == []
    )


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_many_changes_compact_the_saved_index(seeded_kb, encoder, monkeypatch, share):
    import scholarlens.index.engine as E

    monkeypatch.setattr(E, "SAVE_MIN", 0)
    monkeypatch.setattr(E, "SAVE_SHARE", share)
    engine = Engine(seeded_kb.store)
    engine.rebuild(encoder)
    gen = (engine.folder / "meta.json").read_text()
    with seeded_kb.store.transaction():
        seeded_kb.store.execute(
            "UPDATE papers SET abstract = abstract || ' scaling laws' WHERE id <= 10"
        )
    _check(seeded_kb, engine, encoder, methods=("hybrid-top5",))
    saved = (engine.folder / "meta.json").read_text() != gen
    assert saved == (share == 0.0)
