"""Embedding benchmark: papers/s and dev loss of each encoder, cold CLI time, Ray scaling.

    python benchmarks/embed.py speed   [--n 2000] [--rounds 3]   # papers/s, CPU papers/s, cosine
    python benchmarks/embed.py quality [--cache F]                # dev loss on the gold standard
    python benchmarks/embed.py cold    [--repeat 3]               # cold `experts` CLI, importtime
    python benchmarks/embed.py ray     [--n 400]                  # Ray Data on 1 and 2 workers
    python benchmarks/embed.py report                             # embed.md from the JSON parts

Texts: the gold-standard corpus (/work/shared/benchmarks/goldstandard/papers: 1,557 real
papers, ``title. abstract`` as the engine embeds them), topped up to ``--n`` with
recombinations (the title of one paper with the abstract of another: same length
distribution, all distinct). ``--n`` smaller than 1,557 takes a seeded random sample.

Speed: every variant encodes the same texts; rounds are interleaved (round 1: every variant,
round 2: every variant, ...) so load changes hit all of them alike; the median round is
reported, as wall papers/s and papers per CPU-second (``time.process_time``: robust to other
processes on a shared machine). Cosine: mean and minimum against torch fp32 at 256 tokens.
Quality: :func:`goldstandard.run` with each encoder (plain dev loss over d_20_1..10; the
cross-validated ``--cv`` of the ranking work is reported separately). Each part writes
``benchmarks/out/embed-<part>.json``; ``report`` renders ``benchmarks/embed.md``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GOLD = Path("/work/shared/benchmarks/goldstandard")
#: (label, encoder name, how it runs)
VARIANTS = [
    ("torch fp32, 256, chunked then sorted (before)", "minilm@chunked", "torch"),
    ("torch fp32, 256", "minilm", "torch"),
    ("ONNX fp32, 256", "minilm-onnx", "onnx"),
    ("ONNX int8, 256", "minilm-int8", "onnx"),
    ("ONNX int8, 192", "minilm-int8:192", "onnx"),
    ("ONNX int8, 128", "minilm-int8:128", "onnx"),
    ("ONNX int8, 256 head+tail 64", "minilm-int8:256/64", "onnx"),
    ("ONNX int8, 192 head+tail 48", "minilm-int8:192/48", "onnx"),
    ("ONNX fp32, 192", "minilm-onnx:192", "onnx"),
]
QUALITY = [
    "minilm",
    "minilm-onnx",
    "minilm-int8",
    "minilm-int8:192",
    "minilm-int8:128",
    "minilm-int8:256/64",
    "minilm-int8:192/48",
    "minilm-onnx:192",
]


def corpus(n: int, seed: int = 13) -> list[str]:
    """``n`` paper texts: the real gold-standard papers, topped up with recombinations."""
    sys.path.insert(0, str(ROOT / "src"))
    from scholarlens.embeddings import paper_text

    papers = []
    for path in sorted(glob.glob(str(GOLD / "papers" / "*.json"))):
        rec = json.loads(Path(path).read_text())
        papers.append((rec.get("title") or "", rec.get("abstract") or ""))
    texts = [t for t in (paper_text(a, b) for a, b in papers) if t]
    rng = random.Random(seed)
    if n <= len(texts):
        return rng.sample(texts, n)
    with_abstract = [p for p in papers if p[1].strip()]
    seen = set(texts)
    while len(texts) < n:
        (title, _), (_, abstract) = rng.sample(with_abstract, 2)
        text = paper_text(title, abstract)
        if text and text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def _encoder(name: str, threads: int | None = None):  # type: ignore[no-untyped-def]
    from scholarlens.embeddings import SentenceTransformerEncoder, make_encoder

    if threads and not name.startswith("minilm-"):
        import torch

        torch.set_num_threads(threads)
    if name != "minilm@chunked":
        return make_encoder(name, threads=threads)

    class Chunked(SentenceTransformerEncoder):
        """What the encoder did before: 64-text chunks in input order, sorted inside each."""

        def encode(self, texts, progress=None):  # type: ignore[no-untyped-def]
            import numpy as np

            out = np.zeros((len(texts), self.dim), dtype=np.float32)
            for s in range(0, len(texts), 64):
                out[s : s + 64] = self.model.encode(
                    list(texts[s : s + 64]), batch_size=64, normalize_embeddings=True, show_progress_bar=False
                )
            return out

    return Chunked()


def speed(n: int, rounds: int, only: list[str] | None, threads: int | None = None) -> dict:
    import numpy as np

    texts = corpus(n)
    load = os.getloadavg()
    variants = [v for v in VARIANTS if not only or v[1] in only]
    encoders = {name: _encoder(name, threads) for _, name, _ in variants}
    tok = encoders.get("minilm-int8") or next(e for e in encoders.values() if hasattr(e, "tokenizer"))
    lengths = [len(e.ids) for e in tok.tokenizer.encode_batch(texts)]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in encoders}
    vectors: dict[str, np.ndarray] = {}
    for r in range(rounds):
        for label, name, _ in variants:
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[name] = encoders[name].encode(texts)
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
            print(f"round {r + 1} {label}: {times[name][-1][0]:.1f}s wall", file=sys.stderr, flush=True)
        partial = _speed_rows(variants, texts, times, vectors) | {"rounds_done": r + 1}
        part = f"speed-{threads}thread" if threads else "speed"  # as main() names the result
        (OUT / f"embed-{part}.partial.json").write_text(json.dumps(partial, indent=2))
    result = _speed_rows(variants, texts, times, vectors)
    result.update(
        rounds=rounds,
        mean_tokens=round(statistics.mean(lengths), 1),
        over_256=round(sum(x > 256 for x in lengths) / len(lengths), 3),
        load_before=load,
        cpus=os.cpu_count(),
        threads=threads,
    )
    return result


def _speed_rows(variants, texts, times, vectors) -> dict:  # type: ignore[no-untyped-def]
    ref = vectors.get("minilm")
    rows = []
    for label, name, runtime in variants:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        cos = (vectors[name] * ref).sum(axis=1) if ref is not None else None
        rows.append(
            {
                "variant": label,
                "model": name,
                "runtime": runtime,
                "papers_per_s": round(len(texts) / wall, 1),
                "papers_per_cpu_s": round(len(texts) / cpu, 2),
                "walls": [round(t[0], 2) for t in times[name]],
                "cpus": [round(t[1], 2) for t in times[name]],
                "cos_mean": None if cos is None else round(float(cos.mean()), 4),
                "cos_min": None if cos is None else round(float(cos.min()), 4),
            }
        )
    return {"texts": len(texts), "rows": rows}


def quality(models: list[str], cache: str) -> dict:
    sys.path.insert(0, str(HERE))
    import goldstandard

    rows = []
    for model in models:
        out = Path(tempfile.mkdtemp(prefix="embed-gs-"))
        start = time.process_time()
        res = goldstandard.run(GOLD, None, out, "default", cache, model)
        res.update(model=model, cpu_s=round(time.process_time() - start, 1))
        print(json.dumps(res), file=sys.stderr, flush=True)
        rows.append(res)
    return {"cache": cache, "rows": rows, "load_before": os.getloadavg()}


def quality_cv(models: list[str], cache: str, n_boot: int = 2000) -> dict:
    """Each encoder under the default method (`top3`), scored per researcher like the ranking
    benchmark's ``--cv`` (goldstandard_cv): loss with its bootstrap interval over researchers,
    and the paired difference to the first encoder (torch fp32) with its interval. A fixed
    encoder has nothing fitted, so its cross-validated figure is its figure on all researchers;
    the interval is what says whether a difference is real."""
    sys.path.insert(0, str(HERE))
    import goldstandard_cv as gcv

    from scholarlens.embeddings import embed_cached, get_encoder
    from scholarlens.stores import open_store

    datasets, researchers = gcv.load(GOLD)
    boot = gcv.bootstrap_weights(len(researchers), n_boot, 1)
    store = open_store(cache)
    stats, cpu = {}, {}
    try:
        for model in models:
            enc, start = get_encoder(model), time.process_time()
            for ds in datasets:
                pool = embed_cached(store, enc, ds.pool.texts)
                subs = embed_cached(store, enc, ds.sub_texts)
                ds.sims = {"full": subs @ pool.T}
            stats[model] = gcv.candidate_stats(gcv.BASELINE, datasets, researchers)
            cpu[model] = round(time.process_time() - start, 1)
            print(f"{model}: loss {gcv.metric(stats[model])[0]:.4f}", file=sys.stderr, flush=True)
    finally:
        store.close()
    base = stats[models[0]]
    rows = [{"model": m, "cpu_s": cpu[m], **gcv.summarise(stats[m], boot, base)} for m in models]
    return {"cache": cache, "method": gcv.BASELINE.spec, "researchers": len(researchers),
            "bootstrap": n_boot, "rows": rows, "load_before": os.getloadavg()}  # fmt: skip


HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "sklearn", "scipy", "pandas", "pyarrow")
_CLI = (
    "import atexit, sys\n"
    "heavy = sys.argv.pop(1).split(',')\n"
    "atexit.register(lambda: print('HEAVY', ','.join(m for m in heavy if m in sys.modules), file=sys.stderr))\n"
    "from scholarlens.cli import main\n"
    "main()\n"
)


def cold(repeat: int, model: str) -> dict:
    """A fresh ``scholarlens experts`` process over the example KB (paper vectors cached)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SCHOLARLENS_MODEL": model}
    db = Path(tempfile.mkdtemp(prefix="embed-cold-")) / "kb.db"
    cli = [sys.executable, "-c", _CLI, ",".join(HEAVY), "--db", str(db)]
    subprocess.run([*cli, "ingest", str(ROOT / "examples" / "profiles")], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "experts", "warm the cache"], env=env, check=True, capture_output=True)
    runs, heavy = [], ""
    for _ in range(repeat):
        wall = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", *cli, "experts", "reinforcement learning for robot control"],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - wall
        user = float(re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr).group(1))
        system = float(re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr).group(1))
        heavy = re.search(r"^HEAVY (.*)$", proc.stderr, re.M).group(1)
        runs.append({"wall_s": round(wall, 2), "cpu_s": round(user + system, 2), "rc": proc.returncode})
    return {
        "model": model,
        "runs": runs,
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "heavy_modules_loaded": heavy.split(",") if heavy else [],
        "load_before": os.getloadavg(),
    }


def ray_scaling(n: int, model: str) -> dict:
    """Embed ``n`` texts into a fresh store with 1, then 2 local Ray workers."""
    sys.path.insert(0, str(ROOT / "src"))
    from scholarlens.distributed import embed_store_with_ray
    from scholarlens.stores import open_store

    texts = corpus(n)
    rows = []
    for workers in (1, 2):
        db = Path(tempfile.mkdtemp(prefix="embed-ray-")) / "kb.db"
        store = open_store(db)
        with store.transaction():
            store.executemany("INSERT INTO papers (title, abstract) VALUES (?, ?)", [(t, None) for t in texts])
        store.close()
        cpu0 = _children_cpu()
        report = embed_store_with_ray(str(db), model, "local", workers=workers)
        rows.append(
            {
                "workers": workers,
                "seconds": round(report.seconds, 1),
                "papers_per_s": round(report.embedded / report.seconds, 1),
                "embedded": report.embedded,
                "cpu_s_children": round(_children_cpu() - cpu0, 1),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    eff = rows[1]["papers_per_s"] / (2 * rows[0]["papers_per_s"])
    return {"texts": n, "model": model, "rows": rows, "efficiency_2_workers": round(eff, 2), "load_before": os.getloadavg()}


def _children_cpu() -> float:
    """CPU seconds of every process on the machine owned by Ray's workers is not visible
    from here; report this process tree's (driver + reaped children) as a lower bound."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


READING = """## Reading (written with the figures above, 2026-12-07)

Machine: 2-core AMD EPYC (AVX2, no VNNI), shared: load average 2-6 during these runs (other
agents' work), so compare variants by **papers per CPU-second** (same texts, interleaved
rounds, one thread each). Every figure above is from export v2 (below).

* **Export v2.** v1 exported the graph with torch's dynamo exporter, which ONNX Runtime's BERT
  optimiser cannot fuse: ONNX fp32 ran at 0.75-0.83x torch (2026-11-23 figures). v2 exports
  the eager-attention model with the TorchScript exporter and applies ONNX Runtime's
  transformer fusions (1 EmbedLayerNormalization, 6 Attention, 12 SkipLayerNormalization,
  6 BiasGelu), and quantises int8 from the fused graph. In a side-by-side run of both graphs
  (a one-off script, not kept; 150 texts, 3 rounds, 1 thread, process time) v2 int8 was 1.96x torch at 256 tokens (v1: 1.70x) and 2.34x at 192
  (v1: 2.19x), fp32 1.23x (cosine to torch 1.0000).
* **Target >= 2x torch papers/s at dev loss within +0.005: met by `minilm-int8:192`**: 2.30x
  papers per CPU-second, loss +0.0033 against torch on the default method (`top3`), paired
  95 % interval -0.008...+0.017 over researchers. `minilm-int8` (256) is 1.86x but +0.011;
  `minilm-int8:128` is 3.4x at -0.006 (interval -0.033...+0.020): shorter inputs are not
  worse here, but the intervals are wide (29 researchers) and int8 adds batch-dependent noise,
  so the default stays torch fp32 (the calibration is fitted to its vectors); 192 is the
  budget to choose for speed.
* **Cold CLI: <= 3 s met with the default encoder.** A fresh `experts` over a built knowledge
  base: `minilm` 1.95 s wall / 1.9 CPU-s (was 10.2 s: the encoder now loads torch only when it
  embeds papers, and queries take the exported fp32 graph, cosine to torch >= 0.99999),
  `minilm-int8:192` 1.36 s; neither imports torch, transformers or pandas.
* **Ray: efficiency 0.56, not 0.8** (2,000 texts, `minilm-int8:192`, 1 then 2 local workers
  started by `ray.init`, start-up and one encoder load per actor inside the timing). Two
  workers on a 2-core machine share it with the driver (which writes the vectors), Ray's own
  processes and other agents' work; the cores do not allow the second worker a core of its own,
  so this measures contention, not scaling on real nodes (400 texts: 0.48, start-up dominated).
"""


def _load(name: str) -> dict | None:
    for suffix in ("", ".partial"):
        path = OUT / f"embed-{name}{suffix}.json"
        if path.exists():
            return json.loads(path.read_text())
    return None


def report(out: Path) -> str:
    """``embed.md``: the measured tables, from the JSON each part wrote."""
    lines = ["# Embedding benchmark (`benchmarks/embed.py`)", "", __doc__.split("\n\n", 2)[2].strip(), ""]
    qu, co, ra = (_load(n) for n in ("quality", "cold", "ray"))
    for sp in (_load("speed"), _load("speed-1thread")):
        if sp:
            lines += _speed_table(sp)
    lines += _quality_cv_table(_load("quality-cv"))
    lines += _rest(qu, co, ra)
    return "\n".join(lines) + "\n"


def _speed_table(sp: dict) -> list[str]:
    lines: list[str] = []
    if sp:
        ref = next((r for r in sp["rows"] if r["model"] == "minilm"), None)
        lines += [
            f"## Speed: {sp['texts']} texts, {sp.get('rounds', sp.get('rounds_done'))} interleaved rounds (median), "
            f"{sp.get('threads') or 'all'} thread(s) per encoder",
            "",
            f"`{sp.get('command', '')}` — {sp.get('date', '')}; load average before: "
            f"{', '.join(f'{x:.1f}' for x in sp.get('load_before', []))} on {sp.get('cpus', '?')} CPUs; "
            f"mean {sp.get('mean_tokens', '?')} tokens per text, {sp.get('over_256', 0):.0%} over 256.",
            "",
            "| variant | papers/s (wall) | papers per CPU-s | × torch fp32 (CPU) | cosine to torch fp32 (mean / min) | wall s per round | CPU s per round |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in sp["rows"]:
            x = r["papers_per_cpu_s"] / ref["papers_per_cpu_s"] if ref else float("nan")
            cos = "—" if r["cos_mean"] is None else f"{r['cos_mean']:.4f} / {r['cos_min']:.4f}"
            lines.append(
                f"| {r['variant']} | {r['papers_per_s']} | {r['papers_per_cpu_s']} | {x:.2f} | {cos} | "
                f"{', '.join(map(str, r['walls']))} | {', '.join(map(str, r['cpus']))} |"
            )
        lines.append("")
    return lines


def _quality_cv_table(qc: dict | None) -> list[str]:
    if not qc:
        return []
    lines = [
        f"## Quality by researcher: `{qc['method']}` under each encoder, {qc['researchers']} researchers, "
        f"95 % intervals from {qc['bootstrap']} bootstrap resamples of researchers",
        "",
        f"`{qc.get('command', '')}` — {qc.get('date', '')}",
        "",
        "| encoder | loss | 95 % interval | easy | hard | Δ loss vs torch fp32 | Δ 95 % interval | CPU s (embed + score) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in qc["rows"]:
        lines.append(
            f"| `{r['model']}` | {r['loss']:.4f} | {r['lo']:.3f}–{r['hi']:.3f} | {r['easy']:.3f} | {r['hard']:.3f} | "
            f"{r['diff']:+.4f} | {r['dlo']:+.4f} … {r['dhi']:+.4f} | {r['cpu_s']} |"
        )
    return [*lines, ""]


def _rest(qu: dict | None, co: dict | None, ra: dict | None) -> list[str]:
    lines: list[str] = []
    if qu:
        base = next((r["loss"] for r in qu["rows"] if r["model"] == "minilm"), None)
        lines += [
            "## Quality: gold-standard dev loss (default method, d_20_1..10, lower is better)",
            "",
            f"`{qu.get('command', '')}` — {qu.get('date', '')}",
            "",
            "| encoder | loss | Δ vs torch fp32/256 | easy | hard |",
            "|---|---|---|---|---|",
        ]
        for r in qu["rows"]:
            d = "" if base is None else f"{r['loss'] - base:+.4f}"
            lines.append(f"| `{r['model']}` | {r['loss']:.4f} | {d} | {r['easy']:.3f} | {r['hard']:.3f} |")
        lines.append("")
    if co:
        lines += ["## Cold `scholarlens experts` (a fresh process, 53-paper example KB, cached paper vectors)", ""]
        lines += ["| encoder | wall s (median) | CPU s (median) | heavy modules loaded |", "|---|---|---|---|"]
        for model, r in co["by_model"].items():
            lines.append(f"| `{model}` | {r['median_wall_s']} | {r['median_cpu_s']} | {', '.join(r['heavy_modules_loaded'])} |")
        lines.append("")
    if ra:
        lines += [
            f"## Ray Data, local cluster: {ra['texts']} texts, `{ra['model']}`",
            "",
            f"`{ra.get('command', '')}` — {ra.get('date', '')}; load average before: "
            f"{', '.join(f'{x:.1f}' for x in ra.get('load_before', []))}",
            "",
            "| workers | seconds | papers/s |",
            "|---|---|---|",
        ]
        lines += [f"| {r['workers']} | {r['seconds']} | {r['papers_per_s']} |" for r in ra["rows"]]
        lines += ["", f"Efficiency of the second worker: {ra['efficiency_2_workers']}", ""]
    return lines + [READING]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=["speed", "quality", "quality-cv", "cold", "ray", "report"])
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None, help="encoder names to run (default: all)")
    ap.add_argument("--model", default="minilm-int8")
    ap.add_argument("--threads", type=int, default=None, help="speed: threads per encoder (default: all cores)")
    ap.add_argument("--cache", default=str(OUT / "embed-gs-cache.db"))
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    if a.part == "report":
        (HERE / "embed.md").write_text(report(OUT))
        return
    if a.part == "speed":
        result = speed(a.n or 2000, a.rounds, a.only, a.threads)
    elif a.part == "quality":
        result = quality(a.only or QUALITY, a.cache)
    elif a.part == "quality-cv":
        result = quality_cv(a.only or QUALITY, a.cache)
    elif a.part == "cold":
        result = cold(a.repeat, a.model)
        result = {"by_model": {a.model: result}}
        old = OUT / "embed-cold.json"
        if old.exists():
            result["by_model"] = {**json.loads(old.read_text()).get("by_model", {}), **result["by_model"]}
    else:
        result = ray_scaling(a.n or 400, a.model)
    result["command"] = " ".join(["python", "benchmarks/embed.py", *sys.argv[1:]])
    result["date"] = time.strftime("%Y-%m-%d %H:%M")
    part = f"{a.part}-{a.threads}thread" if a.part == "speed" and a.threads else a.part
    (OUT / f"embed-{part}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
