"""Ingest: parsed profiles into the store, one transaction per file, idempotent.

A file whose bytes were ingested before is ``unchanged``; a new version of a file ingested
from the same path replaces the old one; a file that fails to parse leaves the store as it
was and is reported ``failed`` with the parser's message.

Record dumps in JSON lines (formats with a ``stream`` hook: the arXiv snapshot, OpenAlex,
Semantic Scholar datasets, OpenReview) take the streaming path of
:mod:`scholarlens.streaming` instead: batches of records per transaction, bounded memory,
a checkpoint per batch (an interrupted file continues where it stopped, ``resumed``), and
``limit``/``since``/``category`` filters. There a bad record fails the file *after* the
batches before it were committed; with ``skip_bad`` it is written to the reject file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import papers as papers_mod
from . import people as people_mod
from . import profiles as profiles_mod
from .errors import InputError, ParseError, ScholarLensError
from .formats import FORMATS, Format, detect, get_format, parse_text, read_file
from .formats._lines import is_gzip, peek_text
from .models import ParsedProfile
from .names import family_key
from .stores import Store
from .streaming import BATCH_SIZE, Rejects, StreamOptions, is_json_lines, stream_file
from .text import content_hash

log = logging.getLogger("scholarlens")
Progress = Callable[[str, int, int], None]
"""Callback ``(stage, done, total)`` used by front ends to draw progress bars."""

#: Formats whose files are collections of many people's papers, not one person's profile.
COLLECTION_FORMATS: set[str] = {f.name for f in FORMATS if f.collection}
#: Files larger than this are sniffed from their head only (and never read whole when they stream).
WHOLE_READ_LIMIT = 32 * 1024 * 1024


@dataclass
class FileReport:
    source: str
    status: str  # added | unchanged | replaced | failed
    profile_id: str | None = None
    format: str | None = None
    records: int = 0
    new_papers: int = 0
    merged_papers: int = 0
    error: str | None = None
    error_detail: dict[str, Any] | None = None
    rejected: int = 0
    """Bad records skipped (``skip_bad``) and written to the reject file."""
    complete: bool = True
    """False when a streamed file stopped early (``limit``, an error): a later run continues it."""
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)

    def totals(self) -> dict[str, int]:
        out = {"files": len(self.files), "added": 0, "unchanged": 0, "replaced": 0, "failed": 0}
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        out["records"] = sum(f.records for f in self.files)
        out["new_papers"] = sum(f.new_papers for f in self.files)
        out["merged_papers"] = sum(f.merged_papers for f in self.files)
        out["rejected"] = sum(f.rejected for f in self.files)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "totals": self.totals(), "files": [asdict(f) for f in self.files]}


def profile_id_for(sha256: str) -> str:
    return sha256[:16]


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


def _remove_profile(store: Store, profile_id: str) -> set[int]:
    affected = {r["paper_id"] for r in store.query("SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id = ?", (profile_id,))}
    store.execute("DELETE FROM paper_sources WHERE profile_id = ?", (profile_id,))
    store.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))
    return affected


def store_profile(store: Store, parsed: ParsedProfile, progress: Progress | None = None) -> FileReport:
    """Write one parsed profile in one transaction."""
    assert parsed.sha256, "parsed profile needs the sha256 of its bytes"
    source = str(Path(parsed.source).resolve()) if not parsed.source.startswith("<") else parsed.source
    pid = profile_id_for(parsed.sha256)
    report = FileReport(source=source, status="added", profile_id=pid, format=parsed.format, records=len(parsed.papers))
    if store.one("SELECT id FROM profiles WHERE sha256 = ?", (parsed.sha256,)):
        report.status = "unchanged"
        return report
    kind = "collection" if parsed.format in COLLECTION_FORMATS else "person"
    with store.transaction():
        touched: set[int] = set()
        for old in store.query("SELECT id FROM profiles WHERE source = ?", (source,)):
            touched |= _remove_profile(store, old["id"])
            report.status = "replaced"
        store.execute(
            "INSERT INTO profiles (id, source, format, kind, declared_name, sha256, n_records, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, source, parsed.format, kind, parsed.declared_name, parsed.sha256, len(parsed.papers), datetime.now(UTC).isoformat()),
        )
        created: set[int] = set()
        total = len(parsed.papers)
        for ordinal, paper in enumerate(parsed.papers):
            keys = papers_mod.keys_of(paper)
            matches = papers_mod.find_matches(store, keys)
            if not matches:
                target = papers_mod.new_paper(store)
                created.add(target)
            else:
                target = min(matches)
                for other in sorted(matches - {target}):
                    papers_mod.merge_papers(store, target, other)
                    created.discard(other)
                    touched.discard(other)
                report.merged_papers += 1
            papers_mod.add_source(store, target, pid, ordinal, paper, keys)
            touched.add(target)
            if progress:
                progress("records", ordinal + 1, total)
        report.new_papers = len(created)
        families: set[str] = set()
        for paper_id in sorted(touched):
            if not store.scalar("SELECT COUNT(*) FROM paper_sources WHERE paper_id = ?", (paper_id,)):
                store.execute("DELETE FROM authorships WHERE paper_id = ?", (paper_id,))
                store.execute("DELETE FROM identifiers WHERE paper_id = ?", (paper_id,))
                store.execute("DELETE FROM paper_organisations WHERE paper_id = ?", (paper_id,))
                store.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
                continue
            records = papers_mod.sources_of(store, paper_id)
            canon = papers_mod.refresh_paper(store, paper_id)
            people_mod.assign_authorships(store, paper_id, canon, records)
            families |= {family_key(a.name) for a in canon.authors}
        people_mod.merge_by_evidence(store, families)
        people_mod.collect_orphans(store)
        owners = set(profiles_mod.profiles_touching(store, touched))  # person profiles only
        if kind == "person":
            owners.add(pid)  # even with no papers left, its owner is worked out (as unknown)
        for profile_id in sorted(owners):
            profiles_mod.resolve_owner(store, profile_id)
    return report


def _filter_papers(parsed: ParsedProfile, options: StreamOptions) -> None:
    parsed.papers = [p for p in parsed.papers if options.keep(p)]
    if options.limit is not None:
        parsed.papers = parsed.papers[: options.limit]


def _ingest_one(
    store: Store, path: Path, format: str | None, options: StreamOptions, rejects: Rejects, progress: Progress | None
) -> FileReport:
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
        res = stream_file(store, path, fmt, options, rejects, progress)
        return FileReport(
            source=str(path.resolve()),
            status=res.status,
            profile_id=res.profile_id,
            format=fmt.name,
            records=res.records,
            new_papers=res.new_papers,
            merged_papers=res.merged_papers,
            rejected=res.rejected,
            complete=res.complete,
            notes=res.notes,
        )
    if text is None:
        text, digest = read_file(path)
    errors: list[ParseError] | None = [] if options.skip_bad else None
    parsed = parse_text(text, str(path), fmt.name, errors)
    for err in errors or []:
        rejects.add(err, str(path.resolve()), err.line)
    assert digest is not None
    parsed.sha256 = digest if not options.signature() and options.limit is None else content_hash(digest, options.signature(), str(options.limit))
    _filter_papers(parsed, options)
    fr = store_profile(store, parsed, progress)
    fr.rejected = len(errors or [])
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
) -> IngestReport:
    """Ingest files and directories; each file commits or rolls back on its own.

    ``skip`` holds resolved paths never to read (the database's own files). ``limit``,
    ``since`` (a year) and ``category`` (globs such as ``cs.*``, comma-separated or a list)
    filter records; ``skip_bad`` skips bad records (written with their reasons to
    ``reject_file`` as JSON lines) instead of failing the file; ``resume=False`` restarts an
    interrupted dump instead of continuing it. Dumps (JSON lines with a streaming format)
    are ingested in batches of ``batch_size`` records.
    """
    cats: tuple[str, ...] = ()
    if category:
        items = [category] if isinstance(category, str) else list(category)
        cats = tuple(c.strip() for item in items for c in item.split(",") if c.strip())
    options = StreamOptions(limit=limit, since=since, categories=cats, skip_bad=skip_bad, resume=resume, batch_size=batch_size)
    rejects = Rejects(reject_file)
    report = IngestReport()
    files = [f for f in expand_paths(paths) if str(f.resolve()) not in (skip or set())]
    try:
        for n, path in enumerate(files, 1):
            try:
                fr = _ingest_one(store, path, format, options, rejects, progress)
            except ScholarLensError as exc:
                detail = exc.to_dict() if hasattr(exc, "to_dict") else {"error": type(exc).__name__, "message": str(exc)}
                fr = FileReport(source=str(path), status="failed", error=str(exc), error_detail=detail)
                row = store.one(
                    "SELECT c.profile_id, c.records FROM ingest_checkpoints c JOIN profiles p ON p.id = c.profile_id "
                    "WHERE p.source = ? AND c.complete = 0",
                    (str(path.resolve()),),
                )
                if row:  # a dump that failed part-way keeps the batches committed before the error
                    fr.profile_id, fr.records, fr.complete = row["profile_id"], int(row["records"]), False
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
