"""PostgreSQL backend (optional extra ``scholarlens[postgres]``): the same SQL as SQLite.

Pipeline modules write portable SQL with ``?`` placeholders; here they become ``%s``.
Used when the database is given as ``postgresql://...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import StoreError
from .base import Store

_PLACEHOLDER = re.compile(r"\?")


class PostgresStore(Store):
    """A store in a PostgreSQL database given by a connection URL."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise StoreError("the PostgreSQL backend needs psycopg: pip install 'scholarlens[postgres]'") from exc
        self.url = url
        self.path = url
        self.migrate()

    def _connect(self) -> Any:
        import psycopg

        try:
            # autocommit: Store.transaction() issues BEGIN / COMMIT itself, as with SQLite.
            return psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {self.url!r}: {exc}") from exc

    def _adapt(self, sql: str) -> str:
        # '%' is psycopg's placeholder character: literal ones must be doubled first.
        return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))

    def _begin(self) -> None:
        self.execute("BEGIN")

    def _commit(self) -> None:
        self.execute("COMMIT")

    def _rollback(self) -> None:
        self.execute("ROLLBACK")

    @contextmanager
    def bulk_load(self) -> Iterator[PostgresStore]:
        """Commits without waiting for the WAL flush while bulk-loading: a crash may lose the
        last batches, never half of one (each batch and its checkpoint commit together)."""
        old = self.scalar("SHOW synchronous_commit")
        self.execute("SET synchronous_commit = off")
        try:
            yield self
        finally:
            self.execute("SELECT set_config('synchronous_commit', ?, false)", (str(old),))

    def _sequence(self, table: str) -> str:
        return str(self.scalar("SELECT pg_get_serial_sequence(?, 'id')", (table,)))

    def next_id(self, table: str) -> int:
        """Above the table's ids and its identity sequence."""
        row = self.one(f"SELECT last_value, is_called FROM {self._sequence(table)}")
        used = int(row["last_value"]) if row and row["is_called"] else 0
        return max(used + 1, super().next_id(table))

    def claim_ids(self, table: str, last: int) -> None:
        """Move the identity sequence past explicitly inserted ids."""
        if last >= self.next_id(table) - 1 and last > 0:
            self.execute("SELECT setval(?, ?)", (self._sequence(table), last))
