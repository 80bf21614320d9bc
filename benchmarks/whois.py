#!/usr/bin/env python3
"""Owner identification benchmark: top-1 accuracy of ``whois`` on anonymous profiles.

Conditions (reference corpus = Semantic Scholar paper records, one file each):

* ``full``    — the whole corpus is ingested;
* ``partial`` — the corpus without the papers of ``corpus_exclude.json`` (about half of each
  profile's papers are then unknown to the system).

A prediction is right when the best candidate's name (or one of its merged spellings) is
compatible with the true name (``R. Schapire`` ~ ``Robert Schapire``).

usage: python benchmarks/whois.py [--bench DIR] [--corpus DIR] [--conditions full,partial] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SCHOLARLENS_MODEL", "hashing")  # the fallback is only used when nothing matches

from scholarlens import whois  # noqa: E402
from scholarlens.kb import KnowledgeBase  # noqa: E402
from scholarlens.names import names_compatible  # noqa: E402

# The shared benchmarks folder sits beside the repository (../shared/benchmarks).
SHARED = Path(os.environ.get("SCHOLARLENS_BENCHMARKS", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))


def is_right(result: dict, truth: str) -> bool:
    if not result["candidates"]:
        return False
    best = result["candidates"][0]
    return any(names_compatible(truth, n) for n in [best["name"], *best.get("aliases", [])])


def run(condition: str, bench: Path, corpus: Path, tmp: Path) -> dict:
    truth = json.loads((bench / "truth.json").read_text())
    files = sorted(corpus.glob("*.json"))
    if condition == "partial":
        excluded = set(json.loads((bench / "corpus_exclude.json").read_text()))
        files = [f for f in files if f.stem not in excluded]
    t0 = time.perf_counter()
    kb = KnowledgeBase(tmp / f"{condition}.db")
    report = kb.ingest(files)
    t_ingest = time.perf_counter() - t0
    rows, right = [], 0
    t1 = time.perf_counter()
    for key in sorted(truth):
        res = whois(kb, bench / "profiles" / f"{key}.txt")
        ok = is_right(res, truth[key]["name"])
        right += ok
        best = res["candidates"][0] if res["candidates"] else None
        rows.append(
            {
                "profile": key,
                "truth": truth[key]["name"],
                "ok": ok,
                "status": res["status"],
                "method": res["method"],
                "top": best and best["name"],
                "confidence": best and best["confidence"],
                "matched": res["matched"],
                "papers": res["papers"],
                "runner_up": res["candidates"][1]["name"] if len(res["candidates"]) > 1 else None,
            }
        )
    t_whois = time.perf_counter() - t1
    kb.close()
    return {
        "condition": condition,
        "corpus_files": len(files),
        "ingest_failed": report.totals()["failed"],
        "profiles": len(rows),
        "top1": round(right / len(rows), 4),
        "right": right,
        "ingest_s": round(t_ingest, 1),
        "whois_s": round(t_whois, 1),
        "rows": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=SHARED / "whois")
    ap.add_argument("--corpus", type=Path, default=SHARED / "goldstandard" / "papers")
    ap.add_argument("--conditions", default="full,partial")
    ap.add_argument("--json", type=Path, help="write the full results here")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for cond in args.conditions.split(","):
            res = run(cond, args.bench, args.corpus, Path(tmp))
            results.append(res)
            for r in res["rows"]:
                if not r["ok"] or r["status"] != "identified":
                    print(
                        f"  {cond:7s} {r['profile']}: truth={r['truth']!r} top={r['top']!r} ({r['confidence']}, {r['status']},"
                        f" {r['method']}, matched {r['matched']}/{r['papers']}) next={r['runner_up']!r} {'OK' if r['ok'] else 'WRONG'}"
                    )
            print(
                f"{cond}: top-1 {res['top1']:.3f} ({res['right']}/{res['profiles']}); corpus {res['corpus_files']} files"
                f" ({res['ingest_failed']} failed); ingest {res['ingest_s']} s, whois {res['whois_s']} s"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
