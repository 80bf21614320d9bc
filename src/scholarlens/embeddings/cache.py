"""The embedding cache in the store: vectors keyed by (text hash, model id).

Every front end shares it: a text is embedded once per model, whether by a CLI query, the web
app, ``index`` or a Ray job (:mod:`scholarlens.distributed`), and re-runs embed nothing new.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .base import Encoder, ProgressFn

if TYPE_CHECKING:
    from ..stores import Store

log = logging.getLogger("scholarlens")


def paper_text(title: str | None, abstract: str | None) -> str | None:
    """The text embedded for a paper: ``title. abstract`` (either alone if the other is
    missing), white space collapsed; None when both are empty. The one definition every
    feature embeds (``catalog`` re-exports it), so cached vectors are shared."""
    t = " ".join((title or "").split())
    a = " ".join((abstract or "").split())
    if t and a:
        return f"{t}. {a}"
    return t or a or None


def text_hash(text: str) -> str:
    """Cache key of one text to embed (the exact string the encoder sees)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached_vectors(store: Store, model_id: str, dim: int, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors among ``hashes`` for ``model_id`` (of the expected ``dim``)."""
    found: dict[str, np.ndarray] = {}
    for r in store.query_in(
        "SELECT text_hash, dim, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
        sorted(set(hashes)),
        (model_id,),
    ):
        if r["dim"] == dim:
            found[r["text_hash"]] = np.frombuffer(r["vector"], dtype=np.float32)
    return found


def store_vectors(store: Store, model_id: str, dim: int, vectors: Iterable[tuple[str, np.ndarray]]) -> int:
    """Write ``(text hash, vector)`` pairs in one transaction (existing keys are kept)."""
    rows = [(h, model_id, dim, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors]
    if rows:
        with store.transaction():
            store.executemany(
                "INSERT INTO embeddings (text_hash, model_id, dim, vector) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (text_hash, model_id) DO NOTHING",
                rows,
            )
    return len(rows)


def embed_cached(
    store: Store | None,
    encoder: Encoder,
    texts: Sequence[str],
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """Embed ``texts``, reusing vectors cached in ``store`` under (text hash, model id).

    Only texts never seen with this model are encoded; new vectors are written back in one
    transaction, so a re-run over the same papers embeds nothing. ``store=None`` encodes all.
    """
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if not texts:
        return out
    hashes = [text_hash(t) for t in texts]
    found = cached_vectors(store, encoder.model_id, encoder.dim, hashes) if store is not None else {}
    todo: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in found and h not in todo:
            todo[h] = t
    if todo:
        log.info("embedding %d new texts with %s (%d cached)", len(todo), encoder.model_id, len(found))
        vecs = encoder.encode(list(todo.values()), progress=progress)
        new = dict(zip(todo, vecs, strict=True))
        found.update(new)
        if store is not None:
            store_vectors(store, encoder.model_id, encoder.dim, new.items())
    elif progress:
        progress(len(texts), len(texts))
    for i, h in enumerate(hashes):
        out[i] = found[h]
    return out
