"""SQLite store: migrations, WAL, transactions that nest and that are per thread."""

from __future__ import annotations

import threading

import pytest

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
