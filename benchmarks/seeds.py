#!/usr/bin/env python3
"""Foundation acceptance figures on the five example profiles.

usage: python benchmarks/seeds.py [--db PATH]

Ingests examples/profiles into a fresh database (twice, to show idempotence) and prints a
JSON report: unique papers, per-profile sizes, GPT-4o System Card authors and profiles,
Thai-block characters left in names, owners with confidence, and ingest time.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from scholarlens.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "seeds.db")
    with KnowledgeBase(db) as kb:
        t0 = time.perf_counter()
        first = kb.ingest([ROOT / "examples" / "profiles"])
        t1 = time.perf_counter()
        second = kb.ingest([ROOT / "examples" / "profiles"])
        t2 = time.perf_counter()
        papers = kb.papers()
        card = next(p for p in papers if p["title"] == "GPT-4o System Card")
        names = [r["name"] for r in kb.store.query("SELECT name FROM people")]
        report = {
            "unique_papers": len(papers),
            "profile_sizes": [p["papers"] for p in kb.profiles()],
            "first_ingest": first.totals(),
            "second_ingest": second.totals(),
            "papers_after_second_ingest": kb.count("papers"),
            "gpt4o_card": {"authors": len(card["authors"]), "profiles": len(card["profiles"])},
            "names_with_thai_characters": sum(bool(re.search("[\u0e00-\u0e7f]", n)) for n in names),
            "quinonero_candela_people": len(kb.find_people("Joaquin Quiñonero Candela")),
            "people": len(names),
            "owners": [
                {
                    "file": Path(p["source"]).name,
                    "declared": p["declared_name"],
                    "declared_supported": p["declared_name_supported"],
                    "owner": p["owner"]["name"] if p["owner"] else None,
                    "confidence": p["owner"]["confidence"] if p["owner"] else None,
                    "status": p["owner_status"],
                }
                for p in kb.profiles()
            ],
            "ingest_seconds": round(t1 - t0, 2),
            "reingest_seconds": round(t2 - t1, 2),
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
