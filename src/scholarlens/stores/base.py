"""The store interface: a DB-API connection, transactions and numbered migrations.

Pipeline modules write portable SQL (``?`` placeholders, ``RETURNING``, ``ON CONFLICT``) and
call :meth:`Store.query` / :meth:`Store.execute`; a backend only says how to connect and how
its dialect differs. SQLite is the default; a PostgreSQL backend subclasses the same class.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ..errors import StoreError
from .migrations import MIGRATIONS

log = logging.getLogger("scholarlens")
Row = dict[str, Any]


class Store(ABC):
    """Base class of storage backends."""

    #: Name of the backend (``sqlite``, ``postgresql``).
    dialect: str = "sqlite"

    def __init__(self) -> None:
        # Connection and transaction depth are per thread: each thread has its own
        # connection, so its transactions nest only with its own.
        self._local = threading.local()
        #: Set by backends whose threads share one connection (SQLite ``:memory:``).
        self._shared_conn_lock: threading.RLock | None = None

    # -- what a backend provides -------------------------------------------------------
    @abstractmethod
    def _connect(self) -> Any:
        """Open a DB-API connection in autocommit-off mode."""

    def _adapt(self, sql: str) -> str:
        """Rewrite portable SQL for this dialect (placeholders...)."""
        return sql

    # -- primitives ----------------------------------------------------------------------
    @property
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self._adapt(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        cur = self.conn.cursor()
        cur.executemany(self._adapt(sql), [tuple(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = self.execute(sql, params)
        cols = [d[0] for d in cur.description or ()]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def query_in(self, sql: str, values: Sequence[Any], params: Sequence[Any] = (), chunk: int = 500) -> list[Row]:
        """Rows of ``sql`` whose ``{marks}`` is filled with placeholders for ``values``,
        run in chunks (bounded parameter counts); ``params`` come before the values."""
        rows: list[Row] = []
        for i in range(0, len(values), chunk):
            part = list(values[i : i + chunk])
            rows.extend(self.query(sql.format(marks=",".join("?" * len(part))), (*params, *part)))
        return rows

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.execute(sql, params)
        row = cur.fetchone()
        return row[0] if row else None

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All writes inside commit together or not at all (nesting joins the outer one)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth:
            local.depth = depth + 1
            try:
                yield self
            finally:
                local.depth -= 1
            return
        lock = self._shared_conn_lock
        if lock is not None:
            lock.acquire()  # one connection for all threads: one transaction at a time
        local.depth = 1
        try:
            self._begin()
        except BaseException:
            local.depth = 0
            if lock is not None:
                lock.release()
            raise
        try:
            yield self
        except BaseException:
            self._rollback()
            raise
        else:
            self._commit()
        finally:
            local.depth = 0
            if lock is not None:
                lock.release()

    def _begin(self) -> None:
        self.execute("BEGIN")

    def _commit(self) -> None:
        self.conn.commit()

    def _rollback(self) -> None:
        self.conn.rollback()

    # -- bulk writes (dumps) --------------------------------------------------------------
    @contextmanager
    def bulk_load(self) -> Iterator[Store]:
        """Tune the connection for a long run of batched writes (a dump ingest) and restore
        it afterwards. Transactions inside stay as they are (one per batch)."""
        yield self

    def next_id(self, table: str) -> int:
        """The first id above every id ``table`` has used, for rows inserted with explicit ids
        (announce the last one used with :meth:`claim_ids`)."""
        return int(self.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}") or 0) + 1

    def claim_ids(self, table: str, last: int) -> None:  # noqa: B027 - a no-op where ids follow by themselves
        """Ids up to ``last`` were inserted explicitly: generated ids must come after them."""

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- schema --------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending numbered migrations; returns the names applied."""
        with self.transaction():
            self.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        done = {r["id"] for r in self.query("SELECT id FROM _migrations")}
        applied = []
        for number, name, sql in MIGRATIONS:
            if number in done:
                continue
            try:
                with self.transaction():
                    for statement in _statements(sql, self.dialect):
                        self.execute(statement)
                    self.execute(
                        "INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)",
                        (number, name, datetime.now(UTC).isoformat()),
                    )
            except Exception as exc:  # pragma: no cover - depends on the database
                raise StoreError(f"migration {number} ({name}) failed: {exc}") from exc
            log.info("applied migration %s %s", number, name)
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        return int(self.scalar("SELECT COALESCE(MAX(id), 0) FROM _migrations") or 0)


def _statements(sql: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        sql = sql.replace("BLOB", "BYTEA").replace(") WITHOUT ROWID", ")")
    return [s.strip() for s in sql.split(";") if s.strip()]
