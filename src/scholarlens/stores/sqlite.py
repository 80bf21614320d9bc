"""SQLite backend (the embedded default): WAL mode, foreign keys on."""

from __future__ import annotations

import sqlite3
import threading
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
        self.migrate()

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
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        return self._open(self.path)

    def _begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")
