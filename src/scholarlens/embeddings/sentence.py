"""The bundled MiniLM (or any local sentence-transformers model) run by torch.

torch and sentence-transformers are imported when the model first encodes, never at import
time or when the encoder is built (its dimension and id come from the model's config files):
the ONNX encoder, the hashing fake and a query answered from cached vectors with the ONNX
query graph do not pay for them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import Encoder, ProgressFn, TokenBudget, bundled_model_path, sorted_batches

log = logging.getLogger("scholarlens")

__all__ = ["SentenceTransformerEncoder", "bundled_model_path"]
#: Modules whose output size is the pooling's input size (no Dense projection after them).
_PLAIN_MODULES = ("Transformer", "Pooling", "Normalize")


def _describe(path: Path) -> tuple[int, int] | None:
    """(dimension, max sequence length) read from a sentence-transformers directory's
    config files without loading it, or None when its modules are not the plain
    Transformer + Pooling (+ Normalize) pipeline whose dimension the pooling config states."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        if not all(str(m.get("type", "")).rsplit(".", 1)[-1] in _PLAIN_MODULES for m in modules):
            return None
        pooling = next(m for m in modules if str(m.get("type", "")).endswith("Pooling"))
        dim = json.loads((path / pooling["path"] / "config.json").read_text())["word_embedding_dimension"]
        seq = json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
        return int(dim), int(seq)
    except (OSError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model from a local directory (no network, CPU by default)."""

    def __init__(
        self,
        path: str | Path | None = None,
        batch_size: int = 64,
        device: str | None = None,
        max_seq_length: int | None = 256,
    ) -> None:
        self.path = Path(path) if path else bundled_model_path()
        if not self.path.is_dir():
            raise ModelError(f"model directory {self.path} does not exist")
        self.batch_size = batch_size
        self._device = device or "cpu"
        self._model: Any = None
        described = _describe(self.path)
        if described is None:  # not a plain Transformer + Pooling model: ask the model itself
            dim, seq = self._load(max_seq_length)
        else:
            dim, seq = described[0], max_seq_length or described[1]
        self.dim, self.max_seq_length = dim, seq
        name = "all-MiniLM-L6-v2" if path is None else self.path.name
        self.model_id = f"st:{name}:{seq}"

    @property
    def model(self) -> Any:
        """The sentence-transformers model, loaded (with torch) on first use: a query answered
        from cached paper vectors and the ONNX query graph never imports torch."""
        if self._model is None:
            self._load(self.max_seq_length)
        return self._model

    def _load(self, max_seq_length: int | None) -> tuple[int, int]:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars are not ours to print
            model = SentenceTransformer(str(self.path), device=self._device, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure is a model error for users
            raise ModelError(f"cannot load sentence-transformers model from {self.path}: {exc}") from exc
        if max_seq_length:
            model.max_seq_length = max_seq_length
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self._model = model
        return int(get_dim() or 0), int(model.max_seq_length or 0)

    def encode_query(self, text: str) -> np.ndarray:
        """One query. For the bundled MiniLM, the same model's fp32 ONNX graph when it is
        already exported (``make onnx``): cosine to torch ≥ 0.9999997 on the benchmark
        queries, ~3× less CPU for a six-word topic, and no torch thread pool to wake (which
        costs tens of ms on a busy machine). Two ONNX threads that sleep, not spin, between
        queries: an abstract in ~35 instead of ~65 ms on a quiet 2-core machine, for the
        same CPU (benchmarks/scale.md). Otherwise torch."""
        fast = self._query_encoder()
        return fast.encode([text]) if fast is not None else self.encode([text])

    def _query_encoder(self) -> Encoder | None:
        if not hasattr(self, "_fast"):
            self._fast: Encoder | None = None
            if self.path == bundled_model_path() and self.max_seq_length:
                from .export import _complete, onnx_dir
                from .onnx import OnnxEncoder

                try:
                    if _complete(onnx_dir(self.path)):
                        budget = TokenBudget(int(self.max_seq_length))
                        threads = min(2, os.cpu_count() or 1)
                        self._fast = OnnxEncoder(
                            "fp32", budget, threads=threads, model_dir=self.path, spinning=False
                        )
                except ModelError as exc:
                    log.info("query encoding stays on torch: %s", exc)
        return self._fast

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        done = 0
        # Sorted by length over the whole input (characters: the proxy sentence-transformers
        # itself sorts by), so a batch pads only to texts of about its own length.
        for idx in sorted_batches([len(t) for t in texts], self.batch_size):
            out[idx] = self.model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return out
