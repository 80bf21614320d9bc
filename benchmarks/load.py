#!/usr/bin/env python3
"""A bounded load test of the web server, on loopback only: requests, errors, latency, RSS.

Ingests ``examples/profiles`` into a temporary database, starts the real server
(``scholarlens serve`` on a free 127.0.0.1 port, a subprocess this script owns and stops),
warms it up, then for 1, 4 and 16 concurrent clients sends a fixed number of requests (a
mix of ``GET /api/experts``, ``POST /api/whois`` with an example profile's text,
``GET /api/papers`` and ``GET /api/people/{id}``), each level stopping at ``--cap`` seconds
at the latest. The server's RSS is sampled throughout. Nothing leaves the machine.

usage: python benchmarks/load.py [-n 120] [--clients 1,4,16] [--cap 120] [--rounds 1]
       [--model minilm|hashing] [--out benchmarks/load.md]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from web_latency import EXAMPLES  # noqa: E402 - the sibling script (benchmarks/ is on sys.path)
from web_latency import QUERIES as LATENCY_QUERIES  # noqa: E402

QUERIES = LATENCY_QUERIES[:8]  # the topics the latency benchmark asks, first eight
KINDS = ("experts", "whois", "papers", "person")
Request = tuple[str, str, dict[str, Any]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Level:
    clients: int
    requests: int = 0
    errors: int = 0
    wall_s: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    rss_start: float = 0.0
    rss_end: float = 0.0
    rss_peak: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    def all_ms(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]


class RssSampler(threading.Thread):
    """Samples a process's RSS (MiB) every ``every`` seconds; ``peak`` since the last reset."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak = 0.0
        self._stop = threading.Event()

    def now(self) -> float:
        return float(self.proc.memory_info().rss) / 2**20

    def reset(self) -> None:
        self.peak = self.now()

    def run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.peak = max(self.peak, self.now())
            except psutil.Error:
                return

    def stop(self) -> None:
        self._stop.set()


def make_requests(texts: list[str], person_ids: list[int], papers: int) -> Callable[[int], tuple[str, Request]]:
    """The i-th request of the fixed mix (the same sequence in every level)."""

    def make(i: int) -> tuple[str, Request]:
        kind = KINDS[i % len(KINDS)]
        j = i // len(KINDS)
        if kind == "experts":
            return kind, ("GET", "/api/experts", {"params": {"q": QUERIES[j % len(QUERIES)], "limit": 10}})
        if kind == "whois":
            return kind, ("POST", "/api/whois", {"json": {"text": texts[j % len(texts)]}})
        if kind == "papers":
            return kind, ("GET", "/api/papers", {"params": {"limit": 25, "offset": (j * 25) % max(papers, 1)}})
        return kind, ("GET", f"/api/people/{person_ids[j % len(person_ids)]}", {})

    return make


def run_level(base: str, clients: int, n: int, cap: float, make: Callable[[int], tuple[str, Request]], rss: RssSampler) -> Level:
    level = Level(clients)
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + cap
    rss.reset()
    level.rss_start = rss.now()

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=cap + 30) as client:
            while time.monotonic() < deadline:
                i = next(counter)
                if i >= n:
                    return
                kind, (method, url, kwargs) = make(i)
                t0 = time.perf_counter()
                try:
                    r = client.request(method, url, **kwargs)
                    ok, why = r.status_code == 200, f"{r.status_code} {url}: {r.text[:160]}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{type(exc).__name__} {url}: {exc}"
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    level.requests += 1
                    level.latencies[kind].append(ms)
                    if not ok:
                        level.errors += 1
                        if len(level.error_samples) < 5:
                            level.error_samples.append(why)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    level.wall_s = time.perf_counter() - t0
    level.rss_end = rss.now()
    level.rss_peak = max(rss.peak, level.rss_end)
    return level


def start_server(db: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cli = [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db)]
    server = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while True:
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() - t0 > 120:
            server.kill()
            err = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise SystemExit(f"server did not start: {err}")
        time.sleep(0.1)


def table(levels: list[Level]) -> list[str]:
    head = "| clients | requests | errors | p50 ms | p95 ms | p99 ms | req/s | RSS start MiB | RSS end MiB | RSS peak MiB |"
    rows = [head, "|" + "---|" * 10]
    for lv in levels:
        ms = lv.all_ms()
        rows.append(
            f"| {lv.clients} | {lv.requests} | {lv.errors} | {_pct(ms, 50):.0f} | {_pct(ms, 95):.0f} | {_pct(ms, 99):.0f} "
            f"| {lv.requests / lv.wall_s:.2f} | {lv.rss_start:.0f} | {lv.rss_end:.0f} | {lv.rss_peak:.0f} |"
        )
    return rows


def per_kind(levels: list[Level]) -> list[str]:
    rows = ["| clients | " + " | ".join(f"{k} p50/p95 ms" for k in KINDS) + " |", "|" + "---|" * (len(KINDS) + 1)]
    for lv in levels:
        cells = [f"{_pct(lv.latencies[k], 50):.0f} / {_pct(lv.latencies[k], 95):.0f}" for k in KINDS]
        rows.append(f"| {lv.clients} | " + " | ".join(cells) + " |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=120, help="requests per level (default 120)")
    ap.add_argument("--clients", default="1,4,16", help="concurrent clients per level")
    ap.add_argument("--cap", type=float, default=120, help="seconds a level may take at most")
    ap.add_argument("--rounds", type=int, default=1, help="repeat the levels (RSS over a longer run)")
    ap.add_argument("--model", default=os.environ.get("SCHOLARLENS_MODEL", "minilm"), help="minilm (real, default) or hashing")
    ap.add_argument("--out", type=Path, help="write the tables (markdown) here")
    args = ap.parse_args()
    levels_wanted = [int(c) for c in args.clients.split(",")]
    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
    env = {**os.environ, "SCHOLARLENS_MODEL": args.model}
    env.pop("SCHOLARLENS_TOKEN", None)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="scholarlens-load-") as tmp:
        db = Path(tmp) / "kb.db"
        cli = [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db)]
        subprocess.run([*cli, "ingest", str(EXAMPLES)], env=env, check=True, capture_output=True)
        server, base = start_server(db, env)
        rss = RssSampler(server.pid)
        rss.start()
        try:
            with httpx.Client(base_url=base, timeout=600) as client:
                rss_boot = rss.now()
                t0 = time.perf_counter()
                # The server embeds the stored papers in the background as it starts; a query
                # that comes before that is done may run out of its time budget (503): retry.
                while client.get("/api/experts", params={"q": "warm up"}).status_code == 503:
                    time.sleep(1)
                for text in texts:
                    client.post("/api/whois", json={"text": text}).raise_for_status()
                people = client.get("/api/people", params={"limit": 40}).json()["items"]
                client.get(f"/api/people/{people[0]['id']}").raise_for_status()
                papers = int(client.get("/api/summary").json()["papers"])
                warm_s = time.perf_counter() - t0
            make = make_requests(texts, [p["id"] for p in people], papers)
            levels = []
            for _ in range(args.rounds):
                for c in levels_wanted:
                    lv = run_level(base, c, args.n, args.cap, make, rss)
                    levels.append(lv)
                    ms = lv.all_ms()
                    print(
                        f"{c:>3} clients: {lv.requests} requests, {lv.errors} errors, p50 {_pct(ms, 50):.0f} ms, "
                        f"p95 {_pct(ms, 95):.0f} ms, {lv.requests / lv.wall_s:.2f} req/s, RSS {lv.rss_start:.0f}→{lv.rss_end:.0f} MiB",
                        flush=True,
                    )
                    for e in lv.error_samples:
                        print("   error:", e)
        finally:
            rss.stop()
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    lines = [
        f"model `{args.model}`, examples/profiles ({papers} papers), {args.n} requests per level "
        f"(experts / whois / papers / person in turn), cap {args.cap:g} s per level, {args.rounds} round(s)",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"server RSS after start {rss_boot:.0f} MiB, warm-up {warm_s:.1f} s",
        "",
        *table(levels),
        "",
        *per_kind(levels),
    ]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if any(lv.errors for lv in levels) else 0


if __name__ == "__main__":
    raise SystemExit(main())
