#!/usr/bin/env python3
"""A kill -9 campaign against ingest: no kill may lose, duplicate or corrupt anything.

Two workloads, each through the real CLI (``scholarlens --db DB ingest ...`` in a subprocess,
the database in a temporary folder):

* ``profiles`` — the example profiles and the ``--dev-profiles`` smallest whois dev profiles
  (real files; one transaction per file);
* ``dump`` — a synthetic arXiv-snapshot JSON-lines dump (``arxiv_snapshot.generate``; batches
  with checkpoints, resumed by the next run).

For each workload a clean run gives the reference counts. Then each trial starts from an
empty database and runs the same command up to ``--kills-per-trial`` times, sending SIGKILL
at a random moment of the run's lifetime (start-up, parsing, writing, committing), and finally
lets it run to the end (resume / re-ingest). The database must then pass ``PRAGMA
integrity_check`` and ``foreign_key_check`` and hold exactly the clean run's counts. Only kills
that hit a live process are counted.

usage: python benchmarks/crash.py [--kills 100] [--kills-per-trial 3] [--records 3000]
       [--seed 1] [--out benchmarks/crash.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("SCHOLARLENS_SHARED", ROOT.parent.parent / "shared"))
EXAMPLES = ROOT / "examples" / "profiles"
DEV = SHARED / "benchmarks" / "whois" / "profiles"
TABLES = ("profiles", "papers", "people", "authorships", "paper_sources", "person_aliases", "identifiers")


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


def checks(db: Path) -> tuple[str, int]:
    """``PRAGMA integrity_check`` ("ok") and the number of foreign-key violations."""
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = len(conn.execute("PRAGMA foreign_key_check").fetchall())
    return str(integrity), fk


def cli(db: Path, paths: list[Path]) -> list[str]:
    return [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db), "ingest", *map(str, paths)]


def startup_seconds(db: Path, env: dict[str, str]) -> float:
    """How long the CLI takes to start (kills before that hit nothing)."""
    t0 = time.perf_counter()
    subprocess.run([*cli(db, []), "--help"], env=env, capture_output=True, check=True)
    return time.perf_counter() - t0


def run_to_end(db: Path, paths: list[Path], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cli(db, paths), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - t0


@dataclass
class Workload:
    name: str
    paths: list[Path]
    files: int
    reference: dict[str, int] = field(default_factory=dict)
    clean_s: float = 0.0
    startup_s: float = 0.0
    trials: int = 0
    kills: int = 0
    missed: int = 0  # the run had finished before the kill
    state_at_kill: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    recover_s: list[float] = field(default_factory=list)


def killed_run(db: Path, wl: Workload, env: dict[str, str], rng: random.Random) -> bool:
    """Start the ingest, SIGKILL it at a random moment; True if it was still running."""
    proc = subprocess.Popen(cli(db, wl.paths), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(wl.startup_s * 0.5, wl.clean_s * 1.05))
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return alive


def stored_papers(db: Path) -> int:
    try:
        return counts(db)["papers"] if db.exists() else 0
    except sqlite3.DatabaseError:
        return -1


def trial(tmp: Path, wl: Workload, env: dict[str, str], rng: random.Random, kills: int) -> None:
    db = tmp / f"{wl.name}-{wl.trials}.db"
    wl.trials += 1
    for _ in range(kills):
        if killed_run(db, wl, env, rng):
            wl.kills += 1
            n = stored_papers(db)
            ref = wl.reference["papers"]
            wl.state_at_kill["unreadable" if n < 0 else "empty" if n == 0 else "complete" if n == ref else "partial"] += 1
        else:
            wl.missed += 1
    wl.recover_s.append(run_to_end(db, wl.paths, env))
    got = counts(db)
    integrity, fk = checks(db)
    if got != wl.reference or integrity != "ok" or fk:
        wl.failures.append(f"{db.name}: integrity {integrity!r}, {fk} foreign-key violations, counts {got} != {wl.reference}")
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def report(workloads: list[Workload], args: argparse.Namespace, wall: float, load: tuple[float, float, float]) -> list[str]:
    lines = [
        "# kill -9 campaign over ingest (benchmarks/crash.py)",
        "",
        "Command: `PYTHONPATH=src python benchmarks/crash.py " + " ".join(sys.argv[1:]) + "`",
        "",
        f"seed {args.seed}, {args.kills_per_trial} kill(s) per trial then a run to the end; "
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs; load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"campaign wall time {wall / 60:.1f} min",
        "",
        "| workload | files | clean run s | trials | kills (hit a live process) | kills after it had ended | "
        "state at kill: empty / partial / complete | integrity ok | counts equal to clean run | failures |",
        "|" + "---|" * 10,
    ]
    for wl in workloads:
        s = wl.state_at_kill
        ok = wl.trials - len(wl.failures)
        lines.append(
            f"| {wl.name} | {wl.files} | {wl.clean_s:.1f} "
            f"| {wl.trials} | {wl.kills} | {wl.missed} | {s['empty']} / {s['partial']} / {s['complete']} "
            f"| {ok}/{wl.trials} | {ok}/{wl.trials} | {len(wl.failures)} |"
        )
    lines += ["", "Reference counts (clean run):", ""]
    lines += ["| workload | " + " | ".join(TABLES) + " |", "|" + "---|" * (len(TABLES) + 1)]
    lines += [f"| {wl.name} | " + " | ".join(str(wl.reference[t]) for t in TABLES) + " |" for wl in workloads]
    for wl in workloads:
        lines += [f"- {wl.name}: {f}" for f in wl.failures[:10]]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=100, help="kills that must hit a live process, over both workloads")
    ap.add_argument("--kills-per-trial", type=int, default=3)
    ap.add_argument("--records", type=int, default=3000, help="records in the synthetic dump")
    ap.add_argument("--dev-profiles", type=int, default=8, help="whois dev profiles added to the examples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    env = {**os.environ, "SCHOLARLENS_MODEL": "hashing"}
    os.environ.setdefault("SCHOLARLENS_CORPUS", str(SHARED / "benchmarks" / "goldstandard" / "papers"))
    sys.path.insert(0, str(HERE))
    import arxiv_snapshot  # the benchmark's generator of realistic dump records

    load = os.getloadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scholarlens-crash-") as name:
        tmp = Path(name)
        dump = tmp / "arxiv.jsonl"
        arxiv_snapshot.generate(args.records, dump, seed=args.seed)
        profiles = tmp / "profiles"
        profiles.mkdir()
        for src in sorted(EXAMPLES.glob("*.txt")) + sorted(DEV.glob("*.txt"), key=lambda p: (p.stat().st_size, p.name))[: args.dev_profiles]:
            (profiles / src.name).write_bytes(src.read_bytes())
        workloads = [Workload("profiles", [profiles], len(list(profiles.iterdir()))), Workload("dump", [dump], 1)]
        startup = startup_seconds(tmp / "empty.db", env)
        for wl in workloads:
            wl.startup_s = startup
            db = tmp / f"{wl.name}-clean.db"
            wl.clean_s = run_to_end(db, wl.paths, env)
            wl.reference = counts(db)
            print(f"{wl.name}: clean run {wl.clean_s:.1f} s, {wl.reference}", flush=True)
        i = 0
        while sum(wl.kills for wl in workloads) < args.kills:
            wl = workloads[i % len(workloads)]
            i += 1
            trial(tmp, wl, env, rng, args.kills_per_trial)
            print(f"  {wl.name} trial {wl.trials}: {wl.kills} kills so far, {len(wl.failures)} failures", flush=True)
    lines = report(workloads, args, time.perf_counter() - t0, load)
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if any(wl.failures for wl in workloads) else 0


if __name__ == "__main__":
    raise SystemExit(main())
