"""The ONNX encoders: same vectors as torch, no torch on their query path, a safe cache.

The real export runs once into the user cache (shared with real use; keyed by the model's
hash and the exporter version). The cache mechanics (one export under concurrency, no
partial model after a crash, re-export after tampering) are tested with a stand-in exporter
in fresh processes, against a temporary cache directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from scholarlens.embeddings import SentenceTransformerEncoder, get_encoder
from scholarlens.embeddings.export import ensure_onnx

SRC = str(Path(__file__).resolve().parents[2] / "src")
TEXTS = [
    "Graph neural networks for molecular property prediction.",
    "We study biases in peer review and design tests to detect them. " * 30,  # > 256 tokens
    "Reinforcement learning from human feedback aligns language models.",
    "A Bayesian nonparametric model of topic evolution in scientific literature.",
]


@pytest.fixture(scope="module")
def exported() -> Path:
    return ensure_onnx()


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceTransformerEncoder().encode(TEXTS)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra}


@pytest.mark.slow
def test_onnx_fp32_matches_torch(exported, torch_vectors):
    enc = get_encoder("minilm-onnx")
    vectors = enc.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * torch_vectors).sum(axis=1).min() > 0.9999
    assert enc.model_id == "onnx-fp32:all-MiniLM-L6-v2:256"


@pytest.mark.slow
def test_onnx_int8_is_close_to_torch_and_keeps_the_ranking(exported, torch_vectors):
    vectors = get_encoder("minilm-int8").encode(TEXTS)
    assert (vectors * torch_vectors).sum(axis=1).min() > 0.97
    # The nearest other text of each text is the same one as with torch fp32.
    sims, ref = vectors @ vectors.T, torch_vectors @ torch_vectors.T
    np.fill_diagonal(sims, -1)
    np.fill_diagonal(ref, -1)
    assert sims.argmax(axis=1).tolist() == ref.argmax(axis=1).tolist()


@pytest.mark.slow
def test_budgets_change_only_long_texts(exported):
    full = get_encoder("minilm-onnx").encode(TEXTS)
    short = get_encoder("minilm-onnx:64").encode(TEXTS)
    tail = get_encoder("minilm-onnx:64/16").encode(TEXTS)
    for i in (0, 2, 3):  # under 64 tokens: the same vectors under every budget
        np.testing.assert_allclose(full[i], short[i], atol=1e-5)
        np.testing.assert_allclose(full[i], tail[i], atol=1e-5)
    assert float(short[1] @ tail[1]) < 0.9999  # the long one: head-only differs from head+tail
    assert get_encoder("minilm-int8:64/16").model_id == "onnx-int8:all-MiniLM-L6-v2:64/16"


@pytest.mark.slow
def test_int8_vectors_depend_a_little_on_the_batch(exported):
    """Dynamic int8 quantises activations per batch (range over the whole padded tensor), so a
    text's vector moves slightly with its batch-mates: close, never identical to fp32."""
    enc = get_encoder("minilm-int8")
    alone = np.stack([enc.encode([t])[0] for t in TEXTS])
    together = enc.encode(TEXTS)
    cos = (alone * together).sum(axis=1)
    assert cos.min() > 0.98


@pytest.mark.slow
def test_onnx_query_path_imports_no_torch(exported):
    code = textwrap.dedent(
        """
        import sys
        from scholarlens.embeddings import get_encoder
        v = get_encoder(sys.argv[1]).encode(["graph neural networks"])
        assert v.shape == (1, 384), v.shape
        heavy = [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules]
        print("HEAVY", heavy)
        """
    )
    for name in ("minilm-int8", "minilm-onnx"):
        out = subprocess.run(
            [sys.executable, "-c", code, name], env=_env(), capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
        assert "HEAVY []" in out.stdout, out.stdout


_FAKE_EXPORT = """
import sys, time
from pathlib import Path
import scholarlens.embeddings.export as ex

def fake(model_dir, out):
    with open(sys.argv[1], "a") as fh:
        fh.write("export\\n")
    time.sleep(float(sys.argv[2]))
    if sys.argv[3] == "crash":
        (out / "model-fp32.onnx").write_bytes(b"half")
        raise SystemExit(3)
    for v in ex.VARIANTS:
        (out / f"model-{v}.onnx").write_bytes(b"graph-" + v.encode())
    files = {f"model-{v}.onnx": 6 + len(v) for v in ex.VARIANTS}
    (out / "manifest.json").write_text(__import__("json").dumps({"files": files}))

ex.export_onnx = fake
print(ex.ensure_onnx())
"""


def _fake_export(cache: Path, log: Path, sleep: float = 0.0, mode: str = "ok") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _FAKE_EXPORT, str(log), str(sleep), mode],
        env=_env(SCHOLARLENS_CACHE_DIR=str(cache)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_first_use_exports_once(tmp_path):
    log = tmp_path / "exports.log"
    procs = [_fake_export(tmp_path / "cache", log, sleep=1.5) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
    assert log.read_text().count("export") == 1
    dirs = {o[0].strip() for o in outs}
    assert len(dirs) == 1
    final = Path(dirs.pop())
    assert (final / "model-int8.onnx").read_bytes() == b"graph-int8"
    assert not [p for p in final.parent.iterdir() if p.name.startswith(".export-")]


def test_a_crashed_export_leaves_nothing_a_reader_would_use(tmp_path):
    log, cache = tmp_path / "exports.log", tmp_path / "cache"
    crashed = _fake_export(cache, log, mode="crash")
    crashed.communicate(timeout=120)
    assert crashed.returncode == 3
    onnx_root = cache / "onnx"
    assert not [p for p in onnx_root.iterdir() if p.is_dir()]  # no final dir, no temp dir left
    ok = _fake_export(cache, log)
    out, err = ok.communicate(timeout=120)
    assert ok.returncode == 0, err
    assert log.read_text().count("export") == 2
    # Tampering with a cached file (wrong size) makes the next use export again.
    final = Path(out.strip())
    (final / "model-fp32.onnx").write_bytes(b"x")
    again = _fake_export(cache, log)
    again.communicate(timeout=120)
    assert again.returncode == 0
    assert log.read_text().count("export") == 3
    assert json.loads((final / "manifest.json").read_text())["files"]["model-fp32.onnx"] == 10
    assert (final / "model-fp32.onnx").read_bytes() == b"graph-fp32"


@pytest.mark.slow
def test_bundled_minilm_queries_use_the_exported_graph_with_the_same_vectors(exported, torch_vectors):
    enc = SentenceTransformerEncoder()
    assert enc._query_encoder() is not None  # exported: the one-thread ONNX path is taken
    got = np.concatenate([enc.encode_query(t) for t in TEXTS])
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert (got * torch_vectors).sum(axis=1).min() > 0.99999  # incl. a text cut at 256 tokens


def test_other_sentence_models_keep_torch_for_queries(tmp_path):
    from scholarlens.embeddings.sentence import bundled_model_path

    enc = SentenceTransformerEncoder.__new__(SentenceTransformerEncoder)
    enc.path = tmp_path  # not the bundled model: no ONNX graph for it
    assert enc._query_encoder() is None
    assert bundled_model_path() != tmp_path


@pytest.mark.slow
def test_a_query_from_cached_vectors_never_imports_torch(exported, torch_vectors):
    """The default encoder is built from the model's config files; torch loads only when it
    embeds papers (so a cold CLI query over a built knowledge base never pays for it)."""
    code = textwrap.dedent(
        f"""
        import sys, numpy as np
        from scholarlens.embeddings import get_encoder
        enc = get_encoder("minilm")
        assert (enc.dim, enc.model_id) == (384, "st:all-MiniLM-L6-v2:256"), (enc.dim, enc.model_id)
        q = enc.encode_query({TEXTS[0]!r})
        assert "torch" not in sys.modules, "torch imported by a query"
        v = enc.encode([{TEXTS[0]!r}])
        assert "torch" in sys.modules
        print(float((q * v).sum()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip().splitlines()[-1]) > 0.99999


def test_a_folder_that_is_no_model_is_a_model_error_when_built(tmp_path):
    from scholarlens.errors import ModelError

    with pytest.raises(ModelError, match="cannot load"):
        SentenceTransformerEncoder(tmp_path)
