"""The bundled MiniLM (or any local sentence-transformers model) run by torch.

torch and sentence-transformers are imported when an encoder is built, never at import time:
the ONNX encoder and the hashing fake must not pay for them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .base import Encoder, ProgressFn, TokenBudget, bundled_model_path, sorted_batches

log = logging.getLogger("scholarlens")

__all__ = ["SentenceTransformerEncoder", "bundled_model_path"]


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
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars are not ours to print
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

    def encode_query(self, text: str) -> np.ndarray:
        """One query. For the bundled MiniLM, the same model's fp32 ONNX graph on one thread
        when it is already exported (``make onnx``): cosine to torch ≥ 0.9999997 on the
        benchmark queries, ~3× less CPU for a six-word topic, and no torch thread pool to
        wake (which costs tens of ms on a busy machine). Otherwise torch."""
        fast = self._query_encoder()
        return fast.encode([text]) if fast is not None else self.encode([text])

    def _query_encoder(self) -> Encoder | None:
        if not hasattr(self, "_fast"):
            self._fast: Encoder | None = None
            if self.path == bundled_model_path() and self.model.max_seq_length:
                from .export import _complete, onnx_dir
                from .onnx import OnnxEncoder

                try:
                    if _complete(onnx_dir(self.path)):
                        budget = TokenBudget(int(self.model.max_seq_length))
                        self._fast = OnnxEncoder("fp32", budget, threads=1, model_dir=self.path)
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
