#!/usr/bin/env python3
"""Latency of the HTTP API on the example data: p50/p95 of search and whois.

Ingests ``examples/profiles`` into a temporary database, starts the real server
(``scholarlens serve`` in a subprocess, uvicorn on a free loopback port), warms it up (model
load, embedding cache), then times sequential requests from one keep-alive client:

* ``search``  — ``GET /api/experts?q=…`` over a cycle of topic queries;
* ``whois``   — ``POST /api/whois`` with the text of each example profile in turn (after one
  "first sight" pass per profile, reported apart: that one embeds the profile's papers);
* ``search page`` — ``GET /experts?q=…`` (the HTML page: the same call plus rendering).

usage: python benchmarks/web_latency.py [-n 60] [--model minilm|hashing] [--json OUT]
       python benchmarks/web_latency.py --db COPY.db --model hashing-384   # an existing KB

``--db`` serves a knowledge base that is already built (e.g. a copy of the 100k one of
``benchmarks/scale.py``, whose papers are embedded with ``hashing-384``) instead of ingesting
the examples; the server then uses that KB's model, so MiniLM query encoding is not in these
figures (``scale.md`` gives it: ~6 ms for a topic on the ONNX query graph).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "profiles"
QUERIES = [
    "reinforcement learning from human feedback",
    "speech recognition with weak supervision",
    "generative adversarial networks for images",
    "scaling laws for language models",
    "evolution strategies gradient estimation",
    "learned optimizers meta-learning",
    "safety evaluations and red teaming",
    "contrastive image text pre-training",
    "sparse autoencoders interpretability",
    "music generation",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _time(client: httpx.Client, n: int, make) -> dict[str, float]:  # type: ignore[no-untyped-def]
    samples = []
    for i in range(n):
        method, url, kwargs = make(i)
        t0 = time.perf_counter()
        r = client.request(method, url, **kwargs)
        samples.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    return {
        "n": n,
        "p50_ms": round(_pct(samples, 50), 1),
        "p95_ms": round(_pct(samples, 95), 1),
        "mean_ms": round(statistics.fmean(samples), 1),
        "max_ms": round(max(samples), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=60, help="timed requests per endpoint")
    ap.add_argument("--model", default=os.environ.get("SCHOLARLENS_MODEL", "minilm"), help="minilm (real, default) or hashing")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--db", type=Path, help="serve this existing knowledge base instead of ingesting the examples")
    ap.add_argument("--whois-after", type=float, default=0, metavar="S", help="with --db: also time 3 whois requests S seconds after the searches (the server's warm-up has built the overlap index by then)")
    args = ap.parse_args()

    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "kb.db"
        env = {**os.environ, "SCHOLARLENS_MODEL": args.model}
        env.pop("SCHOLARLENS_TOKEN", None)
        cli = [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db)]
        if not args.db:
            subprocess.run([*cli, "ingest", str(EXAMPLES)], env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=300) as client:
                t0 = time.perf_counter()
                while True:
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if server.poll() is not None or time.perf_counter() - t0 > 600:
                        raise SystemExit(f"server did not start: {server.stderr.read().decode() if server.stderr else ''}")
                    time.sleep(0.1)
                startup = time.perf_counter() - t0
                t0 = time.perf_counter()
                # the server embeds stored papers in the background as it starts; a query that
                # comes first may run out of its time budget (503): retry until it is answered
                while client.get("/api/experts", params={"q": "warm up"}).status_code == 503:
                    time.sleep(1)
                warmup = time.perf_counter() - t0
                results = {}
                if not args.db:
                    # First sight of each profile: its papers' embeddings are computed, then cached.
                    results["whois (first sight)"] = _time(client, len(texts), lambda i: ("POST", "/api/whois", {"json": {"text": texts[i]}}))
                results["search"] = _time(client, args.n, lambda i: ("GET", "/api/experts", {"params": {"q": QUERIES[i % len(QUERIES)], "limit": 10}}))
                if not args.db:
                    results["whois"] = _time(client, args.n, lambda i: ("POST", "/api/whois", {"json": {"text": texts[i % len(texts)]}}))
                results["search page"] = _time(client, args.n, lambda i: ("GET", "/experts", {"params": {"q": QUERIES[i % len(QUERIES)]}}))
                if args.db:  # last (its work may go on after a 503): whois of one example profile
                    t1 = time.perf_counter()
                    status = client.post("/api/whois", json={"text": texts[0]}).status_code
                    whois_try = {"status": status, "ms": round((time.perf_counter() - t1) * 1000, 1)}
                    if args.whois_after:
                        time.sleep(args.whois_after)
                        later = []
                        for _ in range(3):
                            t1 = time.perf_counter()
                            status = client.post("/api/whois", json={"text": texts[0]}).status_code
                            later.append({"status": status, "ms": round((time.perf_counter() - t1) * 1000, 1)})
                        whois_try["after_warm_up"] = later
        finally:
            server.terminate()
            server.wait(timeout=10)
    out = {
        "model": args.model,
        "data": str(args.db) if args.db else "examples/profiles (5 profiles)",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "server_start_s": round(startup, 2),
        "warmup_s": round(warmup, 2),
        "endpoints": results,
    }
    if args.db:
        out["whois_one_try"] = whois_try
        print(f"whois of {EXAMPLES.name}/{sorted(EXAMPLES.glob('*.txt'))[0].name}: HTTP {whois_try['status']} after {whois_try['ms']} ms; later: {whois_try.get('after_warm_up')}")
    print(f"model={args.model}  server start {startup:.1f}s  warm-up {warmup:.1f}s  ({args.n} sequential requests each)")
    print(f"{'endpoint':<20} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<20} {r['n']:>4} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['mean_ms']:>8} {r['max_ms']:>8}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
