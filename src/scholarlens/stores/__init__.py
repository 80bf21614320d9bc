"""Storage backends behind :class:`~scholarlens.stores.base.Store`."""

from __future__ import annotations

from pathlib import Path

from .. import settings
from .base import Row, Store
from .sqlite import SQLiteStore

DEFAULT_DB = "scholarlens.db"


def open_store(target: str | Path | Store | None = None) -> Store:
    """A store for a path / URL / existing store; ``None`` reads ``SCHOLARLENS_DB``."""
    if isinstance(target, Store):
        return target
    target = str(target) if target is not None else (settings.get("db") or DEFAULT_DB)
    if target.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore  # optional extra

        return PostgresStore(target)
    return SQLiteStore(target)


__all__ = ["DEFAULT_DB", "Row", "SQLiteStore", "Store", "open_store"]
