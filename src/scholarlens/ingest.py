"""Ingest: parsed profiles into the store, one transaction per file, idempotent.

A file whose bytes were ingested before is ``unchanged``; a new version of a file ingested
from the same path replaces the old one; a file that fails to parse leaves the store as it
was and is reported ``failed`` with the parser's message.
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
from .errors import InputError, ScholarLensError
from .formats import parse_file
from .models import ParsedProfile
from .names import family_key
from .stores import Store

log = logging.getLogger("scholarlens")
Progress = Callable[[str, int, int], None]
"""Callback ``(stage, done, total)`` used by front ends to draw progress bars."""

#: Formats whose files are collections of many people's papers, not one person's profile.
COLLECTION_FORMATS: set[str] = {"s2-paper"}


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
        for profile_id in profiles_mod.profiles_touching(store, touched | {0}) + [pid]:
            if kind == "person" or profile_id != pid:
                profiles_mod.resolve_owner(store, profile_id)
    return report


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    format: str | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileReport], None] | None = None,
    skip: set[str] | None = None,
) -> IngestReport:
    """Ingest files and directories; each file commits or rolls back on its own.

    ``skip`` holds resolved paths never to read (the database's own files).
    """
    report = IngestReport()
    files = [f for f in expand_paths(paths) if str(f.resolve()) not in (skip or set())]
    for n, path in enumerate(files, 1):
        try:
            parsed = parse_file(path, format)
            fr = store_profile(store, parsed, progress)
        except ScholarLensError as exc:
            detail = exc.to_dict() if hasattr(exc, "to_dict") else {"error": type(exc).__name__, "message": str(exc)}
            fr = FileReport(source=str(path), status="failed", error=str(exc), error_detail=detail)
            log.warning("%s", exc)
        report.files.append(fr)
        if on_file:
            on_file(fr)
        if progress:
            progress("files", n, len(files))
    return report
