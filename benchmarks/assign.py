"""Reviewer assignment at conference scale: solve time, peak memory, optimality gap, fairness.

A synthetic conference (default 10,000 submissions × 8,000 reviewers, the top 200 candidates
per paper, 3 reviewers per paper, max load 6, 1 % of candidate pairs in hard conflict).
Affinities are *synthetic structured* ones, not the engine's: papers and reviewers get sparse
mixtures over 60 topics (Dirichlet α = 0.1) and a reviewer-specific breadth; affinity is the
cosine of the mixtures times a per-reviewer seniority factor, plus Gaussian noise (σ 0.02).
(The engine over a synthetic KB of 8,000 people would need ~10,000 `kb.reviewers` calls; its
batch API is being rebuilt, see the report.)

With ``--engine``, affinities come from the expertise engine's batch kernel instead
(``index.batch.affinity``, what ``kb.affinity`` runs for OpenReview archives): a synthetic KB of
``--papers-per-reviewer`` papers per reviewer (texts drawn from the same kind of topic
mixtures, over a made-up vocabulary; 1–4 authors per paper, years 2012–2025), every submission
scored against every reviewer with the default method, then each paper's top ``--top-k``.
Embeddings come from the ``hashing`` encoder (``--model`` to change it): the real MiniLM embeds
~15 texts/s here, which would dominate (and is reported as an estimate, not measured). The
affinity is computed once (in the ``sum`` process) and cached for the ``fair`` one.

Each objective runs in its own process so peak RSS is its own. ``sum`` is checked against the
LP relaxation solved by HiGHS (scipy's ``linprog``, dual simplex): gap = LP − found.

    PYTHONPATH=src python benchmarks/assign.py                 # writes benchmarks/assign.md
    PYTHONPATH=src python benchmarks/assign.py --papers 2000 --reviewers 1600 --no-write
    PYTHONPATH=src python benchmarks/assign.py --engine        # writes benchmarks/assign_engine.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def synthetic(papers: int, reviewers: int, top_k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(paper index, reviewer index, affinity) of each paper's top_k reviewers."""
    rng = np.random.default_rng(seed)
    topics = 60
    p_mix = rng.dirichlet(np.full(topics, 0.1), size=papers).astype(np.float32)
    r_mix = rng.dirichlet(np.full(topics, 0.1), size=reviewers).astype(np.float32)
    r_mix = 0.8 * r_mix + 0.2 * rng.dirichlet(np.full(topics, 1.0), size=reviewers).astype(np.float32)
    p_mix /= np.linalg.norm(p_mix, axis=1, keepdims=True)
    r_mix /= np.linalg.norm(r_mix, axis=1, keepdims=True)
    seniority = rng.uniform(0.7, 1.0, size=reviewers).astype(np.float32)
    rows, cols, vals = [], [], []
    for start in range(0, papers, 1000):
        block = p_mix[start : start + 1000] @ r_mix.T * seniority
        block += rng.normal(0, 0.02, size=block.shape).astype(np.float32)
        idx = np.argpartition(-block, top_k - 1, axis=1)[:, :top_k]
        rows.append(np.repeat(np.arange(start, start + block.shape[0]), top_k))
        cols.append(idx.ravel())
        vals.append(np.take_along_axis(block, idx, axis=1).ravel())
    return np.concatenate(rows), np.concatenate(cols), np.round(np.concatenate(vals).astype(np.float64), 6)


def _words(rng: np.random.Generator, mix: np.ndarray, n: int, vocab: int) -> str:
    """A text of ``n`` made-up words drawn from a topic mixture (60 topics × ``vocab`` words)."""
    topics = rng.choice(mix.size, size=n, p=mix)
    return " ".join(f"w{t}x{w}" for t, w in zip(topics, rng.integers(0, vocab, size=n), strict=True))


def engine_affinities(papers: int, reviewers: int, top_k: int, per_reviewer: int, model: str,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(paper, reviewer, affinity) of each submission's top_k reviewers, scored by the engine's
    batch kernel over a synthetic KB; plus the figures of each step."""
    from scholarlens.embeddings import get_encoder
    from scholarlens.index.batch import affinity as batch_affinity
    from scholarlens.scoring import get_method

    rng = np.random.default_rng(seed)
    topics, vocab, words = 60, 40, 60
    figures: dict = {}
    t = time.perf_counter()
    r_mix = rng.dirichlet(np.full(topics, 0.1), size=reviewers)
    r_mix = 0.8 * r_mix + 0.2 * rng.dirichlet(np.full(topics, 1.0), size=reviewers)
    texts, n_authors, years = [], [], []
    people: list[list[tuple[int, int | None]]] = [[] for _ in range(reviewers)]
    for r in range(reviewers):
        for _ in range(per_reviewer):
            col = len(texts)
            texts.append(_words(rng, r_mix[r], words, vocab))
            others = rng.choice(reviewers, size=int(rng.integers(0, 4)), replace=False)
            team = [r] + [int(o) for o in others if o != r]
            for pos, who in enumerate(team):
                people[who].append((col, pos))
            n_authors.append(len(team))
            years.append(int(rng.integers(2012, 2026)))
    p_mix = rng.dirichlet(np.full(topics, 0.1), size=papers)
    sub_texts = [_words(rng, p_mix[i], words, vocab) for i in range(papers)]
    figures["kb_papers"], figures["text_s"] = len(texts), round(time.perf_counter() - t, 2)
    enc = get_encoder(model)
    t, c = time.perf_counter(), time.process_time()
    vectors, sub_vectors = enc.encode(texts), enc.encode(sub_texts)
    figures["embed_s"], figures["embed_cpu_s"], figures["encoder"] = round(time.perf_counter() - t, 2), round(time.process_time() - c, 2), enc.model_id
    t, c = time.perf_counter(), time.process_time()
    scores = batch_affinity(get_method(None), vectors, texts, people, n_authors, years, sub_vectors, sub_texts)
    figures["affinity_s"], figures["affinity_cpu_s"] = round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)
    figures["affinity_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    t = time.perf_counter()
    idx = np.argpartition(-scores, top_k - 1, axis=1)[:, :top_k]
    vals = np.take_along_axis(scores, idx, axis=1)
    figures["top_k_s"] = round(time.perf_counter() - t, 2)
    figures["method"] = get_method(None).name
    rows = np.repeat(np.arange(papers), top_k)
    return rows, idx.ravel(), np.round(vals.ravel().astype(np.float64), 6), figures


def lp_highs(problem) -> tuple[float, float]:
    """LP relaxation optimum of the sum objective with HiGHS, and its seconds."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    aff = problem.affinity
    keep = np.flatnonzero(problem.allowed)
    n = keep.size
    cols = np.arange(n)
    a_paper = csr_matrix((np.ones(n), (aff.paper[keep], cols)), shape=(len(aff.papers), n))
    a_rev = csr_matrix((np.ones(n), (aff.reviewer[keep], cols)), shape=(len(aff.reviewers), n))
    t = time.perf_counter()
    res = linprog(
        -problem.adjusted[keep],
        A_ub=vstack([a_rev, -a_rev]).tocsr(),
        b_ub=np.concatenate([problem.max_load, -problem.min_load]).astype(float),
        A_eq=a_paper,
        b_eq=problem.demand.astype(float),
        bounds=(0, 1),
        method="highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(res.message)
    return -float(res.fun), time.perf_counter() - t


def one(args: argparse.Namespace) -> dict:
    """Build and solve one objective in this process; returns its figures."""
    from scholarlens.assign import Affinity, build_problem, solve

    t0 = time.perf_counter()
    c0 = time.process_time()
    engine: dict = {}
    cache = Path(args.cache) if args.cache else None
    if args.engine and cache is not None and cache.exists():
        data = np.load(cache, allow_pickle=False)
        p, r, s = data["p"], data["r"], data["s"]
        engine = json.loads(str(data["figures"]))
    elif args.engine:
        p, r, s, engine = engine_affinities(args.papers, args.reviewers, args.top_k, args.papers_per_reviewer, args.model)
        if cache is not None:
            np.savez(cache, p=p, r=r, s=s, figures=json.dumps(engine))
    else:
        p, r, s = synthetic(args.papers, args.reviewers, args.top_k)
    rng = np.random.default_rng(1)
    conflict = rng.random(s.size) < args.conflicts
    gen_s = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), time.process_time()
    papers = [f"P{i}" for i in range(args.papers)]
    revs = [f"~Reviewer{j}" for j in range(args.reviewers)]
    aff = Affinity(papers, revs, p.astype(np.int32), r.astype(np.int32), s)
    problem = build_problem(aff, args.per_paper, 0, args.max_load)
    problem.allowed &= ~conflict
    problem.conflicts = {(int(a), int(b)): None for a, b in zip(p[conflict], r[conflict], strict=True)}
    build_s = time.perf_counter() - t1
    result = solve(problem, args.objective)
    solve_wall, solve_cpu = time.perf_counter() - t1, time.process_time() - c1
    out = {
        "objective": args.objective,
        "generate_s": round(gen_s, 2),
        "build_s": round(build_s, 2),
        "solve_wall_s": round(solve_wall, 2),
        "solve_cpu_s": round(solve_cpu, 2),
        "total_cpu_s": round(time.process_time() - c0, 2),
        **result.summary(),
        **engine,
    }
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.objective == "sum" and not args.no_lp:
        bound, lp_s = lp_highs(problem)
        out["lp_bound"], out["lp_s"] = round(bound, 6), round(lp_s, 1)
        out["gap"] = round(max(0.0, bound - result.total), 6)
        out["peak_rss_with_lp_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--reviewers", type=int, default=8_000)
    ap.add_argument("--top-k", type=int, default=200)
    ap.add_argument("--per-paper", type=int, default=3)
    ap.add_argument("--max-load", type=int, default=6)
    ap.add_argument("--conflicts", type=float, default=0.01)
    ap.add_argument("--objective", choices=["sum", "fair"])
    ap.add_argument("--no-lp", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--engine", action="store_true", help="affinities from the engine's batch kernel over a synthetic KB")
    ap.add_argument("--papers-per-reviewer", type=int, default=5)
    ap.add_argument("--model", default="hashing", help="encoder for --engine (default: hashing)")
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.objective:
        print(json.dumps(one(args)))
        return
    rows = []
    base = [a for a in sys.argv[1:] if a not in ("--no-write",)]
    with tempfile.TemporaryDirectory() as tmp:
        cache = ["--cache", str(Path(tmp) / "affinity.npz")] if args.engine else []
        for objective in ("sum", "fair"):
            proc = subprocess.run([sys.executable, __file__, *base, *cache, "--objective", objective],
                                  capture_output=True, text=True, check=True, env=os.environ)
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]))
    if not args.no_write:
        (write_engine_md if args.engine else write_md)(args, rows)


def _objective_table(corner: str, keys: list[str], rows: list[dict]) -> list[str]:
    """A markdown table: one column per objective's run, one line per figure in ``keys``."""
    head = [f"| {corner} | " + " | ".join(r["objective"] for r in rows) + " |", "|---|" + "---|" * len(rows)]
    return head + [f"| {k} | " + " | ".join(str(r.get(k)) for r in rows) + " |" for k in keys]


def write_md(args: argparse.Namespace, rows: list[dict]) -> None:
    load = os.getloadavg()
    keys = ["solve_wall_s", "solve_cpu_s", "peak_rss_mib", "generate_s", "lp_s", "peak_rss_with_lp_mib", "total_affinity", "lp_bound", "gap", "rounding_bound",
            "worst_paper_score", "mean_paper_score", "lowest_pair_score", "fair_threshold", "load", "hard_conflicts", "candidate_pairs"]
    lines = [
        "# Reviewer assignment benchmark (`benchmarks/assign.py`)",
        "",
        f"Synthetic conference: {args.papers:,} submissions × {args.reviewers:,} reviewers, top {args.top_k} candidates "
        f"per paper (synthetic structured affinities, see the script), {args.per_paper} reviewers per paper, max load "
        f"{args.max_load}, {args.conflicts:.0%} of candidate pairs in hard conflict. Targets: ≤ 2 min, ≤ 2 GiB, gap 0 for `sum`.",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared with other agents: compare CPU seconds). "
        "Each objective in its own process (its own peak RSS); times are build + solve after the affinities exist.",
        "",
        *_objective_table("figure", keys, rows),
    ]
    lines += [
        "",
        "Command: `PYTHONPATH=src python benchmarks/assign.py` (each objective in a subprocess).",
        "",
        "- `solve_*`: building the problem and solving it, after the affinities exist (`generate_s` is the",
        "  synthetic affinity generation). `peak_rss_mib` is the process peak up to the end of the solve;",
        "  `peak_rss_with_lp_mib` includes the HiGHS LP check, which is not part of an assignment run.",
        "- `gap` = LP optimum (HiGHS dual simplex on the relaxation, real-valued affinities) − the min-cost",
        "  flow's total; `rounding_bound` is the most integer cost scaling can lose (pairs / scale).",
        "- `fair` maximises the lowest assigned pair (`fair_threshold`), then the total above it; the",
        "  worst paper's mean score is compared with `sum`'s in `worst_paper_score`.",
        "- Affinities are synthetic structured ones (topic mixtures, see the script), not the engine's;",
        "  `--engine` takes them from the engine's batch kernel over a synthetic KB: [assign_engine.md](assign_engine.md).",
        "",
        "Export formats followed (see `src/scholarlens/assign_export.py`): openreview-matcher's",
        "`assignments.json`/`alternates.json` (`{paper: [{aggregate_score, user}]}`, from",
        "`matcher/encoder.py` `decode_assignments` in github.com/openreview/openreview-matcher) and its",
        "CSV inputs (`--scores`, `--constraints` with -1, `--max_papers`); OpenReview edges",
        "`{head, tail, weight, label}` (the matcher's `_build_edge`); Microsoft CMT's reviewer-assignment",
        "import XML (`<assignments><submission submissionId=…><user email=…/></submission></assignments>`,",
        "per CMT's help page *CHAIR HOW-TO: Import Assignments (Reviewer)*,",
        "cmt3.research.microsoft.com/docs/help/chair/import-reviewer-assignments.html: the page's text names",
        "the `submission`/`submissionId` and `user`/`email` parts; the root element `<assignments>` is our",
        "assumption, to check against the template CMT offers for download) and its quota file (`# Email<TAB>Quota`,",
        "import-reviewer-quotas.html on the same site).",
        "",
    ]
    (HERE / "assign.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_engine_md(args: argparse.Namespace, rows: list[dict]) -> None:
    load = os.getloadavg()
    first = rows[0]
    keys = ["solve_wall_s", "solve_cpu_s", "peak_rss_mib", "lp_s", "peak_rss_with_lp_mib", "total_affinity", "lp_bound", "gap",
            "rounding_bound", "worst_paper_score", "mean_paper_score", "lowest_pair_score", "fair_threshold", "load",
            "hard_conflicts", "candidate_pairs"]
    est_h = (first["kb_papers"] + args.papers) / 15 / 3600
    lines = [
        "# Reviewer assignment with engine affinities (`benchmarks/assign.py --engine`)",
        "",
        f"Synthetic KB: {args.reviewers:,} reviewers × {args.papers_per_reviewer} papers each ({first['kb_papers']:,} papers, "
        f"1–4 authors, texts drawn from 60-topic mixtures over a made-up vocabulary); {args.papers:,} submissions. "
        f"Affinity: the engine's batch kernel (`index.batch.affinity`, method `{first['method']}`, dense "
        f"`{first['encoder']}` embeddings + TF-IDF), every submission × every reviewer, then each paper's top {args.top_k}; "
        f"{args.per_paper} reviewers per paper, max load {args.max_load}, {args.conflicts:.0%} of candidate pairs in hard conflict.",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared with other agents: compare CPU seconds).",
        "",
        "| affinity step | seconds (wall) | CPU seconds |",
        "|---|---|---|",
        f"| texts generated | {first['text_s']} | |",
        f"| embedding ({first['encoder']}) | {first['embed_s']} | {first['embed_cpu_s']} |",
        f"| batch affinity {args.papers:,} × {args.reviewers:,} | {first['affinity_s']} | {first['affinity_cpu_s']} |",
        f"| top {args.top_k} per paper | {first['top_k_s']} | |",
        "",
        f"Peak RSS after the affinity matrix: {first['affinity_rss_mib']} MiB (the dense {args.papers:,} × {args.reviewers:,} "
        "score matrix is held whole before the top-K cut).",
        "",
        *_objective_table("solve", keys, rows),
    ]
    lines += [
        "",
        f"Command: `PYTHONPATH=src python benchmarks/assign.py {' '.join(a for a in sys.argv[1:] if a != '--no-write')}` "
        "(each objective in a subprocess; the affinity is computed in the `sum` process and cached for `fair`, whose "
        "`peak_rss_mib` therefore excludes it).",
        "",
        f"- Not measured: the real MiniLM model. At ~15 texts/s on this machine, embedding these {first['kb_papers'] + args.papers:,} "
        f"texts would take about {est_h:.1f} h once (embeddings are cached in the store afterwards); the hashing encoder stands in.",
        "- Conflicts are 1 % random candidate pairs (as in `assign.md`), not computed from the synthetic co-authorship.",
        "",
    ]
    (HERE / "assign_engine.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
