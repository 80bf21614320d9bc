"""Benchmark: the expertise engine at 10k / 100k / 1M papers (issue 10).

    python benchmarks/scale.py prepare --papers 100000     # once: generate + ingest (+ 1,000 new papers)
    python benchmarks/scale.py run --papers 100000          # build, queries, update, agreement
    python benchmarks/scale.py affinity --submissions 10000 --reviewers 5000 --per 20
    python benchmarks/scale.py synthetic --papers 1000000   # 10^6 without SQLite (see synthetic_build)
    python benchmarks/scale.py engine --papers 100000       # Engine.rank CPU alone (after `run`)
    python benchmarks/scale.py people --papers 100000       # similar / person / whois, cold CLI (after `run`)

Knowledge bases come from the arXiv-snapshot generator (benchmarks/arxiv_snapshot.py: real
title/abstract sentences recombined, heavy-tailed authors) and live under
``$SCALE_DIR`` (default /tmp/scholarlens-scale), built once and copied per run. The corpus is
embedded with the ``hashing`` encoder at 384 dimensions (MiniLM's size; embedding 10^6 papers
with MiniLM would take days here), so dense similarities say nothing about quality; queries are
encoded with the real MiniLM and that time is included in every query figure.

Per size: index build (wall, CPU, size on disk), cold load, p50/p95 of ``experts`` (50 short
topics) and ``reviewers`` (50 title+abstract submissions of the gold standard), each as wall
and CPU time, warm, query encoding included, split into encoding and engine time; agreement of
the engine's top 10 with an exhaustive scoring of every person (and, at ≤ 10k papers, with
today's per-query path of expertise.py); the effect of float16 / int8 dense storage on the top
10; incremental update after ingesting 1,000 new papers; peak RSS. Results are appended as JSON
lines to benchmarks/scale.jsonl (the table in benchmarks/scale.md is written from them).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SCALE_DIR = Path(os.environ.get("SCALE_DIR", "/tmp/scholarlens-scale"))
GOLD = next(
    (
        p / "shared/benchmarks/goldstandard"
        for p in HERE.parents
        if (p / "shared/benchmarks/goldstandard").is_dir()
    ),
    Path("/nonexistent"),
)
RESULTS = HERE / "scale.jsonl"
os.environ.setdefault("SCHOLARLENS_CORPUS", str(GOLD / "papers"))  # read by arxiv_snapshot


def load() -> dict:
    return {"load_1_5_15": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}


def rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- preparing knowledge bases ---------------------------------------------------------------------


def prepare(n: int) -> None:
    """Generate and ingest ``n`` papers once; also a file of 1,000 later papers."""
    import arxiv_snapshot
    import orjson

    from scholarlens.kb import KnowledgeBase

    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    data, db, extra = (
        SCALE_DIR / f"arxiv-{n}.jsonl",
        SCALE_DIR / f"kb-{n}.db",
        SCALE_DIR / "new-1000.jsonl",
    )
    if not data.exists():
        arxiv_snapshot.generate(n, data)
    if not extra.exists():
        tmp = SCALE_DIR / "new-1000.raw.jsonl"
        arxiv_snapshot.generate(1000, tmp, seed=99)
        with tmp.open("rb") as src, extra.open("wb") as out:
            for i, line in enumerate(src):
                rec = orjson.loads(line)
                rec["id"], rec["doi"] = f"9912.{90000 + i:05d}", None  # new ids: new papers
                out.write(orjson.dumps(rec) + b"\n")
        tmp.unlink()
    if not db.exists():
        t0 = time.perf_counter()
        with KnowledgeBase(str(db) + ".tmp") as kb:
            kb.ingest([data])
        os.replace(str(db) + ".tmp", db)
        print(f"ingested {n:,} records in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


# -- queries ----------------------------------------------------------------------------------------


def queries() -> tuple[list[str], list[str]]:
    """50 topics (first words of gold-standard titles) and 50 submissions (title. abstract)."""
    topics, subs = [], []
    for i in range(1, 11):
        for rec in json.loads((GOLD / f"d_20_{i}" / "submissions.json").read_text()).values():
            c = rec["content"]
            if c.get("title") and c.get("abstract"):
                topics.append(" ".join(c["title"].split()[:6]))
                subs.append(f"{' '.join(c['title'].split())}. {' '.join(c['abstract'].split())}")
    rng = np.random.default_rng(5)
    pick = rng.choice(len(subs), size=50, replace=False)
    return [topics[i] for i in pick], [subs[i] for i in pick]


def timed(fn):  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def pct(xs: list[float]) -> dict:
    return {
        "p50": round(float(np.percentile(xs, 50)), 1),
        "p95": round(float(np.percentile(xs, 95)), 1),
    }


def query_figures(engine, corpus_enc, minilm, texts: list[str], method) -> dict:  # type: ignore[no-untyped-def]
    """Warm p50/p95 over ``texts`` (MiniLM encoding included), encoding and engine split."""
    for t in texts[:3]:  # warm-up
        engine.rank(t, method, 10, encoder=corpus_enc, query_vector=minilm.encode_query(t))
    wall, cpu, enc_w, eng_w = [], [], [], []
    for t in texts:
        (qv, ew, _), w0, c0 = timed(lambda t=t: timed(lambda: minilm.encode_query(t)))
        _, rw, rc = timed(
            lambda t=t, qv=qv: engine.rank(t, method, 10, encoder=corpus_enc, query_vector=qv)
        )
        wall.append(w0 + rw)
        cpu.append(c0 + rc)
        enc_w.append(ew)
        eng_w.append(rw)
    return {
        "wall_ms": pct(wall),
        "cpu_ms": pct(cpu),
        "encode_wall_ms": pct(enc_w),
        "engine_wall_ms": pct(eng_w),
    }


def top(hits) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    return [(h.person_id, h.score) for h in hits]


def agreement(engine, enc, texts: list[str], method, qvs: list[np.ndarray]) -> dict:  # type: ignore[no-untyped-def]
    """The engine's top 10 against scoring every person (same query vectors)."""
    same, overlap, diff = 0, [], 0.0
    for t, qv in zip(texts, qvs, strict=True):
        a = top(engine.rank(t, method, 10, encoder=enc, query_vector=qv))
        b = top(engine.rank(t, method, 10, encoder=enc, query_vector=qv, exhaustive=True))
        same += [p for p, _ in a] == [p for p, _ in b]
        overlap.append(len({p for p, _ in a} & {p for p, _ in b}) / max(1, len(b)))
        diff = max([diff] + [abs(x[1] - y[1]) for x, y in zip(a, b, strict=False)])
    return {
        "identical_top10": f"{same}/{len(texts)}",
        "overlap_at_10": round(float(np.mean(overlap)), 4),
        "max_score_diff": diff,
    }


def reference_agreement(kb, texts: list[str], method) -> dict:  # type: ignore[no-untyped-def]
    """The engine against today's per-query path of expertise.py (hashing queries, both sides)."""
    from scholarlens.embeddings import HashingEncoder
    from scholarlens.expertise import _rank_text
    from scholarlens.index.engine import Engine

    enc = HashingEncoder(384)
    engine = Engine(kb.store)
    same, diff, secs = 0, 0.0, []
    for t in texts:
        (pool_ranked), w, _ = timed(lambda t=t: _rank_text(kb.store, t, method, enc, None))
        secs.append(w)
        ref = [(p, s) for p, s, _ in pool_ranked[1][:10]]
        got = top(engine.rank(t, method, 10, encoder=enc))
        same += [p for p, _ in ref] == [p for p, _ in got]
        diff = max([diff] + [abs(x[1] - y[1]) for x, y in zip(ref, got, strict=False)])
    return {
        "identical_top10": f"{same}/{len(texts)}",
        "max_score_diff": diff,
        "today_ms_per_query": pct(secs),
    }


def quantised(engine, enc, texts, method, qvs) -> dict:  # type: ignore[no-untyped-def]
    """Top-10 overlap when the dense matrix is stored as float16 / int8 (per-row scale)."""
    from dataclasses import replace

    from scholarlens.index.engine import Engine

    snap = engine.snapshot(enc)
    d = snap.dense[enc.model_id]
    base = np.asarray(d.base)
    scale = np.abs(base).max(1, keepdims=True) / 127
    variants = {
        "float16": base.astype(np.float16).astype(np.float32),
        "int8": (np.round(base / np.where(scale == 0, 1, scale)).astype(np.int8) * scale).astype(
            np.float32
        ),
    }
    out = {}
    for name, arr in variants.items():
        other = Engine(engine.store, folder=engine.folder)
        other._snap = replace(snap, dense={enc.model_id: replace(d, base=arr)})
        ov, same = [], 0
        for t, qv in zip(texts, qvs, strict=True):
            a = [h.person_id for h in engine.rank(t, method, 10, encoder=enc, query_vector=qv)]
            b = [h.person_id for h in other.rank(t, method, 10, encoder=enc, query_vector=qv)]
            ov.append(len(set(a) & set(b)) / max(1, len(a)))
            same += a == b
        out[name] = {
            "overlap_at_10": round(float(np.mean(ov)), 4),
            "identical_top10": f"{same}/{len(texts)}",
            "bytes_per_vector": arr.shape[1] * (2 if name == "float16" else 1),
        }
    return out


def child_build(n: int, work: Path) -> dict:
    from scholarlens.embeddings import HashingEncoder
    from scholarlens.index.engine import Engine
    from scholarlens.stores import SQLiteStore

    store = SQLiteStore(work)
    engine = Engine(store)
    shutil.rmtree(engine.folder, ignore_errors=True)
    _, w, c = timed(lambda: engine.rebuild(HashingEncoder(384)))
    size = sum(f.stat().st_size for f in engine.folder.iterdir())
    return {"build_s": round(w / 1000, 1), "build_cpu_s": round(c / 1000, 1), "index_mib": round(size / 2**20, 1),
            "papers_indexed": engine.status()["papers"], "build_peak_rss_mib": peak_mib()}  # fmt: skip


def child_query(n: int, work: Path) -> dict:
    from scholarlens.embeddings import HashingEncoder, SentenceTransformerEncoder
    from scholarlens.index.engine import Engine
    from scholarlens.kb import KnowledgeBase
    from scholarlens.scoring import get_method

    enc, method = HashingEncoder(384), get_method(None)
    minilm = SentenceTransformerEncoder()
    minilm.encode_query("warm up")  # the query path of the product: no torch once exported
    res: dict = {"rss_before_index_mib": rss_mib(), "torch_loaded": "torch" in sys.modules}
    kb = KnowledgeBase(work)
    engine = Engine(kb.store)
    _, w, c = timed(lambda: engine.snapshot(enc))
    res["cold_load_ms"], res["cold_load_cpu_ms"] = round(w), round(c)
    topics, subs = queries()
    res["experts"] = query_figures(engine, enc, minilm, topics, method)
    res["reviewers"] = query_figures(engine, enc, minilm, subs, method)
    res["rss_after_queries_mib"] = rss_mib()
    res["peak_rss_serving_mib"] = peak_mib()  # before the exhaustive checks below
    qv_t = [minilm.encode_query(t) for t in topics]
    qv_s = [minilm.encode_query(t) for t in subs]
    res["agreement_vs_exhaustive"] = {
        "experts": agreement(engine, enc, topics, method, qv_t),
        "reviewers": agreement(engine, enc, subs, method, qv_s),
        "experts_lexical": agreement(engine, enc, topics, get_method("lexical"), qv_t),
        "experts_max": agreement(engine, enc, topics, get_method("max"), qv_t),
    }
    if n <= 100_000:
        res["quantised_dense"] = quantised(engine, enc, subs, method, qv_s)
    if n <= 10_000:
        res["agreement_vs_today"] = reference_agreement(kb, topics[:5] + subs[:5], method)
    _, w, c = timed(lambda: kb.ingest([SCALE_DIR / "new-1000.jsonl"]))
    res["ingest_1000_s"] = round(w / 1000, 1)
    status = engine.status()
    _, w, c = timed(lambda: engine.snapshot(enc))
    res["update_1000"] = {
        "stale_papers": status["stale_papers"],
        "wall_ms": round(w),
        "cpu_ms": round(c),
    }
    _, w, c = timed(engine.save)
    res["save_after_update"] = {"wall_ms": round(w), "cpu_ms": round(c)}
    res["after_update"] = agreement(engine, enc, topics[:10], method, qv_t[:10])
    res["peak_rss_mib"] = peak_mib()
    return res


def child_people(n: int, work: Path) -> dict:
    """similar / person / whois p50/p95 (50 each, warm) on the KB of ``run``, and cold CLI calls."""
    from scholarlens.embeddings import HashingEncoder
    from scholarlens.formats import parse_text
    from scholarlens.kb import KnowledgeBase

    enc = HashingEncoder(384)  # the corpus's encoder (these pages compare stored papers)
    kb = KnowledgeBase(work)
    res: dict = {"rss_before_mib": rss_mib()}
    kb.engine.snapshot(enc)
    rows = kb.store.query("SELECT person_id, COUNT(*) AS n FROM authorships GROUP BY person_id")
    ids = np.array([r["person_id"] for r in rows])
    people = np.random.default_rng(5).choice(ids, 53, replace=False).tolist()
    for name, fn in (
        ("similar", lambda p: kb.similar(p, 10, encoder=enc)),
        ("person", lambda p: kb.person(p, encoder=enc)),
    ):
        for p in people[:3]:
            fn(p)
        runs = [timed(lambda p=p, fn=fn: fn(p)) for p in people[3:]]
        res[name] = {"wall_ms": pct([r[1] for r in runs]), "cpu_ms": pct([r[2] for r in runs])}
    _, w, c = timed(lambda: kb.overlap.refresh(kb.store))
    res["whois_overlap_build"] = {"wall_s": round(w / 1000, 1), "cpu_s": round(c / 1000, 1)}
    profiles = [parse_text(f.read_text(), f.name) for f in sorted((HERE.parent / "examples" / "profiles").glob("*.txt"))]
    for pr in profiles:
        kb.whois(pr, encoder=enc)
    runs = [timed(lambda pr=pr: kb.whois(pr, encoder=enc)) for pr in profiles * 10]
    res["whois"] = {"wall_ms": pct([r[1] for r in runs]), "cpu_ms": pct([r[2] for r in runs])}
    res["peak_rss_mib"] = peak_mib()
    kb.close()
    env = {**os.environ, "SCHOLARLENS_MODEL": "hashing-384"}
    cold = []
    for cmd in (["experts", "graph neural networks for molecules", "--json"], ["similar", str(people[0]), "--json"]):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(work), *cmd], env=env, capture_output=True, text=True)
        cold.append({"command": " ".join(cmd[:1]), "wall_ms": round((time.perf_counter() - t0) * 1000), "rc": out.returncode})
    res["cold_cli"] = cold
    return res


def people_figures(n: int) -> None:
    work = SCALE_DIR / f"work-{n}.db"
    if not work.exists():
        sys.exit(f"{work} does not exist: run `scale.py run --papers {n}` first")
    res: dict = {"papers": n, "people_pages": True, "when": time.strftime("%Y-%m-%d %H:%M"), "before": load()}
    out = subprocess.run([sys.executable, __file__, "_people", str(n), str(work)], capture_output=True, text=True)
    sys.stderr.write(out.stderr[-3000:])
    if out.returncode:
        sys.exit("people failed")
    res["people"] = json.loads(out.stdout.strip().splitlines()[-1])
    res["after"] = load()
    print(json.dumps(res))
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(res) + "\n")


def run(n: int) -> None:
    src = SCALE_DIR / f"kb-{n}.db"
    if not src.exists():
        sys.exit(f"{src} does not exist: run `scale.py prepare --papers {n}` first")
    work = SCALE_DIR / f"work-{n}.db"
    for f in SCALE_DIR.glob(f"work-{n}.db*"):
        shutil.rmtree(f) if f.is_dir() else f.unlink()
    shutil.copy(src, work)
    res: dict = {"papers": n, "when": time.strftime("%Y-%m-%d %H:%M"), "before": load()}
    for step in ("build", "query"):
        out = subprocess.run(
            [sys.executable, __file__, f"_{step}", str(n), str(work)],
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr[-3000:])
        if out.returncode:
            sys.exit(f"{step} failed")
        res[step] = json.loads(out.stdout.strip().splitlines()[-1])
    res["after"] = load()
    line = json.dumps(res)
    print(line)
    with RESULTS.open("a") as fh:
        fh.write(line + "\n")


def bench_affinity(n_subs: int, n_rev: int, per: int) -> None:
    """10k submissions × 5k reviewers × 20 papers, cached (synthetic unit) vectors, real texts."""
    import arxiv_snapshot

    from scholarlens.index.batch import affinity
    from scholarlens.scoring import get_method

    titles, abstracts, _, _ = arxiv_snapshot._corpus()
    rng = np.random.default_rng(1)
    n_pap = n_rev * per
    texts = [
        f"{titles[i % len(titles)]}. {abstracts[(i * 7) % len(abstracts)]}"
        for i in range(n_pap + n_subs)
    ]
    vecs = rng.normal(size=(n_pap + n_subs, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    people = [[(r * per + j, j % 5) for j in range(per)] for r in range(n_rev)]
    res: dict = {"submissions": n_subs, "reviewers": n_rev, "papers_each": per, "before": load()}
    for name in ("hybrid-top5", "max"):
        m = get_method(name)
        out, w, c = timed(
            lambda m=m: affinity(
                m,
                vecs[:n_pap],
                texts[:n_pap],
                people,
                [3] * n_pap,
                [2020] * n_pap,
                vecs[n_pap:],
                texts[n_pap:],
            )
        )
        res[name] = {
            "wall_s": round(w / 1000, 1),
            "cpu_s": round(c / 1000, 1),
            "shape": list(out.shape),
        }
        print(name, res[name], file=sys.stderr, flush=True)
    res["after"], res["peak_rss_mib"] = load(), peak_mib()
    print(json.dumps(res))
    with RESULTS.open("a") as fh:
        fh.write(json.dumps({"affinity": res}) + "\n")


def synthetic_build(n: int, folder: Path) -> dict:
    """The generator's records straight into a saved engine snapshot (no SQLite: writing 10^6
    papers there takes most of an hour on this loaded machine). Vectors: scikit-learn's
    HashingVectorizer at 384 dimensions (a hashing encoder in C; the pure-Python one would
    take ~10 minutes here)."""
    import orjson
    from sklearn.feature_extraction.text import HashingVectorizer

    from scholarlens.index import snapshot as S

    hv = HashingVectorizer(n_features=384, alternate_sign=True, norm="l2", dtype=np.float32)
    model = "sklearn-hashing-384"
    snap = S.empty_snapshot()
    snap = dataclasses.replace(snap, dense={model: S.Dense(model, 384, np.zeros((0, 384), np.float32), np.zeros((0, 384), np.float32))})
    people: dict[str, int] = {}
    data = SCALE_DIR / f"arxiv-{n}.jsonl"
    w0, c0 = time.perf_counter(), time.process_time()
    with data.open("rb") as fh:
        batch, pid = S.Batch(), 0
        for line in fh:
            rec = orjson.loads(line)
            pid += 1
            batch.ids.append(pid)
            batch.texts.append(S.paper_text(rec.get("title"), rec.get("abstract")) or "")
            batch.years.append(int(rec["update_date"][:4]))
            authors = [people.setdefault(" ".join(a[1:2] + a[:1]), len(people) + 1) for a in rec["authors_parsed"]]
            batch.n_authors.append(max(1, len(authors)))
            batch.entries.append([(a, i, False) for i, a in enumerate(authors)])
            if len(batch.ids) == 50_000:
                snap = S.apply_batch(snap, np.zeros(0, np.int64), batch, {model: hv.transform(batch.texts).toarray()}, 0, final=False)
                batch = S.Batch()
                print(f"  {pid:,} papers, {time.perf_counter() - w0:.0f} s", file=sys.stderr, flush=True)
        if batch.ids:
            snap = S.apply_batch(snap, np.zeros(0, np.int64), batch, {model: hv.transform(batch.texts).toarray()}, 0, final=False)
    snap = S.compacted(snap)
    shutil.rmtree(folder, ignore_errors=True)
    S.save(snap, folder, {"db": "synthetic"})
    size = sum(f.stat().st_size for f in folder.iterdir())
    return {"build_s": round(time.perf_counter() - w0, 1), "build_cpu_s": round(time.process_time() - c0, 1),
            "index_mib": round(size / 2**20, 1), "papers_indexed": snap.n_rows, "people": len(snap.people.ids),
            "entries": len(snap.people.person), "postings": int(snap.lexical.base.nnz), "terms": len(snap.lexical.vocab),
            "build_peak_rss_mib": peak_mib()}  # fmt: skip


def synthetic_half(n: int, folder: Path) -> dict:
    """Give an index saved before the float16 copy existed its ``.f16`` file (a new generation)."""
    from scholarlens.index import snapshot as S

    meta = S.load_meta(folder)
    if all("half" in m for m in meta.get("models", {}).values()):
        return {"saved": False}
    w0, c0 = time.perf_counter(), time.process_time()
    S.save(S.load(folder, meta), folder, {"db": meta.get("db", "synthetic")})
    return {"saved": True, "wall_s": round(time.perf_counter() - w0, 1), "cpu_s": round(time.process_time() - c0, 1)}


def synthetic_query(n: int, folder: Path) -> dict:
    from scholarlens.embeddings import HashingEncoder, SentenceTransformerEncoder
    from scholarlens.index import snapshot as S
    from scholarlens.index.engine import Engine
    from scholarlens.scoring import get_method
    from scholarlens.stores import SQLiteStore

    enc, method = HashingEncoder(384), get_method(None)
    # Name the synthetic matrix (HashingEncoder sets model_id per instance, so a class
    # attribute would not do: the engine then embedded every paper anew from the empty store).
    enc.model_id = "sklearn-hashing-384"  # queries come as MiniLM vectors
    minilm = SentenceTransformerEncoder()
    minilm.encode_query("warm up")  # the query path of the product: no torch once exported
    res: dict = {"rss_before_index_mib": rss_mib(), "torch_loaded": "torch" in sys.modules}
    engine = Engine(SQLiteStore(":memory:"))
    (snap, w, c) = timed(lambda: S.load(folder, S.load_meta(folder)))
    engine._snap = snap
    res["cold_load_ms"], res["cold_load_cpu_ms"] = round(w), round(c)
    topics, subs = queries()
    res["experts"] = query_figures(engine, enc, minilm, topics, method)
    res["rss_after_experts_mib"] = rss_mib()
    res["reviewers"] = query_figures(engine, enc, minilm, subs, method)
    res["rss_after_queries_mib"] = rss_mib()
    res["peak_rss_serving_mib"] = peak_mib()  # before the exhaustive check below (scores everyone)
    qv_t = [minilm.encode_query(t) for t in topics[:10]]
    qv_s = [minilm.encode_query(t) for t in subs[:10]]
    res["agreement_vs_exhaustive"] = {
        "experts": agreement(engine, enc, topics[:10], method, qv_t),
        "reviewers": agreement(engine, enc, subs[:10], method, qv_s),
    }
    res["peak_rss_mib"] = peak_mib()
    return res


def synthetic(n: int) -> None:
    folder = SCALE_DIR / f"synthetic-{n}.index"
    res: dict = {"papers": n, "synthetic": True, "when": time.strftime("%Y-%m-%d %H:%M"), "before": load()}
    for step in ("_sbuild", "_shalf", "_squery"):
        if step == "_sbuild" and (folder / "meta.json").exists() and os.environ.get("REUSE"):
            continue
        out = subprocess.run([sys.executable, __file__, step, str(n), str(folder)], capture_output=True, text=True)
        sys.stderr.write(out.stderr[-3000:])
        if out.returncode:
            sys.exit(f"{step} failed")
        res[step[2:]] = json.loads(out.stdout.strip().splitlines()[-1])
    res["after"] = load()
    print(json.dumps(res))
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(res) + "\n")


def engine_only(n: int) -> None:
    """CPU time of Engine.rank alone (query vectors given: random unit vectors), after `run`."""
    from scholarlens.embeddings import HashingEncoder
    from scholarlens.index.engine import Engine
    from scholarlens.scoring import get_method
    from scholarlens.stores import SQLiteStore

    engine, enc, m = Engine(SQLiteStore(SCALE_DIR / f"work-{n}.db")), HashingEncoder(384), get_method(None)
    engine.snapshot(enc)
    rng = np.random.default_rng(0)
    qvs = [q / np.linalg.norm(q) for q in rng.normal(size=(50, 1, 384)).astype(np.float32)]
    res: dict = {"papers": n, "engine_only": True, "before": load()}
    for name, texts in zip(("experts", "reviewers"), queries(), strict=True):
        for t, q in zip(texts[:3], qvs, strict=False):
            engine.rank(t, m, 10, encoder=enc, query_vector=q)
        cpu = [timed(lambda t=t, q=q: engine.rank(t, m, 10, encoder=enc, query_vector=q))[2] for t, q in zip(texts, qvs, strict=True)]
        res[name] = {"engine_cpu_ms": pct(cpu), "answered_by": dict(engine.stats)}
    res["after"] = load()
    print(json.dumps(res))
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(res) + "\n")


CHILDREN = {"_build": child_build, "_query": child_query, "_sbuild": synthetic_build, "_shalf": synthetic_half, "_squery": synthetic_query, "_people": child_people}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in CHILDREN:
        print(json.dumps(CHILDREN[sys.argv[1]](int(sys.argv[2]), Path(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("action", choices=["prepare", "run", "affinity", "synthetic", "engine", "people"])
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--submissions", type=int, default=10_000)
    ap.add_argument("--reviewers", type=int, default=5_000)
    ap.add_argument("--per", type=int, default=20)
    a = ap.parse_args()
    if a.action == "prepare":
        prepare(a.papers)
    elif a.action == "run":
        run(a.papers)
    elif a.action == "synthetic":
        synthetic(a.papers)
    elif a.action == "engine":
        engine_only(a.papers)
    elif a.action == "people":
        people_figures(a.papers)
    else:
        bench_affinity(a.submissions, a.reviewers, a.per)


if __name__ == "__main__":
    main()
