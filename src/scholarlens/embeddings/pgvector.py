"""Dense search inside PostgreSQL: paper vectors in a pgvector column behind an HNSW index.

With the PostgreSQL backend the embedding cache (``embeddings``: text hash, model id, bytes)
stays the source of truth; :func:`sync_paper_vectors` projects it onto ``paper_vectors``
(one row per paper and model, the text hash it was made from, a ``vector`` value), and
:func:`nearest_papers` answers "the k papers closest to this query vector" from a partial
HNSW index per model (pgvector's documented pattern for several dimensions in one column:
an expression index on ``embedding::vector(DIM)`` ``WHERE model_id = ...``). Vectors are unit
length, so the index uses inner product (``vector_ip_ops``, the cheapest operator).

The server needs the ``vector`` extension (pgvector >= 0.5 for HNSW); :func:`ensure_schema`
creates it when the role may (superuser, or database owner where the extension is trusted),
and otherwise says what to run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import StoreError
from ..stores import Store
from .cache import cached_vectors, paper_text, text_hash

SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    """CREATE TABLE IF NOT EXISTS paper_vectors (
        paper_id BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        embedding vector NOT NULL,
        PRIMARY KEY (paper_id, model_id)
    )""",
    # Bumped by every sync: the engine re-checks the column against its index when it moves.
    "CREATE TABLE IF NOT EXISTS paper_vectors_sync (model_id TEXT PRIMARY KEY, generation BIGINT NOT NULL)",
]
#: HNSW build parameters (pgvector defaults) and the search breadth for queries.
HNSW_M, HNSW_EF_CONSTRUCTION, EF_SEARCH = 16, 64, 100


def _require_postgres(store: Store) -> None:
    if store.dialect != "postgresql":
        raise StoreError(f"pgvector needs the PostgreSQL backend, not {store.dialect}")


def _register(store: Store) -> None:
    """Let psycopg send and receive numpy arrays as ``vector`` (once per connection)."""
    conn = store.conn
    if getattr(conn, "_scholarlens_vector", False):
        return
    from pgvector.psycopg import register_vector

    register_vector(conn)
    conn._scholarlens_vector = True


def ensure_schema(store: Store) -> None:
    """The ``vector`` extension and the ``paper_vectors`` table (idempotent)."""
    _require_postgres(store)
    try:
        with store.transaction():
            for statement in SCHEMA:
                store.execute(statement)
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - the server's message is the useful part
        raise StoreError(
            f"cannot set up pgvector in this PostgreSQL database: {exc}. Install pgvector on the server "
            "(>= 0.5) and run CREATE EXTENSION vector; as a superuser once."
        ) from exc


def index_name(model_id: str) -> str:
    return "paper_vectors_hnsw_" + hashlib.sha256(model_id.encode()).hexdigest()[:12]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_index(store: Store, model_id: str, dim: int) -> str:
    """The partial HNSW index of ``model_id`` (built once; later inserts keep it current)."""
    name = index_name(model_id)
    with store.transaction():
        store.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON paper_vectors USING hnsw "
            f"((embedding::vector({int(dim)})) vector_ip_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) "
            f"WHERE model_id = {_literal(model_id)}"
        )
    return name


def sync_paper_vectors(store: Store, model_id: str, dim: int, *, chunk: int = 2000) -> int:
    """Copy cached vectors of the papers' current texts into ``paper_vectors``; rows whose
    paper text changed are replaced. Papers without a cached vector are left out (embed them
    first: ``embed_cached`` or :func:`scholarlens.distributed.embed_store_with_ray`).
    Returns the rows written."""
    ensure_schema(store)
    _register(store)
    have = {
        r["paper_id"]: r["text_hash"]
        for r in store.query("SELECT paper_id, text_hash FROM paper_vectors WHERE model_id = ?", (model_id,))
    }
    want: dict[int, str] = {}
    for r in store.query("SELECT id, title, abstract FROM papers ORDER BY id"):
        text = paper_text(r["title"], r["abstract"])
        if text is not None:
            h = text_hash(text)
            if have.get(r["id"]) != h:
                want[r["id"]] = h
    written = 0
    items = list(want.items())
    for lo in range(0, len(items), chunk):
        part = items[lo : lo + chunk]
        vectors = cached_vectors(store, model_id, dim, [h for _, h in part])
        rows = [(pid, model_id, h, vectors[h]) for pid, h in part if h in vectors]
        with store.transaction():
            store.executemany(
                "INSERT INTO paper_vectors (paper_id, model_id, text_hash, embedding) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (paper_id, model_id) DO UPDATE SET text_hash = EXCLUDED.text_hash, "
                "embedding = EXCLUDED.embedding",
                rows,
            )
        written += len(rows)
    ensure_index(store, model_id, dim)
    with store.transaction():
        store.execute(
            "INSERT INTO paper_vectors_sync (model_id, generation) VALUES (?, 1) ON CONFLICT (model_id) "
            "DO UPDATE SET generation = paper_vectors_sync.generation + 1",
            (model_id,),
        )
    return written


def sync_generation(store: Store, model_id: str) -> int | None:
    """How many times ``model_id``'s rows were synced, or None when the table or its HNSW
    index is missing (nothing to search with). Two catalogue look-ups and one row."""
    if store.dialect != "postgresql":
        return None
    ready = store.scalar(
        "SELECT to_regclass('paper_vectors_sync') IS NOT NULL AND to_regclass(?) IS NOT NULL",
        (index_name(model_id),),
    )
    if not ready:
        return None
    gen = store.scalar("SELECT generation FROM paper_vectors_sync WHERE model_id = ?", (model_id,))
    return None if gen is None else int(gen)


def column_digest(
    store: Store, model_id: str, probes: np.ndarray
) -> tuple[int, int, float, float]:
    """One scan of ``model_id``'s rows: (rows, sum of paper ids, Σ v·probes[0],
    Σ v·probes[1]·(paper_id mod 7 + 1)), to compare with the same sums over the vectors the
    engine holds (:meth:`scholarlens.index.engine.Engine` checks the column is in sync)."""
    _register(store)
    p = np.asarray(probes, dtype=np.float32)
    dim = int(p.shape[1])
    row = store.query(
        f"SELECT COUNT(*) AS n, COALESCE(SUM(paper_id), 0) AS ids, "
        f"COALESCE(SUM(-((embedding::vector({dim})) <#> ?)), 0) AS a, "
        f"COALESCE(SUM(-((embedding::vector({dim})) <#> ?) * (paper_id % 7 + 1)), 0) AS b "
        f"FROM paper_vectors WHERE model_id = ?",
        (p[0], p[1], model_id),
    )[0]
    return int(row["n"]), int(row["ids"]), float(row["a"]), float(row["b"])


def nearest_papers(
    store: Store, model_id: str, query: np.ndarray, k: int = 10, *, ef_search: int = EF_SEARCH
) -> list[tuple[int, float]]:
    """``(paper id, cosine)`` of the ``k`` papers nearest to the unit vector ``query``,
    best first, from the HNSW index (approximate: recall depends on ``ef_search``)."""
    _require_postgres(store)
    _register(store)
    q = np.asarray(query, dtype=np.float32).ravel()
    dim = int(q.shape[0])
    with store.transaction():  # SET LOCAL lasts for this transaction only
        store.execute(f"SET LOCAL hnsw.ef_search = {max(int(ef_search), int(k))}")
        rows = store.query(
            f"SELECT paper_id, (embedding::vector({dim})) <#> ? AS neg_ip FROM paper_vectors "
            f"WHERE model_id = ? ORDER BY (embedding::vector({dim})) <#> ? LIMIT ?",
            (q, model_id, q, int(k)),
        )
    return [(int(r["paper_id"]), -float(r["neg_ip"])) for r in rows]


def explain_nearest(store: Store, model_id: str, dim: int) -> str:
    """The query plan of :func:`nearest_papers` (to check the HNSW index is used)."""
    _register(store)
    q = np.zeros(dim, dtype=np.float32)
    q[0] = 1.0
    rows: Sequence[dict[str, Any]] = store.query(
        f"EXPLAIN SELECT paper_id FROM paper_vectors WHERE model_id = ? "
        f"ORDER BY (embedding::vector({dim})) <#> ? LIMIT 10",
        (model_id, q),
    )
    return "\n".join(str(next(iter(r.values()))) for r in rows)
