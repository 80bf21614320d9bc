"""SQLite store: migrations, WAL, transactions that nest and that are per thread."""

from __future__ import annotations

import threading

import pytest

from scholarlens.errors import StoreError
from scholarlens.stores import SQLiteStore
from scholarlens.stores.migrations import MIGRATIONS


def test_migrations_are_recorded_and_not_reapplied(tmp_path):
    path = tmp_path / "a.db"
    store = SQLiteStore(path)
    assert store.schema_version() == max(n for n, _, _ in MIGRATIONS)
    store.close()
    again = SQLiteStore(path)
    assert again.migrate() == []
    assert again.scalar("PRAGMA journal_mode") == "wal"


def test_nested_transaction_joins_the_outer_one(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.execute("INSERT INTO people (name, key, family_key) VALUES ('A B', 'a b', 'b')")
            with store.transaction():
                store.execute("INSERT INTO people (name, key, family_key) VALUES ('C D', 'c d', 'd')")
            raise RuntimeError("boom")
    assert store.scalar("SELECT COUNT(*) FROM people") == 0


@pytest.mark.parametrize("target", ["file", ":memory:"])
def test_concurrent_transactions_from_threads_stay_atomic(tmp_path, target):
    store = SQLiteStore(tmp_path / "a.db" if target == "file" else ":memory:")
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(20):
                with store.transaction():
                    store.execute("INSERT INTO people (name, key, family_key) VALUES (?, ?, ?)", (f"P{i}-{j}", f"p{i} {j}", "x"))
                    with store.transaction():
                        store.execute("INSERT INTO person_aliases (person_id, alias, key, kind) SELECT MAX(id), 'x', 'x', 'name' FROM people")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.scalar("SELECT COUNT(*) FROM people") == 80


def test_a_database_in_a_missing_directory_is_a_one_line_store_error(tmp_path):
    target = tmp_path / "no" / "such" / "kb.db"
    with pytest.raises(StoreError) as err:
        SQLiteStore(target)
    assert "\n" not in str(err.value) and str(target.parent) in str(err.value) and "does not exist" in str(err.value)
    assert not (tmp_path / "no").exists()  # nothing created on the way


def test_a_read_only_database_is_a_one_line_store_error(tmp_path):
    path = tmp_path / "kb.db"
    SQLiteStore(path).close()
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError) as err:
            SQLiteStore(path)
    finally:
        path.chmod(0o644)
    assert "\n" not in str(err.value) and "read-only" in str(err.value) and str(path) in str(err.value)


def test_bulk_load_restores_the_connection_settings(tmp_path):
    store = SQLiteStore(tmp_path / "kb.db")
    before = (store.scalar("PRAGMA cache_size"), store.scalar("PRAGMA wal_autocheckpoint"))
    with store.bulk_load():
        assert store.scalar("PRAGMA cache_size") != before[0]
    assert (store.scalar("PRAGMA cache_size"), store.scalar("PRAGMA wal_autocheckpoint")) == before


def test_next_id_never_reuses_the_id_of_a_deleted_row(tmp_path):
    store = SQLiteStore(tmp_path / "kb.db")
    with store.transaction():
        for _ in range(3):
            store.execute("INSERT INTO papers (n_authors) VALUES (0)")
        store.execute("DELETE FROM papers WHERE id = 3")
    assert store.next_id("papers") == 4
