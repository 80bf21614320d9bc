"""Embed on a Ray cluster: a store's papers (``scholarlens index --ray``) or any texts into a
store's cache (``scholarlens affinity --ray``).

The driver (the machine running the command) opens the store, lists the paper texts whose
vectors are not cached for the encoder yet, sorts them by length (so every batch pads little)
and streams them through Ray Data ``map_batches`` on a fixed pool of actors, each loading the
encoder once. Vectors come back to the driver, which writes them to the store's embedding
cache in committed chunks: a run that stops part way keeps what it wrote, and the next run
embeds only what is still missing (resumable by construction, no checkpoint file).

Ray is an optional extra (``scholarlens[ray]``) and is imported only here, only when called.
Workers need the same ScholarLens install (and, for the ONNX encoders, export the graph into
their own cache on first use).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .embeddings import Encoder, cached_vectors, make_encoder, paper_text, store_vectors, text_hash
from .errors import ModelError, ScholarLensError, StoreError
from .stores import Store, open_store

log = logging.getLogger("scholarlens")
Progress = Callable[[str, int, int | None], None]

#: Texts per Ray dataset round: bounds the driver's memory and the work lost to a crash.
ROUND = 20_000
#: Texts per actor call (length-sorted already, so a batch pads to about its own length).
BATCH = 128


class DistributedError(ScholarLensError):
    """Ray is missing, the cluster cannot be reached, or a worker failed."""


@dataclass
class EmbedReport:
    """What one run did: texts considered, already cached, embedded now; workers used."""

    model_id: str
    texts: int
    cached: int
    embedded: int
    workers: int
    seconds: float
    #: Rows written to the pgvector column (PostgreSQL only).
    pgvector_rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _EmbedActor:
    """One per worker slot: builds the encoder once, then embeds batch after batch."""

    def __init__(self, encoder_name: str, threads: int) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        self.encoder = make_encoder(encoder_name, threads=threads)
        if type(self.encoder).__name__ == "SentenceTransformerEncoder":
            import torch

            torch.set_num_threads(threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(t) for t in batch["text"]])
        return {"hash": batch["hash"], "vector": vectors}


def missing_texts(store: Store, encoder: Encoder) -> tuple[dict[str, str], int]:
    """``{text hash: text}`` of the papers' texts not cached for ``encoder``, and how many
    distinct texts there are in all."""
    texts: dict[str, str] = {}
    for r in store.query("SELECT title, abstract FROM papers ORDER BY id"):
        text = paper_text(r["title"], r["abstract"])
        if text is not None:
            texts.setdefault(text_hash(text), text)
    return _uncached(store, encoder, texts), len(texts)


def _uncached(store: Store, encoder: Encoder, texts: dict[str, str]) -> dict[str, str]:
    """The ``{text hash: text}`` among ``texts`` whose vector ``store`` lacks for ``encoder``."""
    cached = cached_vectors(store, encoder.model_id, encoder.dim, list(texts))
    return {h: t for h, t in texts.items() if h not in cached}


def embed_store_with_ray(
    store_url: str | Store,
    encoder_name: str | None = None,
    address: str | None = "auto",
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    threads_per_worker: int = 1,
    round_size: int = ROUND,
    batch_size: int = BATCH,
) -> EmbedReport:
    """Embed the papers of ``store_url`` whose vectors are missing, on Ray.

    ``address``: ``"auto"`` (a running cluster: ``RAY_ADDRESS`` or the local head),
    ``"local"``/``None`` (start a private one on this machine), or ``host:port`` /
    ``ray://host:port``. ``workers`` defaults to the cluster's CPUs / ``threads_per_worker``.
    ``progress("embedding papers", done, total)`` after every written chunk.
    """
    store = open_store(store_url)
    try:
        encoder = make_encoder(encoder_name)  # validates the name; the driver needs model_id/dim
        todo, total = missing_texts(store, encoder)
        plan = (workers, threads_per_worker, round_size, batch_size)
        report = _embed(store, encoder, encoder_name, todo, total, address, plan, progress, "embedding papers")
        _sync_pgvector(store, encoder, report)
        return report
    finally:
        if not isinstance(store_url, Store):
            store.close()


def embed_texts_with_ray(
    store: Store,
    texts: Sequence[str],
    encoder_name: str | None = None,
    address: str | None = "auto",
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    threads_per_worker: int = 1,
    batch_size: int = BATCH,
) -> EmbedReport:
    """Embed on Ray the ``texts`` whose vectors ``store``'s cache lacks (the batch
    ``affinity --ray``: reviewer papers and submissions that are in no knowledge base). The
    vectors land in the cache, where :func:`~scholarlens.embeddings.embed_cached` finds them."""
    encoder = make_encoder(encoder_name)
    distinct = {text_hash(t): t for t in texts}
    todo = _uncached(store, encoder, distinct)
    plan = (workers, threads_per_worker, ROUND, batch_size)
    return _embed(store, encoder, encoder_name, todo, len(distinct), address, plan, progress, "embedding")


def _embed(
    store: Store,
    encoder: Encoder,
    encoder_name: str | None,
    todo: dict[str, str],
    total: int,
    address: str | None,
    plan: tuple[int | None, int, int, int],
    progress: Progress | None,
    stage: str,
) -> EmbedReport:
    start = time.perf_counter()
    log.info("%d texts, %d cached, %d to embed with %s", total, total - len(todo), len(todo), encoder.model_id)
    if progress:
        progress(stage, 0, len(todo))
    done = n_workers = 0
    if todo:
        with warnings.catch_warnings():
            # Ray Data warns about its own deprecated defaults on every DataContext it builds.
            warnings.simplefilter("ignore", DeprecationWarning)
            name = encoder_name or _configured_model()
            done, n_workers = _run(todo, name, address, plan, store, encoder, progress, stage)
    return EmbedReport(encoder.model_id, total, total - len(todo), done, n_workers, time.perf_counter() - start)


def _sync_pgvector(store: Store, encoder: Encoder, report: EmbedReport) -> None:
    """With PostgreSQL, project the cache onto the pgvector column serving dense search."""
    if store.dialect != "postgresql":
        return
    from .embeddings.pgvector import sync_paper_vectors

    try:
        report.pgvector_rows = sync_paper_vectors(store, encoder.model_id, encoder.dim)
    except (StoreError, ImportError) as exc:
        log.warning("vectors cached, but not indexed with pgvector: %s", exc)


def _run(
    todo: dict[str, str],
    name: str,
    address: str | None,
    plan: tuple[int | None, int, int, int],
    store: Store,
    encoder: Encoder,
    progress: Progress | None,
    stage: str = "embedding papers",
) -> tuple[int, int]:
    """Connect, embed ``todo`` round by round, disconnect; (texts embedded, workers).
    ``plan``: (workers or None, threads per worker, texts per round, texts per batch)."""
    workers, threads_per_worker, round_size, batch_size = plan
    ray, started = _connect(address, workers, threads_per_worker)
    try:
        n_workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // threads_per_worker))
        # Longest first over the whole input: every batch holds texts of about one length.
        items = sorted(todo.items(), key=lambda kv: -len(kv[1]))
        done = 0
        for lo in range(0, len(items), round_size):
            part = items[lo : lo + round_size]
            done += _run_round(ray, part, name, n_workers, threads_per_worker, batch_size, store, encoder)
            if progress:
                progress(stage, done, len(todo))
    except ScholarLensError:
        raise
    except Exception as exc:  # noqa: BLE001 - Ray's errors become one clear error for users
        raise DistributedError(f"Ray embedding run failed (re-run to resume): {type(exc).__name__}: {exc}") from exc
    finally:
        if started:
            ray.shutdown()
    return done, n_workers


def _run_round(
    ray: Any,
    part: list[tuple[str, str]],
    encoder_name: str,
    n_workers: int,
    threads: int,
    batch_size: int,
    store: Store,
    encoder: Encoder,
) -> int:
    """One Ray Data pass over ``part``; vectors are written as they stream back."""
    ds = ray.data.from_items([{"hash": h, "text": t} for h, t in part])
    ds = ds.map_batches(
        _EmbedActor,
        fn_constructor_kwargs={"encoder_name": encoder_name, "threads": threads},
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=n_workers),
        num_cpus=threads,
    )
    written = 0
    for batch in ds.iter_batches(batch_size=1000, batch_format="numpy"):
        vectors = np.asarray(batch["vector"], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != encoder.dim:
            raise ModelError(f"workers returned vectors of shape {vectors.shape}, expected (*, {encoder.dim})")
        written += store_vectors(store, encoder.model_id, encoder.dim, zip(batch["hash"].tolist(), vectors, strict=True))
    return written


def _configured_model() -> str:
    from .settings import get

    return get("model") or "minilm"


def _connect(address: str | None, workers: int | None, threads: int) -> tuple[Any, bool]:
    """The ``ray`` module, connected; True when this call connected (so it disconnects)."""
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is a separate import
    except ImportError as exc:
        raise DistributedError("Ray is not installed: pip install 'scholarlens[ray]'") from exc
    if ray.is_initialized():
        return ray, False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address in (None, "", "local"):
            ray.init(num_cpus=(workers * threads) if workers else None, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except Exception as exc:  # noqa: BLE001 - connection failures are user-facing
        raise DistributedError(f"cannot connect to the Ray cluster at {address!r}: {exc}") from exc
    ray.data.DataContext.get_current().enable_progress_bars = False
    return ray, True
