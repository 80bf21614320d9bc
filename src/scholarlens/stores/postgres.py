"""PostgreSQL backend (optional extra ``scholarlens[postgres]``): the same SQL as SQLite.

Pipeline modules write portable SQL with ``?`` placeholders; here they become ``%s``.
Used when the database is given as ``postgresql://...``.
"""

from __future__ import annotations

import re
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
