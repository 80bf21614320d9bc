"""SQLite backend (the embedded default): WAL mode, foreign keys on.

A database file must be writable and its directory must exist: a typo in ``--db`` is an
error, not a new empty database somewhere else.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .base import Store


class SQLiteStore(Store):
    """A store in a SQLite file, ``:memory:``, or an existing connection."""

    dialect = "sqlite"

    def __init__(self, path: str | Path | sqlite3.Connection = "scholarlens.db") -> None:
        super().__init__()
        self._given: sqlite3.Connection | None = path if isinstance(path, sqlite3.Connection) else None
        self.path = ":memory:" if self._given is not None else str(path)
        if self.path == ":memory:" and self._given is None:
            # One shared connection, or every thread would see its own empty database.
            self._given = self._open(":memory:")
        if self._given is not None:
            self._shared_conn_lock = threading.RLock()
        else:
            _check_path(Path(self.path))
        try:
            self.migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use SQLite database {self.path!r}: {exc}") from exc

    def _open(self, path: str) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                # Only takes effect on a new file: 16 KiB pages hold several paper rows
                # (~1–3 kB each) instead of one per 4 KiB page with the rest wasted.
                conn.execute("PRAGMA page_size = 16384")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {path!r}: {exc}") from exc
        return conn

    def _connect(self) -> Any:
        if self._given is not None:
            return self._given
        return self._open(self.path)

    def _begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")

    @contextmanager
    def bulk_load(self) -> Iterator[SQLiteStore]:
        """A 256 MiB page cache, and the WAL checkpointed every ~256 MiB rather than at every
        commit (index pages that several batches touch are copied into the database once)."""
        conn = self.conn
        old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        old_ckpt = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA wal_autocheckpoint = 65536")
        try:
            yield self
        finally:
            conn.execute(f"PRAGMA cache_size = {int(old_cache)}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(old_ckpt)}")

    def next_id(self, table: str) -> int:
        """Above the table's ids and its AUTOINCREMENT counter (ids of deleted rows are not reused)."""
        seq = self.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)) or 0
        return int(max(seq, super().next_id(table) - 1)) + 1


def _check_path(path: Path) -> None:
    """One-line errors for a database that cannot be used: a missing directory, a read-only file."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a SQLite database file")
    if not path.parent.is_dir():
        raise StoreError(f"cannot create SQLite database {str(path)!r}: directory {str(path.parent)!r} does not exist")
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise StoreError(f"SQLite database {str(path)!r} is read-only: make it writable (chmod u+w) or use a copy")
    if not path.exists() and not os.access(path.parent, os.W_OK):
        raise StoreError(f"cannot create SQLite database {str(path)!r}: directory {str(path.parent)!r} is not writable")
