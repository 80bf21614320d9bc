#!/usr/bin/env python3
"""Query vectors from the int8 ONNX graph against a corpus embedded in fp32: the gold-standard
loss of the default method, paired by reviewer (issue 10: encoding an abstract is most of a
``reviewers`` query; int8 encodes it ~2× faster, but is its ranking as good?).

For each dev dataset ``d_20_i``: the reviewers' archive papers are embedded with the exported
fp32 graph (cosine ≥ 0.9999997 to torch), the submissions once with fp32 and once with int8,
and both are scored with the default method through the batch kernel that ``affinity`` uses.
Both variants go through the gold standard's ``score.py``; the difference is bootstrapped over
reviewers (paired: each resample draws the same reviewers for both).

usage: python benchmarks/query_precision.py [--root GOLD] [--cache DB] [--out DIR]
Results: printed as JSON and appended to benchmarks/query_precision.jsonl.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE.parents[1] / "shared" / "benchmarks" / "goldstandard"


def main() -> None:
    from scholarlens.affinity import BLOCK, read_archives, read_submissions
    from scholarlens.embeddings import embed_cached
    from scholarlens.embeddings.base import TokenBudget
    from scholarlens.embeddings.onnx import OnnxEncoder
    from scholarlens.index.batch import affinity as batch_affinity
    from scholarlens.scoring import get_method
    from scholarlens.stores import open_store

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument(
        "--cache", default="/tmp/scholarlens-query-precision.db", help="SQLite embedding cache"
    )
    ap.add_argument("--out", type=Path, default=Path("/tmp/scholarlens-query-precision"))
    ap.add_argument("--bootstrap", type=int, default=2000)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    method = get_method(None)
    encoders = {
        v: OnnxEncoder(v, TokenBudget(256), threads=2, spinning=False) for v in ("fp32", "int8")
    }
    store = open_store(a.cache)
    t0 = time.perf_counter()
    for i in range(1, 11):
        d = a.root / f"d_20_{i}"
        pool, reviewers = read_archives(d / "archives")
        subs = read_submissions(d / "submissions.json")
        order = [r for r in reviewers if r in pool.people]
        vectors = embed_cached(store, encoders["fp32"], pool.texts)
        for variant, enc in encoders.items():
            queries = embed_cached(store, enc, [t for _, t in subs])
            scores = batch_affinity(
                method, vectors, pool.texts, [pool.people[r] for r in order], pool.n_authors,
                pool.years, queries, [t for _, t in subs], block=BLOCK,
            )  # fmt: skip
            with (a.out / f"{variant}_d_20_{i}.csv").open("w") as fh:
                fh.write("paper_id,reviewer_id,score\n")
                for j, rid in enumerate(order):
                    fh.writelines(
                        f"{pid},{rid},{s:.6f}\n"
                        for (pid, _), s in zip(subs, scores[:, j].tolist(), strict=True)
                    )
        print(
            f"  d_20_{i}: {len(subs)} submissions × {len(order)} reviewers, {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    store.close()
    res: dict = {"when": time.strftime("%Y-%m-%d %H:%M"), "method": method.name}
    for variant in encoders:
        out = subprocess.run(
            [sys.executable, str(a.root / "score.py"), str(a.out), variant],
            check=True,
            capture_output=True,
            text=True,
        )
        res[variant] = json.loads(out.stdout)
    res["paired_bootstrap"] = paired(a.root, a.out, a.bootstrap)
    print(json.dumps(res))
    with (HERE / "query_precision.jsonl").open("a") as fh:
        fh.write(json.dumps(res) + "\n")


def paired(root: Path, out: Path, n_boot: int) -> dict:
    """int8 − fp32 loss, resampling reviewers (the score.py loss: per dataset Σ loss / Σ max,
    averaged over the ten datasets)."""
    spec = importlib.util.spec_from_file_location("gold_score", root / "score.py")
    assert spec and spec.loader
    gs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gs)
    ratings = gs.read_ratings(str(root / "evaluations.tsv"))
    ids = sorted(ratings)
    per: dict[str, np.ndarray] = {}
    for variant in ("fp32", "int8"):
        arr = np.zeros((10, len(ids), 2))
        for i in range(1, 11):
            preds = gs.read_predictions(str(out / f"{variant}_d_20_{i}.csv"))
            for k, rid in enumerate(ids):
                arr[i - 1, k] = _loss(preds[rid], ratings[rid])
        per[variant] = arr

    def total(arr: np.ndarray, pick: np.ndarray) -> float:
        s = arr[:, pick].sum(axis=1)
        return float(np.mean(s[:, 0] / s[:, 1]))

    everyone = np.arange(len(ids))
    diff = total(per["int8"], everyone) - total(per["fp32"], everyone)
    rng = np.random.default_rng(0)
    boots = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(ids), len(ids))
        boots.append(total(per["int8"], pick) - total(per["fp32"], pick))
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {
        "int8_minus_fp32": round(diff, 4),
        "ci95": [round(float(lo), 4), round(float(hi), 4)],
        "reviewers": len(ids),
        "resamples": n_boot,
    }


def _loss(pred: dict[str, float], rated: dict[str, float]) -> tuple[float, float]:
    """One reviewer's (loss, max loss): score.py's definition (inverted pair: |r1 − r2|, tie in
    the predictions: half of it)."""
    from itertools import combinations

    loss = top = 0.0
    for p1, p2 in combinations(sorted(rated), 2):
        true, guess = rated[p1] - rated[p2], pred[p1] - pred[p2]
        top += abs(true)
        loss += abs(true) if true * guess < 0 else abs(true) / 2 if true * guess == 0 else 0.0
    return loss, top


if __name__ == "__main__":
    main()
