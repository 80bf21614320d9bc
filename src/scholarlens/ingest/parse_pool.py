"""Parsing dump lines into records ready for the database, in worker processes for big files.

A chunk of lines becomes :class:`Prepared` records (keys, the paper row, the authors with
their keys, the compact JSON of the record) or ``(line, offset, error, raw)`` for bad lines.
:class:`ChunkStream` yields the chunks in file order, parsed in-process or by a pool of
``forkserver`` processes with a bounded number of chunks in flight.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ..errors import ParseError
from ..formats import Format, get_format
from ..formats._lines import iter_lines
from ..papers import RecordKeys, canonical_record, record_keys
from ..people import AuthorKeys
from ..records import ParsedAuthor, ParsedPaper
from ..text import content_hash
from .options import IngestOptions

#: Files above this size (and every gzip file) are parsed by worker processes.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
#: Seconds a worker may take over one chunk before the ingest gives up (a crashed worker).
WORKER_TIMEOUT = 600

Line = tuple[int, int, bytes]
"""``(line number, byte offset just past the line, raw bytes)``."""
Bad = tuple[int, int, ParseError, bytes]


class Prepared(NamedTuple):
    """A parsed record made ready for the database."""

    line: int
    record: str
    """The :class:`ParsedPaper` as compact JSON (``paper_sources.record``)."""
    keys: RecordKeys
    row: tuple[Any, ...]
    """``papers`` columns from title to content_hash, were this record a paper's only source."""
    organisations: tuple[str, ...]
    authors: tuple[AuthorKeys, ...]
    offset: int = 0
    """Byte offset just past the record's line (where a resumed run seeks to)."""


def _defaults(cls: Any) -> dict[str, Any]:
    return {f.name: f.default if f.default is not MISSING else f.default_factory() for f in fields(cls) if f.name != "name"}  # type: ignore[misc,operator]


_PAPER_DEFAULTS = _defaults(ParsedPaper)
_AUTHOR_DEFAULTS = _defaults(ParsedAuthor)


def compact_record(paper: ParsedPaper) -> dict[str, Any]:
    """The record as a dict without fields at their defaults (``ParsedPaper.from_dict`` restores them)."""
    out = {k: v for k, v in paper.__dict__.items() if k != "authors" and v != _PAPER_DEFAULTS[k]}
    if paper.authors:
        out["authors"] = [
            {"name": a.name, **{k: v for k, v in a.__dict__.items() if k != "name" and v != _AUTHOR_DEFAULTS[k]}}
            for a in paper.authors
        ]
    return out


def prepare(paper: ParsedPaper) -> Prepared:
    c = canonical_record([paper])
    row = (c.title, c.abstract, c.year, c.month, c.day, c.category, int(c.has_code), c.venue, len(c.authors),
           int(c.authors_complete), content_hash(c.title, c.abstract))  # fmt: skip
    record = orjson.dumps(compact_record(paper)).decode()
    authors = tuple(AuthorKeys.of(a) for a in c.authors)
    return Prepared(paper.line or 0, record, record_keys(paper), row, tuple(c.organisations), authors)


def default_workers() -> int:
    """Parser processes beside the writer: one per core, at most 3 (then the writer is the limit).

    Parsing costs more CPU per record than writing, so on two cores two parsers share the
    cores with the writer."""
    return max(1, min(3, os.cpu_count() or 2))


def parse_chunk(fmt_name: str, source: str, since: int | None, categories: tuple[str, ...], chunk: list[Line]) -> list[Any]:
    """Parse lines into :class:`Prepared` records, or ``(line, offset, (message, detail), raw)`` for bad ones."""
    fmt = get_format(fmt_name)
    assert fmt.stream is not None
    keep = IngestOptions(since=since, categories=categories).keep
    out: list[Any] = []
    for line, offset, raw in chunk:
        if not raw.strip():
            continue
        try:
            paper = fmt.stream(raw, source, line)
        except ParseError as exc:
            if exc.line is None:
                exc.line = line
            out.append((line, offset, (exc.message, exc.to_dict()), raw))
            continue
        if paper is None or not keep(paper):
            continue
        paper.line = line
        out.append(prepare(paper)._replace(offset=offset))
    return out


def _error_from(entry: tuple[int, int, tuple[str, dict[str, Any]], bytes]) -> Bad:
    line, offset, (message, d), raw = entry
    err = ParseError(message, source=d.get("source"), format=d.get("format"), line=d.get("line"),
                     record=d.get("record"), expected=d.get("expected"))  # fmt: skip
    return line, offset, err, raw


def _fix(entries: list[Any]) -> list[Prepared | Bad]:
    return [e if isinstance(e, Prepared) else _error_from(e) for e in entries]


class ChunkStream:
    """``(end_line, end_offset, entries)`` per chunk of lines, in file order; parsed in-process
    (``workers == 0``) or by a pool. Close it to stop the pool and the reader."""

    def __init__(self, path: Path, fmt: Format, options: IngestOptions, start_line: int, start_offset: int, workers: int) -> None:
        self.args = (fmt.name, str(path), options.since, options.categories)
        self.lines = iter_lines(path, start_line, start_offset)
        self.chunk_lines = max(1, options.chunk_lines)
        self.workers = workers
        self.pool: Any = None

    def _chunks(self) -> Iterator[list[Line]]:
        chunk: list[Line] = []
        try:
            for item in self.lines:
                chunk.append(item)
                if len(chunk) >= self.chunk_lines:
                    yield chunk
                    chunk = []
        except ParseError:  # a truncated gzip: hand on the lines read before it, then the error
            if chunk:
                yield chunk
            raise
        if chunk:
            yield chunk

    def __iter__(self) -> Iterator[tuple[int, int, list[Prepared | Bad]]]:
        if self.workers <= 0:
            for chunk in self._chunks():
                yield chunk[-1][0], chunk[-1][1], _fix(parse_chunk(*self.args, chunk))
            return
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        self.pool = ctx.Pool(self.workers)
        pending: deque[tuple[int, int, Any]] = deque()
        depth = self.workers * 3  # chunks in flight: bounds memory
        try:
            for chunk in self._chunks():
                pending.append((chunk[-1][0], chunk[-1][1], self.pool.apply_async(parse_chunk, (*self.args, chunk))))
                while len(pending) > depth:
                    yield self._next(pending)
        except ParseError:
            while pending:
                yield self._next(pending)
            raise
        while pending:
            yield self._next(pending)

    @staticmethod
    def _next(pending: deque[tuple[int, int, Any]]) -> tuple[int, int, list[Prepared | Bad]]:
        end_line, end_offset, res = pending.popleft()
        return end_line, end_offset, _fix(res.get(timeout=WORKER_TIMEOUT))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.lines.close()  # type: ignore[attr-defined]
