"""The bundled MiniLM on ONNX Runtime: fp32 or int8, tokenised by ``tokenizers`` (no torch).

The graph comes from :func:`scholarlens.embeddings.export.ensure_onnx` (exported once, cached).
Texts are tokenised in one parallel ``encode_batch``, cut to the :class:`TokenBudget` (head,
or head+tail), sorted by token length over the whole input and run in batches padded only to
their own longest text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .base import Encoder, ProgressFn, TokenBudget, bundled_model_path, sorted_batches
from .export import VARIANTS, ensure_onnx


class OnnxEncoder(Encoder):
    """all-MiniLM-L6-v2 exported to ONNX, run by ONNX Runtime on the CPU."""

    def __init__(
        self,
        variant: str = "int8",
        budget: TokenBudget | None = None,
        *,
        batch_size: int = 32,
        threads: int | None = None,
        model_dir: Path | None = None,
        spinning: bool = True,
    ) -> None:
        """``spinning=False``: ONNX Runtime's threads sleep between runs instead of spinning
        (for one query at a time: two threads halve an abstract's latency for no more CPU)."""
        if variant not in VARIANTS:
            raise ModelError(f"ONNX variant {variant!r}: expected one of {', '.join(VARIANTS)}")
        self.variant = variant
        self.budget = budget or TokenBudget()
        self.batch_size = batch_size
        name = model_dir.name if model_dir else "all-MiniLM-L6-v2"
        model_dir = model_dir or bundled_model_path()
        graph = ensure_onnx(model_dir) / f"model-{variant}.onnx"
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            if threads:
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
            if not spinning:
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - any load failure is a model error for users
            raise ModelError(f"cannot load the ONNX model {graph}: {exc}") from exc
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.model_id = f"onnx-{variant}:{name}:{self.budget}"

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, cut to the budget (``[CLS] ... [SEP]``)."""
        return [self.budget.cut(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        ids = self.tokenize(texts)
        done = 0
        for idx in sorted_batches([len(i) for i in ids], self.batch_size):
            width = len(ids[idx[0]])  # longest first: the first row sets the padding
            input_ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (vectors,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})
            out[idx] = vectors
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return out
