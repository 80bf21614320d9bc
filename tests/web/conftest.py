"""Web fixtures: a seeded database (examples + a hostile profile), the ASGI app in process.

The hostile profile puts ``<script>`` and ``<img onerror>`` in an owner name, an author name,
a title and an abstract: every page must show them as text.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scholarlens.kb import KnowledgeBase
from scholarlens.web import create_app

from ..conftest import EXAMPLES

os.environ.setdefault("SCHOLARLENS_MODEL", "hashing")

DATA = Path(__file__).parent / "data"
HOSTILE = DATA / "hostile_profile.txt"
TOKEN = "s3cret-test-token"
#: The test client talks to the app as a browser on the loopback server would: ``testserver``
#: (Starlette's default) is not an allowed host outside tests, so it is not used here either.
BASE_URL = "http://127.0.0.1"


def asgi_client(app: object) -> TestClient:
    """A client of the real ASGI app (through httpx) with an allowed Host header."""
    return TestClient(app, base_url=BASE_URL)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _hashing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Web tests test the web layer: the fast deterministic encoder, never the real model."""
    monkeypatch.setenv("SCHOLARLENS_MODEL", "hashing")


@pytest.fixture(scope="session")
def web_seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-seed") / "kb.db"
    with KnowledgeBase(path) as kb:
        report = kb.ingest([EXAMPLES, HOSTILE])
        assert report.ok, report.to_dict()
    return path


@pytest.fixture
def web_db(web_seed_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database (tests may write to it)."""
    copy = tmp_path / "kb.db"
    shutil.copy(web_seed_db, copy)
    return copy


def _client(db: Path, **kwargs: object) -> Iterator[TestClient]:
    app = create_app(db, **kwargs)  # type: ignore[arg-type]
    with asgi_client(app) as client:
        yield client


@pytest.fixture
def client(web_db: Path) -> Iterator[TestClient]:
    """Read-only server (the default)."""
    yield from _client(web_db)


@pytest.fixture
def writer(web_db: Path) -> Iterator[TestClient]:
    """Server started with --allow-writes and no token."""
    yield from _client(web_db, allow_writes=True)


@pytest.fixture
def token_client(web_db: Path) -> Iterator[TestClient]:
    """Server started with SCHOLARLENS_TOKEN set."""
    yield from _client(web_db, token=TOKEN)


@pytest.fixture
def hostile_text() -> str:
    return HOSTILE.read_text(encoding="utf-8")
