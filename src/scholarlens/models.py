"""Deprecated name of :mod:`scholarlens.records` (kept so older imports keep working)."""

from __future__ import annotations

from .records import ParsedAuthor, ParsedPaper, ParsedProfile

__all__ = ["ParsedAuthor", "ParsedPaper", "ParsedProfile"]
