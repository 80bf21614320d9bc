"""Profile files: one parsed profile written in one transaction.

Each record joins the stored papers it is the same work as
(:func:`scholarlens.papers.find_matches`, merging them when it matches several) or becomes a
new paper; then every touched paper is recomputed from its sources, its authors relinked,
spelling variants merged and the owners of the touched person profiles re-resolved.
"""

from __future__ import annotations

from pathlib import Path

from .. import papers as papers_mod
from .. import people as people_mod
from .. import profiles as profiles_mod
from ..formats import FORMATS
from ..records import FileReport, ParsedProfile, Progress
from ..stores import Store
from .options import IngestOptions

#: Formats whose files are collections of many people's papers, not one person's profile.
COLLECTION_FORMATS: set[str] = {f.name for f in FORMATS if f.collection}


def filter_papers(parsed: ParsedProfile, options: IngestOptions) -> None:
    """Apply ``since`` / ``categories`` / ``limit`` to a parsed profile's papers."""
    parsed.papers = [p for p in parsed.papers if options.keep(p)]
    if options.limit is not None:
        parsed.papers = parsed.papers[: options.limit]


def _add_records(store: Store, parsed: ParsedProfile, pid: str, report: FileReport, touched: set[int],
                 progress: Progress | None) -> set[int]:  # fmt: skip
    """Match and add each record; returns the papers created."""
    created: set[int] = set()
    total = len(parsed.papers)
    for ordinal, paper in enumerate(parsed.papers):
        keys = papers_mod.record_keys(paper)
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
    return created


def store_profile(store: Store, parsed: ParsedProfile, progress: Progress | None = None) -> FileReport:
    """Write one parsed profile in one transaction."""
    assert parsed.sha256, "parsed profile needs the sha256 of its bytes"
    source = str(Path(parsed.source).resolve()) if not parsed.source.startswith("<") else parsed.source
    pid = profiles_mod.profile_id_for(parsed.sha256)
    report = FileReport(source=source, status="added", profile_id=pid, format=parsed.format, records=len(parsed.papers))
    if store.one("SELECT id FROM profiles WHERE sha256 = ?", (parsed.sha256,)):
        report.status = "unchanged"
        return report
    kind = "collection" if parsed.format in COLLECTION_FORMATS else "person"
    with store.transaction():
        touched: set[int] = set()
        for old in store.query("SELECT id FROM profiles WHERE source = ?", (source,)):
            touched |= profiles_mod.remove_profile(store, old["id"])
            report.status = "replaced"
        profiles_mod.create_profile(store, pid, source=source, format=parsed.format, kind=kind,
                                    declared_name=parsed.declared_name, sha256=parsed.sha256, n_records=len(parsed.papers))  # fmt: skip
        created = _add_records(store, parsed, pid, report, touched, progress)
        report.new_papers = len(created)
        families = profiles_mod.refresh_papers(store, touched)
        people_mod.merge_by_evidence(store, families)
        people_mod.collect_orphans(store)
        owners = set(profiles_mod.profiles_touching(store, touched))  # person profiles only
        if kind == "person":
            owners.add(pid)  # even with no papers left, its owner is worked out (as unknown)
        for profile_id in sorted(owners):
            profiles_mod.resolve_owner(store, profile_id)
    return report
