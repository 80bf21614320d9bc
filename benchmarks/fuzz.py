"""Benchmark: mutation fuzzing of every registered format, seeded from real files.

    python benchmarks/fuzz.py                               # 100,000 inputs per format -> benchmarks/fuzz.md
    python benchmarks/fuzz.py --inputs 2000 --formats bibtex ris
    python benchmarks/fuzz.py --minutes 5                   # stop each format after 5 CPU-minutes

Seeds: the real-file set (tests/data/realworld), the hand-written samples (tests/formats/samples),
the example profiles (examples/profiles) and ScholarLens export lines built from the real files.
Each input is a seed mutated by 1-3 of: byte flips, inserted/deleted bytes, truncation, splices
of two seeds, duplication of a chunk (up to ~100 KB), deep nesting (``[``/``{"a":``/``{``),
hostile tokens (``Infinity``, ``1e999``, ``null``, ``-1``, ``[]``, huge numbers, ``@string``,
``TY  - ``, NUL, BOM, Thai letters, LaTeX), and re-encoding (UTF-16, cp1252). Every input goes
through the bytes → text reader, format detection (``explain``), the forced parser, and the
streaming hook on its first line. Anything raised that is not a ScholarLensError is a
*foreign exception*; it is counted by (type, place) and its smallest input is kept. CPU time
per input is measured; an input over 10 CPU-s is cut and counted as a timeout.
Runs in one process (the machine is shared); ``--resume LOG`` keeps the formats a previous
run's log (its JSON lines on stdout) already finished.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from scholarlens.errors import ScholarLensError  # noqa: E402
from scholarlens.formats import FORMATS, explain, get_format  # noqa: E402
from scholarlens.formats._io import decode_bytes  # noqa: E402

REAL = ROOT / "tests" / "data" / "realworld"
SAMPLES = ROOT / "tests" / "formats" / "samples"
EXAMPLES = ROOT / "examples" / "profiles"
SEED_BYTES = 6_000
TOKENS = [b"Infinity", b"-Infinity", b"NaN", b"1e999", b"null", b"-1", b"[]", b"{}", b'""', b"9" * 40, b"0.5",
          b"true", b'"\\u0000"', b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", "ลฤรฑ".encode(), b"\\\"{o}", b"\\TeX{}",
          b"@string{x = \"y\"}", b" # x # ", b"crossref = {a}", b"TY  - JOUR\n", b"ER  - \n", b"AU  - ,\n",
          b"<i>", b"&amp;", b"{", b"}", b"[", b"]", b"\"", b",", b":", b"\n", b"\r\n", b"%", b"\\", b"$",
          b'"authors": "[[[[', b'"year": 1e308', b'"date-parts": [[99999999999999999999]]', b'{"name": -1}',
          b'"cdate": 1e300', b"Abstract:", b"Doe, Jane\n"]  # fmt: skip


def _trim(data: bytes) -> bytes:
    if len(data) <= SEED_BYTES:
        return data
    cut = data.rfind(b"\n", 0, SEED_BYTES)
    return data[: cut + 1 if cut > 0 else SEED_BYTES]


def _json_seed(path: Path) -> bytes:
    """A large JSON document shrunk to its first records, still valid JSON."""
    data = path.read_bytes()
    if len(data) <= SEED_BYTES or path.suffix not in (".json",):
        return _trim(data)
    try:
        doc = json.loads(data)
    except ValueError:
        return _trim(data)
    for key in ("results", "data", "papers"):
        if isinstance(doc, dict) and isinstance(doc.get(key), list):
            doc[key] = doc[key][:2]
    if isinstance(doc, list):
        doc = doc[:2]
    if isinstance(doc, dict) and all(isinstance(v, dict) for v in doc.values()) and len(doc) > 2:
        doc = dict(list(doc.items())[:2])
    return json.dumps(doc).encode()


def _realworld_format(rel: str) -> str:
    top = rel.split("/", 1)[0]
    if top == "openreview":
        return "openreview-archive" if "/archives/" in rel else "openreview"
    return {"s2orc": "s2-paper", "refused": ""}.get(top, top)


def seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Seed inputs per format name: ``(source name, bytes)``."""
    out: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    for p in sorted(REAL.rglob("*")):
        if p.is_file() and p.suffix != ".md" and not p.name.endswith(".gz"):
            fmt = _realworld_format(str(p.relative_to(REAL)))
            if fmt:
                out[fmt].append((p.name, _json_seed(p)))
    for p in sorted(SAMPLES.iterdir()):
        try:
            fmt = explain(decode_bytes(p.read_bytes(), p.name), p.name).format.name
        except ScholarLensError:
            continue
        out[fmt].append((p.name, _json_seed(p)))
    for p in sorted(EXAMPLES.glob("*.txt")):
        fmt = explain(decode_bytes(p.read_bytes(), p.name), p.name).format.name
        out[fmt].append((p.name, _trim(p.read_bytes())))
    out["scholarlens-jsonl"] = [("export.jsonl", _export_lines())]
    return out


def _export_lines() -> bytes:
    from scholarlens.formats import parse_file

    lines = []
    for i, p in enumerate(parse_file(REAL / "csl-json" / "commonmeta_csl_list.json").papers[:6], 1):
        lines.append(json.dumps({
            "paper_id": i, "title": p.title, "abstract": p.abstract, "authors": [{"name": a.name} for a in p.authors],
            "authors_complete": p.authors_complete, "year": p.year, "month": p.month, "day": p.day, "category": None,
            "venue": p.venue, "has_code": False, "organisations": p.organisations, "identifiers": p.identifiers,
        }))  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        n = len(data)
        if op < 0.2 and n:
            i = rng.randrange(n)
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        elif op < 0.3:
            i = rng.randrange(n + 1)
            data = data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[i:]
        elif op < 0.4 and n:
            i = rng.randrange(n)
            data = data[:i] + data[i + rng.randint(1, 64) :]
        elif op < 0.5 and n:
            data = data[: rng.randrange(n)]
        elif op < 0.6:
            other = rng.choice(pool)
            i, j = rng.randrange(n + 1), rng.randrange(len(other) + 1)
            data = data[:i] + other[j:]
        elif op < 0.68 and n:
            i = rng.randrange(n)
            chunk = data[i : i + rng.randint(1, 2_000)]
            times = rng.choice([2, 5, 20, 100_000 // max(len(chunk), 1)])
            data = data[:i] + chunk * times + data[i:]
        elif op < 0.74:
            opener = rng.choice([b"[", b'{"a":', b"{", b"(", b"{\\x"])
            k = rng.choice([50, 1_000, 20_000])
            i = rng.randrange(n + 1)
            data = data[:i] + opener * k + data[i:]
        elif op < 0.94:
            i = rng.randrange(n + 1)
            data = data[:i] + rng.choice(TOKENS) + data[i:]
        else:
            enc = rng.choice(["utf-16", "utf-16-le", "cp1252"])
            data = data.decode("utf-8", errors="replace").encode(enc, errors="replace")
    return data[:200_000]


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def run_one(fmt_name: str, source: str, data: bytes) -> None:
    """What a user's file goes through: decode, detect, forced parse, streaming hook."""
    fmt = get_format(fmt_name)
    try:
        text = decode_bytes(data, source)
    except ScholarLensError:
        return
    try:
        explain(text, source)
    except ScholarLensError:
        pass
    try:
        fmt.parse(text, source)
    except ScholarLensError:
        pass
    if fmt.stream is not None:
        first = data.split(b"\n", 1)[0]
        try:
            fmt.stream(first, source, 1)
        except ScholarLensError:
            pass


def _place(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "scholarlens" in f.filename]
    f = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__} at {Path(f.filename).name}:{f.lineno}"


def fuzz_format(name: str, pool: list[tuple[str, bytes]], inputs: int, minutes: float, rng: random.Random, found_dir: Path) -> dict:
    raw = [d for _, d in pool]
    foreign: dict[str, tuple[int, bytes, str]] = {}
    slowest: list[tuple[float, int]] = []
    timeouts = 0
    start = time.process_time()
    tried = 0
    signal.signal(signal.SIGPROF, _alarm)
    while tried < inputs and time.process_time() - start < minutes * 60:
        source, seed = rng.choice(pool)
        data = seed if tried < len(pool) else mutate(rng, seed, raw)
        tried += 1
        t0 = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, 10.0)
        try:
            run_one(name, source, data)
        except _Timeout:
            timeouts += 1
        except Exception as exc:  # a foreign exception: what this benchmark looks for
            key = _place(exc)
            if key not in foreign or len(data) < len(foreign[key][1]):
                foreign[key] = (foreign.get(key, (0,))[0] + 1, data, str(exc)[:120])
            else:
                foreign[key] = (foreign[key][0] + 1, foreign[key][1], foreign[key][2])
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        dt = time.process_time() - t0
        slowest.append((dt, len(data)))
        if len(slowest) > 64:
            slowest = sorted(slowest, reverse=True)[:8]
    for i, (_key, (_count, data, _msg)) in enumerate(sorted(foreign.items())):
        (found_dir / f"{name}-{i}.bin").write_bytes(data)
    slowest = sorted(slowest, reverse=True)
    under = [(t, n) for t, n in slowest if n < 100_000]
    return {
        "format": name,
        "seeds": len(pool),
        "inputs": tried,
        "cpu_s": round(time.process_time() - start, 1),
        "foreign": {k: {"count": c, "smallest_bytes": len(d), "message": m} for k, (c, d, m) in sorted(foreign.items())},
        "timeouts": timeouts,
        "slowest": {"seconds": round(slowest[0][0], 3), "bytes": slowest[0][1]} if slowest else None,
        "slowest_under_100kb": {"seconds": round(under[0][0], 3), "bytes": under[0][1]} if under else None,
    }


def write_report(results: list[dict], args: argparse.Namespace, path: Path) -> None:
    lines = [
        "# Fuzzing the format parsers",
        "",
        f"Command: `PYTHONPATH=src python benchmarks/fuzz.py --inputs {args.inputs} --minutes {args.minutes} --seed {args.seed}`"
        f" (one process; machine load at start: {args.load}){args.note}.",
        "",
        "Foreign exception = anything raised that is not a ScholarLensError (target 0). "
        "Slowest = CPU seconds of the slowest input (target: none under 100 KB above 1 s). "
        "CPU = process time for the format. The word lists of the mojibake repair are loaded "
        "once before timing (a one-time ~3 CPU-s per process).",
        "",
        "| format | seeds | inputs | foreign exceptions | timeouts (10 s) | slowest input | slowest under 100 KB | CPU s |",
        "|---|---:|---:|---|---:|---|---|---:|",
    ]
    for r in results:
        foreign = "; ".join(f"{k} ×{v['count']}" for k, v in r["foreign"].items()) or "0"
        slow = r["slowest"] or {}
        under = r["slowest_under_100kb"] or {}
        lines.append(
            f"| {r['format']} | {r['seeds']} | {r['inputs']:,} | {foreign} | {r['timeouts']} | "
            f"{slow.get('seconds', '-')} s ({slow.get('bytes', 0):,} B) | {under.get('seconds', '-')} s ({under.get('bytes', 0):,} B) | {r['cpu_s']} |"
        )
    total = sum(r["inputs"] for r in results)
    lines += ["", f"Total: {total:,} inputs, {sum(len(r['foreign']) for r in results)} distinct foreign exceptions, "
              f"{sum(r['cpu_s'] for r in results):,.0f} CPU-s.", ""]  # fmt: skip
    path.write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=100_000, help="inputs per format")
    ap.add_argument("--minutes", type=float, default=60.0, help="CPU minutes per format at most")
    ap.add_argument("--formats", nargs="*", default=[f.name for f in FORMATS])
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "fuzz.md")
    ap.add_argument("--resume", type=Path, help="a previous run's stdout: its finished formats are kept")
    args = ap.parse_args()
    args.load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    args.note = f"; formats already in {args.resume.name} kept from that run" if args.resume else ""
    from scholarlens.mojibake import repair_thai_mojibake

    repair_thai_mojibake("Mฤ dry")  # load the word lists before timing
    found_dir = ROOT / "benchmarks" / "out" / "fuzz"
    found_dir.mkdir(parents=True, exist_ok=True)
    pools = seeds()
    results = []
    if args.resume and args.resume.exists():
        results = [json.loads(line) for line in args.resume.read_text().splitlines() if line.startswith("{")]
        for r in results:
            print(json.dumps(r), flush=True)
    done = {r["format"] for r in results}
    for name in [n for n in args.formats if n not in done]:
        rng = random.Random(f"{args.seed}:{name}")
        res = fuzz_format(name, pools[name], args.inputs, args.minutes, rng, found_dir)
        results.append(res)
        print(json.dumps(res), flush=True)
        write_report(results, args, args.out)


if __name__ == "__main__":
    main()
