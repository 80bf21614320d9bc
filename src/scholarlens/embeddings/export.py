"""Export the bundled MiniLM to ONNX once, offline, into a cache shared by every process.

``python -m scholarlens.embeddings.export`` does it ahead of time (``make onnx``); otherwise the
first ONNX encoder built does it (~15 CPU-s on a quiet machine, ~80 s under load). The graph
takes ``input_ids`` and ``attention_mask`` and returns mean-pooled, L2-normalised sentence
vectors, so ONNX Runtime does all the work; torch is needed only here.

The cache lives in ``<cache dir>/onnx/<model name>-<model hash>-v<EXPORT_VERSION>/`` (cache dir:
``SCHOLARLENS_CACHE_DIR``, else the user cache dir, e.g. ``~/.cache/scholarlens``):
``model-fp32.onnx``, ``model-int8.onnx`` (dynamic int8 with per-channel weights: per-tensor
int8 lost too much, cosine 0.88) and ``manifest.json``, written last. Both graphs carry ONNX
Runtime's fused BERT operators (v2; v1's dynamo graph had none and ran slower than torch). A file lock makes
concurrent first uses export once; the export goes to a temporary directory renamed into
place, so a crash never leaves a partial model where a reader would take it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ..errors import ModelError
from .base import bundled_model_path

log = logging.getLogger("scholarlens")

#: Bump when the exported graph or the quantisation changes: old caches are then ignored.
EXPORT_VERSION = 2
VARIANTS = ("fp32", "int8")
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_LOCK_TIMEOUT_S = 1800
_NOISY_LOGGERS = ("torch.onnx", "onnx_ir", "onnxscript", "root")


def cache_root() -> Path:
    """``SCHOLARLENS_CACHE_DIR`` or the platform's user cache directory for scholarlens."""
    from ..settings import get

    configured = get("cache_dir")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("scholarlens"))


def model_hash(model_dir: Path) -> str:
    """Hash of what the graph is made of: the weights and the architecture config (~70 ms)."""
    weights = next((model_dir / n for n in _WEIGHTS if (model_dir / n).is_file()), None)
    config = model_dir / "config.json"
    if weights is None or not config.is_file():
        raise ModelError(f"{model_dir} has no config.json and model.safetensors to export")
    h = hashlib.sha256()
    for path in (config, weights):
        with path.open("rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:16]


def onnx_dir(model_dir: Path | None = None) -> Path:
    """Where the exported graphs of ``model_dir`` (default: the bundled MiniLM) live."""
    model_dir = model_dir or bundled_model_path()
    return cache_root() / "onnx" / f"{model_dir.name}-{model_hash(model_dir)}-v{EXPORT_VERSION}"


def _complete(path: Path) -> bool:
    """The manifest is there and every file has the size it records (manifest written last)."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        return all((path / name).stat().st_size == size for name, size in manifest["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def ensure_onnx(model_dir: Path | None = None) -> Path:
    """The directory holding ``model-fp32.onnx`` and ``model-int8.onnx``, exported if missing."""
    model_dir = model_dir or bundled_model_path()
    final = onnx_dir(model_dir)
    if _complete(final):
        return final
    from filelock import FileLock, Timeout

    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(final) + ".lock", timeout=_LOCK_TIMEOUT_S):
            if _complete(final):  # another process exported it while we waited
                return final
            if final.exists():  # altered after export: redo it
                shutil.rmtree(final)
            tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=final.parent))
            try:
                export_onnx(model_dir, tmp)
                tmp.chmod(0o755)  # mkdtemp made it private; the cache may be shared
                os.replace(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except Timeout as exc:
        raise ModelError(f"waited {_LOCK_TIMEOUT_S} s for another process exporting to {final}") from exc
    except OSError as exc:
        raise ModelError(f"cannot write the ONNX model cache {final}: {exc}") from exc
    return final


def export_onnx(model_dir: Path, out: Path) -> dict[str, object]:
    """Export ``model_dir`` to ``out/model-fp32.onnx`` and quantise ``out/model-int8.onnx``."""
    start = time.perf_counter()
    log.warning("exporting %s to ONNX in %s (once; about a minute)", model_dir, out)
    fp32, int8 = out / "model-fp32.onnx", out / "model-int8.onnx"
    quiet = {name: logging.getLogger(name) for name in _NOISY_LOGGERS}
    levels = {name: lg.level for name, lg in quiet.items()}
    try:
        for lg in quiet.values():
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter and quantiser warn loudly
            versions = _export_fp32(model_dir, fp32)
            _quantize(fp32, int8)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any exporter failure is a model error
        raise ModelError(f"cannot export {model_dir} to ONNX: {type(exc).__name__}: {exc}") from exc
    finally:
        for name, lg in quiet.items():
            lg.setLevel(levels[name])
    manifest = {
        "model_dir": str(model_dir),
        "model_hash": model_hash(model_dir),
        "export_version": EXPORT_VERSION,
        "seconds": round(time.perf_counter() - start, 1),
        **versions,
        "files": {p.name: p.stat().st_size for p in (fp32, int8)},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def _export_fp32(model_dir: Path, path: Path) -> dict[str, str]:
    """The TorchScript exporter over eager attention, then ONNX Runtime's transformer fusions.

    The graph of the dynamo exporter is not recognised by ONNX Runtime's BERT optimiser (no
    fused attention), and ran at 0.75-0.83x torch's speed; the TorchScript graph of the eager
    attention fuses fully (EmbedLayerNormalization, 6 Attention, 12 SkipLayerNormalization,
    6 BiasGelu) and is what both the fp32 and the int8 variants are made from.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import onnx
    import torch
    import transformers
    from onnxruntime.transformers.optimizer import optimize_model

    model = transformers.AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    )
    config = model.config

    class Pooled(torch.nn.Module):
        """Transformer + mean pooling over the mask + L2 normalisation (sentence-transformers)."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    wrapped = Pooled(model).eval()
    ids = torch.randint(1000, 2000, (2, 16))
    raw = path.with_name("raw-" + path.name)
    axes = {0: "batch", 1: "seq"}
    torch.onnx.export(
        wrapped,
        (ids, torch.ones_like(ids)),
        str(raw),
        dynamo=False,
        input_names=["input_ids", "attention_mask"],
        output_names=["sentence_embedding"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes},
        opset_version=17,
    )
    fused = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    stats = fused.get_fused_operator_statistics()
    if not stats.get("Attention"):
        raise ModelError(f"ONNX Runtime did not fuse the attention of {model_dir}: {stats}")
    fused.save_model_to_file(str(path))
    raw.unlink()
    onnx.checker.check_model(str(path))
    return {"torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__}


def _quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The fused operators carry no type information for the quantiser: say it is float.
    quantize_dynamic(
        str(fp32),
        str(int8),
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def main() -> None:
    """``python -m scholarlens.embeddings.export``: export now, print the cache directory."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(ensure_onnx())
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
