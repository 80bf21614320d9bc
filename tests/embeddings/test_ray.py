"""Ray Data embedding on a real two-node local cluster started by the test.

``ray start --head`` on a free port plus one worker node (both on this machine, one CPU each,
``--block`` in their own process groups, which the test ends by id), the hashing encoder and
a small store: the vectors land in the store's cache, equal to what the encoder gives
in-process, and a second run resumes (embeds only what is missing).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from scholarlens.embeddings import HashingEncoder, cached_vectors, paper_text, text_hash
from scholarlens.stores import open_store

ray = pytest.importorskip("ray", reason="install scholarlens[ray] for the Ray tests")
from scholarlens.distributed import embed_store_with_ray, missing_texts  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")
PAPERS = [(f"Paper {i} on topic {i % 7}", f"We study problem {i} with method {i % 5}. " * (1 + i % 4)) for i in range(40)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_bin() -> str:
    return str(Path(sys.executable).with_name("ray"))


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [_ray_bin(), "start", "--block", "--num-cpus", "1", "--disable-usage-stats", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster():
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths are limited
    env = {
        **os.environ,
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "RAY_USAGE_STATS_ENABLED": "0",
        "SCHOLARLENS_MODEL": "hashing",
        # A local ray.init() elsewhere on this machine (e.g. `index --ray local`) leaves
        # ~/.ray/auth_token, which turns token auth on for later processes and made this
        # cluster refuse its own `ray status`: the test's cluster and driver run without it.
        "RAY_AUTH_MODE": "disabled",
    }
    saved_mode = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # the in-process driver that connects to it
    address = f"127.0.0.1:{port}"
    head = _start(
        ["--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--include-dashboard=false",
         "--temp-dir", temp, "--object-store-memory", str(100 * 2**20)],
        env,
    )
    procs = [head]
    try:
        _wait_for_nodes(address, 1, head)
        worker = _start(["--address", address, "--node-ip-address", "127.0.0.1", "--object-store-memory", str(100 * 2**20)], env)
        procs.append(worker)
        _wait_for_nodes(address, 2, worker)
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for proc in reversed(procs):
            _stop(proc)
        shutil.rmtree(temp, ignore_errors=True)
        if saved_mode is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved_mode


def _wait_for_nodes(address: str, n: int, proc: subprocess.Popen, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ray start exited with {proc.returncode}")
        out = subprocess.run(
            [_ray_bin(), "status", "--address", address], capture_output=True, text=True, timeout=60
        )
        if out.returncode == 0 and out.stdout.count("node_") >= n:
            return
        time.sleep(5)
    pytest.fail(f"the Ray cluster at {address} did not reach {n} nodes")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    db = tmp_path / "kb.db"
    store = open_store(db)
    with store.transaction():
        store.executemany("INSERT INTO papers (title, abstract) VALUES (?, ?)", PAPERS)
        store.execute("INSERT INTO papers (title, abstract) VALUES (NULL, NULL)")  # nothing to embed
    store.close()
    return str(db)


def test_ray_embeds_missing_texts_and_resumes(cluster, store_url):
    enc = HashingEncoder()
    texts = [paper_text(t, a) for t, a in PAPERS]
    stages: list[tuple[str, int, int | None]] = []
    first = embed_store_with_ray(store_url, "hashing", cluster, lambda s, d, t: stages.append((s, d, t)), batch_size=8)
    assert (first.texts, first.cached, first.embedded, first.workers) == (40, 0, 40, 2)
    assert stages[0] == ("embedding papers", 0, 40) and stages[-1] == ("embedding papers", 40, 40)
    store = open_store(store_url)
    got = cached_vectors(store, enc.model_id, enc.dim, [text_hash(t) for t in texts])
    want = enc.encode(texts)
    np.testing.assert_allclose(np.stack([got[text_hash(t)] for t in texts]), want, atol=1e-6)

    # A run that stopped part way: a third of the vectors are gone; the next run embeds those only.
    lost = [text_hash(t) for t in texts[::3]]
    with store.transaction():
        store.executemany("DELETE FROM embeddings WHERE text_hash = ?", [(h,) for h in lost])
    assert len(missing_texts(store, enc)[0]) == len(lost)
    again = embed_store_with_ray(store_url, "hashing", cluster, batch_size=8)
    assert (again.cached, again.embedded) == (40 - len(lost), len(lost))
    assert missing_texts(store, enc)[0] == {}
    done = embed_store_with_ray(store_url, "hashing", cluster)
    assert (done.embedded, done.workers) == (0, 0)  # nothing to do: Ray is not even contacted
    store.close()


def test_the_index_command_embeds_on_ray_then_builds(cluster, store_url):
    """`scholarlens index --ray ADDRESS`: the vectors come from the cluster, the index from them."""
    import json

    from typer.testing import CliRunner

    from scholarlens.cli import app

    result = CliRunner().invoke(app, ["--db", store_url, "index", "--ray", cluster, "--model", "hashing", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["ray"]["embedded"] == 40 and status["ray"]["workers"] == 2
    assert status["built"] and status["papers"] >= 40
    store = open_store(store_url)
    assert missing_texts(store, HashingEncoder())[0] == {}
    store.close()


def test_the_affinity_command_embeds_on_ray_then_scores_the_same(cluster, tmp_path):
    """`scholarlens affinity --ray ADDRESS`: the texts are embedded on the cluster into the
    cache, and the scores equal an in-process run's."""
    import csv

    from typer.testing import CliRunner

    from scholarlens.cli import app

    example = Path(__file__).resolve().parents[2] / "examples" / "openreview"
    args = ["affinity", "--archives", str(example / "archives"), "--submissions", str(example / "submissions.json"), "--model", "hashing"]
    cache = tmp_path / "cache.db"
    on_ray = CliRunner().invoke(app, [*args, "--ray", cluster, "--cache", str(cache), "--out", str(tmp_path / "ray.csv")])
    assert on_ray.exit_code == 0, on_ray.output
    here = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "here.csv")])
    assert here.exit_code == 0, here.output
    rows = {name: list(csv.reader((tmp_path / f"{name}.csv").read_text().splitlines())) for name in ("ray", "here")}
    assert rows["ray"] == rows["here"] and len(rows["ray"]) == 6  # 3 submissions × 2 reviewers
    store = open_store(cache)
    n = store.query("SELECT COUNT(*) AS n FROM embeddings WHERE model_id = ?", (HashingEncoder().model_id,))[0]["n"]
    store.close()
    assert n > 0  # the vectors the cluster computed are in the cache


def test_any_texts_embed_on_ray_into_a_cache(cluster, tmp_path):
    from scholarlens.distributed import embed_texts_with_ray

    enc = HashingEncoder()
    texts = [paper_text(t, a) for t, a in PAPERS]
    store = open_store(tmp_path / "cache.db")
    report = embed_texts_with_ray(store, [*texts, *texts[:5]], "hashing", cluster, batch_size=8)
    assert (report.texts, report.cached, report.embedded, report.workers) == (40, 0, 40, 2)
    got = cached_vectors(store, enc.model_id, enc.dim, [text_hash(t) for t in texts])
    np.testing.assert_allclose(np.stack([got[text_hash(t)] for t in texts]), enc.encode(texts), atol=1e-6)
    assert embed_texts_with_ray(store, texts, "hashing", cluster).embedded == 0
    store.close()
