"""Dumps: JSON-lines record dumps (arXiv snapshot, OpenAlex, S2 datasets, OpenReview) in batches.

A dump of millions of lines is read line by line (gzip read directly), in batches of
``batch_size`` records, one transaction per batch. Deduplication is the rule of profile
files (:func:`scholarlens.papers.same_work` against every stored source; a record that
matches several papers merges them), but a whole batch's keys are looked up at once and
records of one batch are matched in memory. A paper seen once (the common case) is written
directly; a paper with several sources goes through the same ``refresh_paper`` /
``assign_authorships`` as small files. People are resolved in bulk by
:func:`scholarlens.people.link_authors` (the outcome of :func:`~scholarlens.people.resolve`).

Each batch commits with a checkpoint (the last line read, its byte offset, the records
stored), so a killed run loses at most the batch in flight and the next run continues after
the checkpoint: nothing is stored twice, nothing skipped. Memory stays bounded: no whole-file
loads, per-batch maps only. Database tuning for the bulk load is the store's
(:meth:`~scholarlens.stores.Store.bulk_load`), so a dump loads into SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import papers as papers_mod
from .. import people as people_mod
from .. import profiles as profiles_mod
from ..errors import ParseError
from ..formats import Format
from ..formats._lines import file_sha256, is_gzip
from ..names import family_key
from ..papers import RecordKeys, same_work, stored_keys
from ..records import FileReport, Progress
from ..stores import Store
from .options import IngestOptions, Rejects
from .parse_pool import PARALLEL_MIN_BYTES, ChunkStream, Prepared, default_workers

#: Spelling-variant merging (``people.merge_by_evidence``) runs at the end of a file over the
#: families of the people it created, up to this many families; beyond that it is skipped
#: (it compares every pair in a family, which does not scale to a whole dump).
EVIDENCE_MAX_FAMILIES = 1_000
#: Rows per ``IN (...)`` lookup.
_CHUNK = 900

Candidates = dict[str, list[tuple[int, RecordKeys]]]


class _Matches:
    """Where a batch's records may belong: stored papers by identifier, title and abstract head,
    and the batch's own records as they are assigned."""

    def __init__(self, store: Store, items: list[Prepared]) -> None:
        by_scheme: dict[str, set[str]] = {}
        titles: set[str] = set()
        heads: set[str] = set()
        for item in items:
            k = item.keys
            for s, v in k.identifiers.items():
                by_scheme.setdefault(s, set()).add(v)
            if k.title_key:
                titles.add(k.title_key)
            if k.abstract_head and k.abstract_fp:
                heads.add(k.abstract_head)
        self.ids: dict[tuple[str, str], int] = {}
        for scheme, values in by_scheme.items():
            for r in store.query_in("SELECT value, paper_id FROM identifiers WHERE scheme = ? AND value IN ({marks})",
                                    sorted(values), (scheme,), chunk=_CHUNK):  # fmt: skip
                self.ids[(scheme, r["value"])] = r["paper_id"]
        self.titles: Candidates = {}
        self.heads: Candidates = {}
        sql = "SELECT paper_id, title_key, abstract_fp, abstract_head, record FROM paper_sources WHERE {col} IN ({{marks}})"
        for r in store.query_in(sql.format(col="title_key"), sorted(titles), chunk=_CHUNK):
            self.titles.setdefault(r["title_key"], []).append((r["paper_id"], self._keys(r)))
        for r in store.query_in(sql.format(col="abstract_head"), sorted(heads), chunk=_CHUNK):
            self.heads.setdefault(r["abstract_head"], []).append((r["paper_id"], self._keys(r)))

    @staticmethod
    def _keys(r: dict[str, Any]) -> RecordKeys:
        return stored_keys(r["title_key"], r["abstract_fp"], r["abstract_head"], r["record"])

    def found(self, k: RecordKeys) -> set[int]:
        out = {p for s, v in k.identifiers.items() if (p := self.ids.get((s, v))) is not None}
        for pool in (self.titles.get(k.title_key or "", ()), self.heads.get(k.abstract_head or "", ())):
            out.update(p for p, other in pool if p not in out and same_work(k, other))
        return out

    def add(self, target: int, k: RecordKeys) -> None:
        for s, v in k.identifiers.items():
            self.ids.setdefault((s, v), target)
        if k.title_key:
            self.titles.setdefault(k.title_key, []).append((target, k))
        if k.abstract_head and k.abstract_fp:
            self.heads.setdefault(k.abstract_head, []).append((target, k))


class DumpWriter:
    """Writes the batches of one dump into its profile and finishes it (owners, merges)."""

    def __init__(self, store: Store, profile_id: str) -> None:
        self.store = store
        self.pid = profile_id
        self.families: set[str] | None = set()
        self.person_profiles: set[str] = set()
        self.may_orphan = False
        self.new_papers = 0
        self.merged = 0

    def write_batch(self, items: list[Prepared]) -> None:
        """Match, group and store one batch (inside the caller's transaction)."""
        groups, first_new = self._group(items)
        fast = {p: g[0] for p, g in groups.items() if p >= first_new and len(g) == 1}
        slow = sorted(p for p in groups if p not in fast)
        self.new_papers += sum(1 for p in groups if p >= first_new)
        self._insert(groups, fast, [p for p in slow if p >= first_new])
        for p in slow:
            records = papers_mod.sources_of(self.store, p)
            canon = papers_mod.refresh_paper(self.store, p)
            people_mod.assign_authorships(self.store, p, canon, records)
            self.may_orphan = True
            self._note_families(family_key(a.name) for a in canon.authors)
        stored_touched = {p for p in slow if p < first_new}
        if stored_touched:
            self.person_profiles.update(profiles_mod.profiles_touching(self.store, stored_touched))

    def _group(self, items: list[Prepared]) -> tuple[dict[int, list[Prepared]], int]:
        """Records by the paper they belong to (new papers get ids from ``first_new`` on);
        stored papers the batch joined together are merged."""
        matches = _Matches(self.store, items)
        first_new = next_paper = self.store.next_id("papers")
        redirect: dict[int, int] = {}

        def find(p: int) -> int:
            while p in redirect:
                p = redirect[p]
            return p

        assigned: list[tuple[int, Prepared]] = []
        stored_merges: list[int] = []
        for item in items:
            found = {find(p) for p in matches.found(item.keys)}
            if not found:
                target, next_paper = next_paper, next_paper + 1
            else:
                target = min(found)
                for other in sorted(found - {target}):
                    redirect[other] = target
                    if other < first_new:
                        stored_merges.append(other)
                self.merged += 1
            assigned.append((target, item))
            matches.add(target, item.keys)
        for other in stored_merges:  # as papers.merge_papers does for profile files
            papers_mod.merge_papers(self.store, find(other), other)
            self.may_orphan = True
        groups: dict[int, list[Prepared]] = {}
        for target, item in assigned:
            groups.setdefault(find(target), []).append(item)
        return groups, first_new

    def _insert(self, groups: dict[int, list[Prepared]], fast: dict[int, Prepared], new_slow: list[int]) -> None:
        store = self.store
        paper_rows: list[tuple[Any, ...]] = [(p, *rec.row) for p, rec in fast.items()]
        paper_rows.extend((p, None, None, None, None, None, None, 0, None, 0, 1, None) for p in new_slow)
        org_rows = [(p, o) for p, rec in fast.items() for o in rec.organisations]
        store.executemany(
            "INSERT INTO papers (id, title, abstract, year, month, day, category, has_code, venue, n_authors,"
            " authors_complete, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            paper_rows,
        )
        if paper_rows:
            store.claim_ids("papers", max(r[0] for r in paper_rows))
        source_rows = []
        ident_rows: list[tuple[str, str, int]] = []
        for p, group in groups.items():
            for item in group:
                k = item.keys
                source_rows.append((p, self.pid, item.line, item.line, k.title_key, k.abstract_fp, k.abstract_head, item.record))
                ident_rows.extend((s, v, p) for s, v in k.identifiers.items())
        store.executemany(
            "INSERT INTO paper_sources (paper_id, profile_id, ordinal, line, title_key, abstract_fp, abstract_head, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            source_rows,
        )
        store.executemany("INSERT INTO identifiers (scheme, value, paper_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", ident_rows)
        store.executemany("INSERT INTO paper_organisations (paper_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", org_rows)
        people_mod.link_authors(store, [(p, rec.authors) for p, rec in fast.items()], self._note_family)

    def _note_family(self, family: str) -> None:
        self._note_families((family,))

    def _note_families(self, families: Iterable[str]) -> None:
        if self.families is None:
            return
        self.families.update(families)
        if len(self.families) > EVIDENCE_MAX_FAMILIES:
            self.families = None

    def finish(self) -> list[str]:
        """Spelling variants, orphans and owners, once at the end of the file."""
        notes = []
        if self.families is None:
            notes.append(
                f"spelling-variant merging of people skipped (more than {EVIDENCE_MAX_FAMILIES} family names); "
                "exact names, aliases and ORCIDs were still merged"
            )
        elif self.families:
            if people_mod.merge_by_evidence(self.store, self.families):
                self.may_orphan = True
        if self.may_orphan:
            people_mod.collect_orphans(self.store)
        for profile_id in sorted(self.person_profiles):
            profiles_mod.resolve_owner(self.store, profile_id)
        return notes


# -- one dump, from checkpoint to checkpoint -----------------------------------------------------
class _Run:
    """One run over a dump: the batch being filled, the checkpoint state, the report."""

    def __init__(self, store: Store, path: Path, fmt: Format, options: IngestOptions, rejects: Rejects,
                 progress: Progress | None, report: FileReport, start: tuple[int, int, int, int]) -> None:  # fmt: skip
        self.store, self.path, self.fmt, self.options = store, path, fmt, options
        self.rejects, self.progress, self.report = rejects, progress, report
        self.source = report.source
        self.writer = DumpWriter(store, report.profile_id or "")
        self.line, self.offset, self.stored, self.bad = start
        self.start_offset, self.start_records = self.offset, self.stored
        self.this_run = 0
        self.batches = 0
        self.batch: list[Prepared] = []
        self.size = path.stat().st_size
        self.gz = is_gzip(path)

    def commit(self, at_line: int, at_offset: int, done: bool) -> None:
        """Write the batch and its checkpoint in one transaction."""
        with self.store.transaction():
            if self.batch:
                self.batches += 1
                if self.options.before_batch:
                    self.options.before_batch(self.batches)
                self.writer.write_batch(self.batch)
            self.stored += len(self.batch)
            if done:
                self.report.notes.extend(self.writer.finish())
            self.store.execute(
                "UPDATE ingest_checkpoints SET line = ?, byte_offset = ?, records = ?, rejected = ?, complete = ?, updated_at = ?"
                " WHERE profile_id = ?",
                (at_line, at_offset, self.stored, self.bad, int(done), profiles_mod.now(), self.report.profile_id),
            )
            self.store.execute("UPDATE profiles SET n_records = ? WHERE id = ?", (self.stored, self.report.profile_id))
        self.batch.clear()
        if self.progress:
            done_records = self.stored - self.start_records
            frac = (at_offset - self.start_offset) / max(1, self.size - self.start_offset) if not self.gz else 0.0
            total = int(done_records / frac) if frac > 0 else 0
            self.progress("records", done_records, max(total, done_records))

    def take(self, entries: list[Any]) -> bool:
        """Add a chunk's records to the batch (committing full batches); False once ``limit`` is reached."""
        for entry in entries:
            if isinstance(entry, Prepared):
                self.batch.append(entry)
                self.this_run += 1
                self.line, self.offset = entry.line, entry.offset
                if len(self.batch) >= self.options.batch_size:
                    self.commit(self.line, self.offset, False)
                if self.options.limit is not None and self.this_run >= self.options.limit:
                    return False
                continue
            line, offset, error, raw = entry
            if not self.options.skip_bad:
                self.commit(line - 1, offset - len(raw), False)
                raise error
            self.bad += 1
            self.rejects.add(error, self.source, line, raw)
            self.line, self.offset = line, offset
        return True

    def run(self) -> bool:
        """Read to the end (True) or to the limit (False), committing batch by batch."""
        opts = self.options
        big = self.size > PARALLEL_MIN_BYTES or self.gz
        workers = opts.workers if opts.workers is not None else (default_workers() if big else 0)
        chunks = ChunkStream(self.path, self.fmt, opts, self.line, self.offset, workers)
        complete = False
        try:
            for end_line, end_offset, entries in chunks:
                if not self.take(entries):
                    break
                self.line, self.offset = end_line, end_offset
            else:
                complete = True
        except ParseError as exc:
            if exc.expected != "a complete gzip stream":
                raise
            exc.format = exc.format or self.fmt.name
            if not opts.skip_bad:  # a truncated or corrupt gzip: keep what was read before it
                self.commit(self.line, self.offset, False)
                raise
            self.bad += 1
            self.rejects.add(exc, self.source, exc.line)
            complete = True
        finally:
            chunks.close()
        self.commit(self.line, self.offset, complete)
        return complete


def _begin(store: Store, source: str, fmt: Format, options: IngestOptions, digest: str, report: FileReport) -> tuple[int, int, int, int] | None:
    """Find or create the dump's profile and checkpoint: ``(line, offset, records, rejected)``
    to start from, or ``None`` when the same dump was ingested completely before."""
    row = store.one("SELECT p.id, c.line, c.byte_offset, c.records, c.rejected, c.complete FROM profiles p "
                    "LEFT JOIN ingest_checkpoints c ON c.profile_id = p.id WHERE p.sha256 = ?", (digest,))  # fmt: skip
    if row and (row["complete"] is None or row["complete"]):
        report.status, report.profile_id, report.records = "unchanged", row["id"], int(row["records"] or 0)
        return None
    if row and not options.resume:
        with store.transaction():
            profiles_mod.drop_profile(store, row["id"])
        row = None
    if row:
        report.status = "resumed"
        return int(row["line"]), int(row["byte_offset"]), int(row["records"]), int(row["rejected"])
    with store.transaction():
        for old in store.query("SELECT id FROM profiles WHERE source = ?", (source,)):
            profiles_mod.drop_profile(store, old["id"])
            report.status = "replaced"
        profiles_mod.create_profile(store, report.profile_id or "", source=source, format=fmt.name,
                                    kind="collection" if fmt.collection else "person", declared_name=None,
                                    sha256=digest, n_records=0)  # fmt: skip
        store.execute(
            "INSERT INTO ingest_checkpoints (profile_id, line, byte_offset, records, rejected, complete, options, updated_at)"
            " VALUES (?, 0, 0, 0, 0, 0, ?, ?)",
            (report.profile_id, options.signature(), profiles_mod.now()),
        )
    return 0, 0, 0, 0


def ingest_dump(
    store: Store,
    path: str | Path,
    fmt: Format,
    options: IngestOptions | None = None,
    rejects: Rejects | None = None,
    progress: Progress | None = None,
) -> FileReport:
    """Ingest one JSON-lines dump in batches, resuming an interrupted run of the same file."""
    assert fmt.stream is not None, f"format {fmt.name} cannot stream"
    options = options or IngestOptions()
    p = Path(path)
    source = str(p.resolve())
    digest = options.digest(file_sha256(p))
    report = FileReport(source=source, status="added", profile_id=profiles_mod.profile_id_for(digest), format=fmt.name)
    start = _begin(store, source, fmt, options, digest, report)
    if start is None:
        return report
    run = _Run(store, p, fmt, options, rejects or Rejects(None), progress, report, start)
    with store.bulk_load():
        complete = run.run()
    report.records, report.rejected, report.complete = run.stored, run.bad, complete
    report.new_papers, report.merged_papers = run.writer.new_papers, run.writer.merged
    if not complete:
        report.notes.append(f"stopped after {run.this_run} records (--limit); run again to continue")
    return report
