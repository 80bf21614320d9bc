"""The options of an ingest (the CLI's ``--limit --since --category --skip-bad``...) and the reject file."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import ParseError
from ..records import ParsedPaper
from ..text import content_hash

#: Records per transaction of a dump.
BATCH_SIZE = 10_000
#: Lines per task sent to a parser process.
CHUNK_LINES = 2_000


@dataclass
class IngestOptions:
    """Filters and behaviour of an ingest; the same for profile files and dumps."""

    limit: int | None = None
    """Store at most this many records from a file in this run (a dump continues in a later run)."""
    since: int | None = None
    """Keep records whose year is at least this."""
    categories: tuple[str, ...] = ()
    """Keep records with a category matching one of these globs (``cs.*``)."""
    skip_bad: bool = False
    """Skip bad records (written to the reject file) instead of failing the file."""
    resume: bool = True
    """Continue an interrupted ingest of the same dump; ``False`` discards it and starts over."""
    batch_size: int = BATCH_SIZE
    """Records per transaction of a dump."""
    workers: int | None = None
    """Parser processes for a dump; ``None``: a few for big files, none for small ones."""
    chunk_lines: int = CHUNK_LINES
    """Lines a parser process takes at a time."""
    before_batch: Callable[[int], None] | None = None
    """Fault hook: called with the batch number (1, 2, ...) inside each batch's transaction,
    before the batch is written; whatever it raises rolls the batch back (tests use it to
    kill a run mid-batch)."""

    def signature(self) -> str:
        """What makes two ingests of the same bytes different profiles (the filters)."""
        parts = []
        if self.since is not None:
            parts.append(f"since={self.since}")
        if self.categories:
            parts.append("category=" + ",".join(sorted(self.categories)))
        return ";".join(parts)

    def digest(self, file_digest: str, *, with_limit: bool = False) -> str:
        """The profile's sha256: the file's, unless filters (or, for a profile file, a limit) apply."""
        sig = self.signature()
        if with_limit and (sig or self.limit is not None):
            return content_hash(file_digest, sig, str(self.limit))
        return content_hash(file_digest, sig) if sig else file_digest

    def keep(self, paper: ParsedPaper) -> bool:
        if self.since is not None and (paper.year is None or paper.year < self.since):
            return False
        if self.categories:
            cats = paper.extra.get("categories") or ([paper.category] if paper.category else [])
            return any(fnmatch.fnmatchcase(c, pat) for c in cats for pat in self.categories)
        return True


def parse_categories(category: str | Any | None) -> tuple[str, ...]:
    """Category globs from a comma-separated string or a list of them."""
    if not category:
        return ()
    items = [category] if isinstance(category, str) else list(category)
    return tuple(c.strip() for item in items for c in item.split(",") if c.strip())


class Rejects:
    """Bad records with their reasons, as JSON lines (``--reject-file``)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._fh: IO[bytes] | None = None
        self.count = 0

    def add(self, error: ParseError | str, source: str, line: int | None = None, raw: bytes | str | None = None) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open across files
        detail: dict[str, Any] = error.to_dict() if isinstance(error, ParseError) else {"error": "rejected", "message": str(error)}
        detail["source"] = detail.get("source") or source
        detail["line"] = detail.get("line") or line
        detail["reason"] = str(error)
        if raw is not None:
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
            detail["raw"] = text.rstrip("\n")[:20_000]
        self._fh.write(orjson.dumps(detail) + b"\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
