"""Ingest: files into the store, one transaction per file, idempotent.

A file whose bytes were ingested before is ``unchanged``; a new version of a file ingested
from the same path replaces the old one; a file that fails to parse leaves the store as it
was and is reported ``failed`` with the parser's message.

Profile files (:mod:`.files`) are parsed whole and written in one transaction. Record dumps
in JSON lines (formats with a ``stream`` hook: the arXiv snapshot, OpenAlex, Semantic
Scholar datasets, OpenReview) go through :mod:`.dumps` instead: batches of records per
transaction, parsed by worker processes (:mod:`.parse_pool`), bounded memory, a checkpoint
per batch (an interrupted file continues where it stopped, ``resumed``). There a bad record
fails the file *after* the batches before it were committed; with ``skip_bad`` it is written
to the reject file. Both share the options (:mod:`.options`), the record keys and the
"same work?" rule (:mod:`scholarlens.papers`), person resolution (:mod:`scholarlens.people`),
profile removal (:mod:`scholarlens.profiles`) and the report type (:mod:`scholarlens.records`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import InputError, ParseError, ScholarLensError
from ..formats import Format, detect, get_format, parse_text, read_file
from ..formats import is_json_lines as formats_is_json_lines
from ..formats._lines import is_gzip, peek_text
from ..records import FileReport, IngestReport, Progress
from ..stores import Store
from .dumps import ingest_dump
from .files import COLLECTION_FORMATS, store_profile
from .options import BATCH_SIZE, CHUNK_LINES, IngestOptions, Rejects, parse_categories

log = logging.getLogger("scholarlens")

#: Files larger than this are sniffed from their head only (and never read whole when they stream).
WHOLE_READ_LIMIT = 32 * 1024 * 1024


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and every non-hidden file under named directories (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)))
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return out


def is_json_lines(head: str) -> bool:
    """Whether a file's head is JSON lines: the formats' rule (a one-line API response that
    wraps its records is a document, never JSON lines)."""
    return formats_is_json_lines(head)


def ingest_file(
    store: Store, path: Path, format: str | None, options: IngestOptions, rejects: Rejects, progress: Progress | None
) -> FileReport:
    """One file: a dump goes to :func:`.dumps.ingest_dump`, anything else is parsed whole."""
    big = is_gzip(path) or path.stat().st_size > WHOLE_READ_LIMIT
    text: str | None = None
    digest: str | None = None
    if big:
        head = peek_text(path)
        fmt: Format = get_format(format) if format else detect(head, str(path))
    else:
        text, digest = read_file(path)
        head = text[:65536]
        fmt = get_format(format) if format else detect(text, str(path))
    if fmt.stream is not None and is_json_lines(head):
        return ingest_dump(store, path, fmt, options, rejects, progress)
    if text is None:
        text, digest = read_file(path)
    errors: list[ParseError] | None = [] if options.skip_bad else None
    parsed = parse_text(text, str(path), fmt.name, errors)
    for err in errors or []:
        rejects.add(err, str(path.resolve()), err.line)
    assert digest is not None
    parsed.sha256 = options.digest(digest, with_limit=True)
    parsed.papers = [p for p in parsed.papers if options.keep(p)][: options.limit]
    fr = store_profile(store, parsed, progress)
    fr.rejected = len(errors or [])
    return fr


def _failed(store: Store, path: Path, exc: ScholarLensError) -> FileReport:
    detail = exc.to_dict() if hasattr(exc, "to_dict") else {"error": type(exc).__name__, "message": str(exc)}
    fr = FileReport(source=str(path), status="failed", error=str(exc), error_detail=detail)
    row = store.one(
        "SELECT c.profile_id, c.records FROM ingest_checkpoints c JOIN profiles p ON p.id = c.profile_id "
        "WHERE p.source = ? AND c.complete = 0",
        (str(path.resolve()),),
    )
    if row:  # a dump that failed part-way keeps the batches committed before the error
        fr.profile_id, fr.records, fr.complete = row["profile_id"], int(row["records"]), False
    return fr


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    format: str | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileReport], None] | None = None,
    skip: set[str] | None = None,
    *,
    limit: int | None = None,
    since: int | None = None,
    category: str | Iterable[str] | None = None,
    skip_bad: bool = False,
    reject_file: str | Path | None = None,
    resume: bool = True,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    chunk_lines: int = CHUNK_LINES,
    before_batch: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files and directories; each file commits or rolls back on its own.

    ``skip`` holds resolved paths never to read (the database's own files). ``limit``,
    ``since`` (a year) and ``category`` (globs such as ``cs.*``, comma-separated or a list)
    filter records; ``skip_bad`` skips bad records (written with their reasons to
    ``reject_file`` as JSON lines) instead of failing the file; ``resume=False`` restarts an
    interrupted dump instead of continuing it. Dumps (JSON lines with a streaming format)
    are ingested in batches of ``batch_size`` records, parsed by ``workers`` processes
    ``chunk_lines`` lines at a time; ``before_batch`` is the fault hook of
    :class:`~.options.IngestOptions`.
    """
    options = IngestOptions(limit=limit, since=since, categories=parse_categories(category), skip_bad=skip_bad,
                            resume=resume, batch_size=batch_size, workers=workers, chunk_lines=chunk_lines,
                            before_batch=before_batch)  # fmt: skip
    rejects = Rejects(reject_file)
    report = IngestReport()
    files = [f for f in expand_paths(paths) if str(f.resolve()) not in (skip or set())]
    try:
        for n, path in enumerate(files, 1):
            try:
                fr = ingest_file(store, path, format, options, rejects, progress)
            except ScholarLensError as exc:
                fr = _failed(store, path, exc)
                if skip_bad:
                    rejects.add(exc if isinstance(exc, ParseError) else str(exc), str(path.resolve()))
                log.info("failed: %s", exc)  # reported in the FileReport; front ends show it
            report.files.append(fr)
            if on_file:
                on_file(fr)
            if progress:
                progress("files", n, len(files))
    finally:
        rejects.close()
    return report


__all__ = [
    "BATCH_SIZE",
    "COLLECTION_FORMATS",
    "FileReport",
    "IngestOptions",
    "IngestReport",
    "Progress",
    "Rejects",
    "expand_paths",
    "ingest_dump",
    "ingest_file",
    "ingest_paths",
    "is_json_lines",
    "store_profile",
]
