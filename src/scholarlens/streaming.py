"""Streaming ingest of record dumps (arXiv snapshot, OpenAlex, S2 datasets, OpenReview).

A dump of millions of JSON lines is read line by line (gzip read directly), in batches of
:data:`BATCH_SIZE` records, one transaction per batch. Deduplication keeps the per-record
rules of :mod:`scholarlens.papers` (identifiers first, then normalised title, then a
near-identical abstract head; a record that matches several papers merges them) but looks
up a whole batch's keys at once in the indexed tables and matches records of the same batch
in memory. A paper seen once (the common case in a dump) is written directly; a paper with
several sources goes through the same ``refresh_paper`` / ``assign_authorships`` as small
files. People are resolved by ORCID, then by the folded full name or an alias.

Each batch commits with a checkpoint (the last line read, its byte offset, the records
stored), so a killed run loses at most the batch in flight and the next run continues after
the checkpoint: nothing is stored twice, nothing skipped. Memory stays bounded: no whole-file
loads, per-batch maps only, bounded caches.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson
from anyascii import anyascii
from nameparser.config import CONSTANTS

from . import papers as papers_mod
from . import people as people_mod
from . import profiles as profiles_mod
from .errors import ParseError
from .formats import Format
from .formats._lines import file_sha256, is_gzip, iter_lines
from .formats._records import clean
from .models import ParsedAuthor, ParsedPaper
from .names import family_key
from .papers import MIN_TITLE_KEY, RecordKeys
from .stores import Store
from .text import (
    FINGERPRINT_CHARS,
    HEAD_KEY_CHARS,
    content_hash,
    same_abstract,
    strip_abstract_prefix,
)

log = logging.getLogger("scholarlens")

#: Records per transaction.
BATCH_SIZE = 10_000
#: Spelling-variant merging (``people.merge_by_evidence``) runs at the end of a file over the
#: families of the people it created, up to this many families; beyond that it is skipped
#: (it compares every pair in a family, which does not scale to a whole dump).
EVIDENCE_MAX_FAMILIES = 1_000
#: Rows per ``IN (...)`` lookup.
_CHUNK = 900

_NOT_ALNUM_ASCII = [chr(i) for i in range(128) if not ("0" <= chr(i) <= "9" or "a" <= chr(i) <= "z")]
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TO_SPACE = str.maketrans({c: " " for c in _NOT_ALNUM_ASCII})
_DROP = str.maketrans({c: None for c in _NOT_ALNUM_ASCII})
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?|[{}$]")
_LATIN = re.compile(r"[\x00-\u024f]*")  # nameparser treats other scripts its own way
_SIMPLE_TOKEN = re.compile(r"^[^\W\d_][^\W\d_'.\-]*(?:[.'\-][^\W\d_]*)*\.?$")
_NAME_WORDS = (
    {t.lower() for t in CONSTANTS.titles}
    | {t.lower() for t in CONSTANTS.suffix_acronyms}
    | {t.lower() for t in CONSTANTS.suffix_not_acronyms}
    | {t.lower() for t in CONSTANTS.prefixes}
    | {t.lower() for t in CONSTANTS.conjunctions}
)
Progress = Callable[[str, int, int], None]


# -- keys: the same values as papers.keys_of / names.person_key, with fast paths ------------
def _ascii_fold(text: str) -> str:
    return " ".join(text.lower().translate(_TO_SPACE).split())


def _translit(text: str) -> str:
    """``anyascii(NFC(text))``, transliterating only the non-ASCII runs (anyascii maps each
    character on its own, so the result is the same, and most of a dump's text is ASCII)."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_translit_run, unicodedata.normalize("NFC", text))


def _translit_run(m: re.Match[str]) -> str:
    return anyascii(m.group())


def fold(text: str) -> str:
    """:func:`scholarlens.text.fold`, skipping the transliteration for ASCII text."""
    return _ascii_fold(_translit(text))


def record_keys(paper: ParsedPaper) -> RecordKeys:
    """Exactly :func:`scholarlens.papers.keys_of`, several times faster on clean text."""
    tk = None
    if paper.title:
        tk = fold(_LATEX_CMD.sub(" ", clean(paper.title) or "")) or None
    fp = None
    if paper.abstract:
        body = _LATEX_CMD.sub(" ", strip_abstract_prefix(clean(paper.abstract) or ""))
        fp = _translit(body).lower().translate(_DROP)[:FINGERPRINT_CHARS] or None
    return RecordKeys(
        title_key=tk,
        abstract_fp=fp,
        abstract_head=fp[:HEAD_KEY_CHARS] if fp and len(fp) >= HEAD_KEY_CHARS else None,
        identifiers={k: v.lower() for k, v in paper.identifiers.items() if v},
        year=paper.year,
    )


@lru_cache(maxsize=200_000)
def person_family_key(name: str) -> str:
    """:func:`scholarlens.names.family_key`; plain ``First [Middle] Last`` names skip nameparser."""
    tokens = name.split()
    if 1 <= len(tokens) <= 4 and _LATIN.fullmatch(name) and all(
        _SIMPLE_TOKEN.match(t) and t.lower().rstrip(".") not in _NAME_WORDS and t.lower() not in _NAME_WORDS for t in tokens
    ):
        return fold(tokens[-1])
    return family_key(name)


class Author(NamedTuple):
    name: str
    key: str
    family_key: str
    raw: str | None
    guessed: bool
    orcid: str | None


class Prepared(NamedTuple):
    """A parsed record made ready for the database (built in a worker process for big files)."""

    line: int
    record: str
    """The :class:`ParsedPaper` as JSON (``paper_sources.record``)."""
    keys: RecordKeys
    row: tuple[Any, ...]
    """``papers`` columns from title to content_hash, were this record a paper's only source."""
    organisations: tuple[str, ...]
    authors: tuple[Author, ...]
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
    keys = record_keys(paper)
    c = papers_mod.canonical_record([paper])
    row = (c.title, c.abstract, c.year, c.month, c.day, c.category, int(c.has_code), c.venue, len(c.authors),
           int(c.authors_complete), content_hash(c.title, c.abstract))  # fmt: skip
    authors = tuple(
        Author(a.name, fold(a.name), person_family_key(a.name), a.raw, a.guessed, a.orcid) for a in c.authors
    )
    record = orjson.dumps(compact_record(paper)).decode()
    return Prepared(paper.line or 0, record, keys, row, tuple(c.organisations), authors)


# -- options, rejects, checkpoints -----------------------------------------------------------
@dataclass
class StreamOptions:
    """Filters and behaviour of a streaming ingest (the CLI's ``--limit --since --category``...)."""

    limit: int | None = None
    """Store at most this many records from the file in this run (the rest waits for a later run)."""
    since: int | None = None
    """Keep records whose year is at least this."""
    categories: tuple[str, ...] = ()
    """Keep records with a category matching one of these globs (``cs.*``)."""
    skip_bad: bool = False
    resume: bool = True
    """Continue an interrupted ingest of the same file; ``False`` discards it and starts over."""
    batch_size: int = BATCH_SIZE
    workers: int | None = None
    """Parser processes; ``None``: :func:`default_workers` for big files, none for small ones."""

    def signature(self) -> str:
        """What makes two ingests of the same bytes different profiles (the filters)."""
        parts = []
        if self.since is not None:
            parts.append(f"since={self.since}")
        if self.categories:
            parts.append("category=" + ",".join(sorted(self.categories)))
        return ";".join(parts)

    def keep(self, paper: ParsedPaper) -> bool:
        if self.since is not None and (paper.year is None or paper.year < self.since):
            return False
        if self.categories:
            cats = paper.extra.get("categories") or ([paper.category] if paper.category else [])
            return any(fnmatch.fnmatchcase(c, pat) for c in cats for pat in self.categories)
        return True


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


@dataclass
class StreamResult:
    status: str  # added | unchanged | replaced | resumed
    profile_id: str
    records: int = 0
    new_papers: int = 0
    merged_papers: int = 0
    rejected: int = 0
    lines: int = 0
    complete: bool = True
    seconds: float = 0.0
    resumed_from_line: int = 0
    notes: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _digest_for(file_digest: str, options: StreamOptions) -> str:
    sig = options.signature()
    if not sig:
        return file_digest
    return content_hash(file_digest, sig)


# -- the ingest ------------------------------------------------------------------------------
class _Ingest:
    def __init__(self, store: Store, source: str, pid: str, fmt: Format, options: StreamOptions) -> None:
        self.store = store
        self.source = source
        self.pid = pid
        self.fmt = fmt
        self.options = options
        self.families: set[str] | None = set()
        self.person_profiles: set[str] = set()
        self.may_orphan = False
        self.new_papers = 0
        self.merged = 0

    # lookups ---------------------------------------------------------------------------------
    def _in(self, sql: str, values: list[Any], prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        conn = self.store.conn
        for i in range(0, len(values), _CHUNK):
            chunk = values[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            out.extend(conn.execute(sql.format(marks=marks), (*prefix, *chunk)).fetchall())
        return out

    def _next_id(self, table: str) -> int:
        seq = self.store.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)) or 0
        top = self.store.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}") or 0
        return int(max(seq, top)) + 1

    # one batch --------------------------------------------------------------------------------
    def write_batch(self, items: list[Prepared]) -> None:
        store, conn = self.store, self.store.conn
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
        id_map: dict[tuple[str, str], int] = {}
        for scheme, values in by_scheme.items():
            for value, paper_id in self._in(
                "SELECT value, paper_id FROM identifiers WHERE scheme = ? AND value IN ({marks})", sorted(values), (scheme,)
            ):
                id_map[(scheme, value)] = paper_id
        title_map: dict[str, list[tuple[int, str | None, int | None]]] = {}
        for tk, paper_id, fp, year in self._in(
            "SELECT title_key, paper_id, abstract_fp, json_extract(record, '$.year') FROM paper_sources WHERE title_key IN ({marks})",
            sorted(titles),
        ):
            title_map.setdefault(tk, []).append((paper_id, fp, int(year) if year is not None else None))
        head_map: dict[str, list[tuple[int, str | None]]] = {}
        for head, paper_id, fp in self._in(
            "SELECT abstract_head, paper_id, abstract_fp FROM paper_sources WHERE abstract_head IN ({marks})", sorted(heads)
        ):
            head_map.setdefault(head, []).append((paper_id, fp))

        first_new = self._next_id("papers")
        next_paper = first_new
        redirect: dict[int, int] = {}

        def find(p: int) -> int:
            while p in redirect:
                p = redirect[p]
            return p

        assigned: list[tuple[int, Prepared]] = []
        stored_merges: list[int] = []
        for item in items:
            k = item.keys
            found: set[int] = set()
            for s, v in k.identifiers.items():
                hit = id_map.get((s, v))
                if hit is not None:
                    found.add(find(hit))
            tk = k.title_key
            if tk:
                for paper_id, fp, year in title_map.get(tk, ()):
                    if (
                        len(tk) >= MIN_TITLE_KEY
                        or (k.abstract_fp and fp and same_abstract(k.abstract_fp, fp))
                        or (k.year is not None and k.year == year)
                    ):
                        found.add(find(paper_id))
            if k.abstract_head and k.abstract_fp:
                for paper_id, fp in head_map.get(k.abstract_head, ()):
                    if fp and same_abstract(k.abstract_fp, fp):
                        found.add(find(paper_id))
            if not found:
                target = next_paper
                next_paper += 1
            else:
                target = min(found)
                for other in sorted(found - {target}):
                    redirect[other] = target
                    if other < first_new:
                        stored_merges.append(other)
                self.merged += 1
            assigned.append((target, item))
            for s, v in k.identifiers.items():
                id_map.setdefault((s, v), target)
            if tk:
                title_map.setdefault(tk, []).append((target, k.abstract_fp, k.year))
            if k.abstract_head and k.abstract_fp:
                head_map.setdefault(k.abstract_head, []).append((target, k.abstract_fp))

        # Stored papers this batch joined together: fold them as papers.merge_papers does.
        for other in stored_merges:
            papers_mod.merge_papers(store, find(other), other)
            self.may_orphan = True
        groups: dict[int, list[Prepared]] = {}
        for target, item in assigned:
            groups.setdefault(find(target), []).append(item)
        fast = {p: g[0] for p, g in groups.items() if p >= first_new and len(g) == 1}
        slow = sorted(p for p in groups if p not in fast)
        self.new_papers += sum(1 for p in groups if p >= first_new)

        paper_rows = []
        org_rows: list[tuple[int, str]] = []
        for p, rec in fast.items():
            paper_rows.append((p, *rec.row))
            org_rows.extend((p, o) for o in rec.organisations)
        paper_rows.extend((p, None, None, None, None, None, None, 0, None, 0, 1, None) for p in slow if p >= first_new)
        conn.executemany(
            "INSERT INTO papers (id, title, abstract, year, month, day, category, has_code, venue, n_authors,"
            " authors_complete, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            paper_rows,
        )
        source_rows = []
        ident_rows: list[tuple[str, str, int]] = []
        for p, group in groups.items():
            for item in group:
                k = item.keys
                source_rows.append((p, self.pid, item.line, item.line, k.title_key, k.abstract_fp, k.abstract_head, item.record))
                ident_rows.extend((s, v, p) for s, v in k.identifiers.items())
        conn.executemany(
            "INSERT INTO paper_sources (paper_id, profile_id, ordinal, line, title_key, abstract_fp, abstract_head, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            source_rows,
        )
        conn.executemany("INSERT INTO identifiers (scheme, value, paper_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", ident_rows)
        conn.executemany("INSERT INTO paper_organisations (paper_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", org_rows)
        self._link_people([(p, rec.authors) for p, rec in fast.items()])

        for p in slow:
            records = papers_mod.sources_of(store, p)
            canon = papers_mod.refresh_paper(store, p)
            people_mod.assign_authorships(store, p, canon, records)
            self.may_orphan = True
            self._note_families(person_family_key(a.name) for a in canon.authors)
        stored_touched = [p for p in slow if p < first_new]
        if stored_touched:
            self.person_profiles.update(profiles_mod.profiles_touching(store, set(stored_touched)))

    def _note_families(self, families: Any) -> None:
        if self.families is None:
            return
        self.families.update(families)
        if len(self.families) > EVIDENCE_MAX_FAMILIES:
            self.families = None

    def _link_people(self, papers: list[tuple[int, tuple[Author, ...]]]) -> None:
        """Authorships of single-source new papers: ORCID, then name key / alias, else a new person."""
        conn = self.store.conn
        keys: set[str] = set()
        orcids: set[str] = set()
        for _, authors in papers:
            for a in authors:
                keys.add(a.key)
                if a.orcid:
                    orcids.add("orcid:" + a.orcid.lower())
        key_map: dict[str, int] = {}
        for key, pid in self._in("SELECT key, MIN(id) FROM people WHERE key IN ({marks}) GROUP BY key", sorted(keys)):
            key_map[key] = pid
        known_alias: set[tuple[int, str]] = set()
        alias_first: dict[str, int] = {}
        for pid, alias, key in self._in("SELECT person_id, alias, key FROM person_aliases WHERE key IN ({marks})", sorted(keys | orcids)):
            known_alias.add((pid, alias))
            if key not in alias_first or pid < alias_first[key]:
                alias_first[key] = pid
        for key, pid in alias_first.items():
            key_map.setdefault(key, pid)  # people.find_person: a name first, then an alias
        orcid_of: dict[int, str] = {}
        if orcids:
            candidates = sorted(set(key_map.values()))
            for pid, alias in self._in(
                "SELECT person_id, alias FROM person_aliases WHERE kind = 'orcid' AND person_id IN ({marks})", candidates
            ):
                orcid_of[pid] = alias
        next_person = self._next_id("people")
        people_rows = []
        alias_rows = []
        authorship_rows = []
        refresh: set[int] = set()
        for paper_id, authors in papers:
            for pos, a in enumerate(authors):
                key = a.key
                okey = "orcid:" + a.orcid.lower() if a.orcid else None
                pid = key_map.get(okey) if okey else None
                if pid is None:
                    pid = key_map.get(key)
                    if pid is not None and okey and orcid_of.get(pid, okey) != okey:
                        pid = None  # the same name with another ORCID is another person
                if pid is None:
                    pid = next_person
                    next_person += 1
                    fam = a.family_key
                    people_rows.append((pid, a.name, key, fam, int(a.guessed)))
                    key_map.setdefault(key, pid)
                    self._note_families((fam,))
                elif (pid, a.name) not in known_alias:
                    refresh.add(pid)
                if (pid, a.name) not in known_alias:
                    alias_rows.append((pid, a.name, key, "guessed" if a.guessed else "name"))
                    known_alias.add((pid, a.name))
                if a.raw and a.raw != a.name and (pid, a.raw) not in known_alias:
                    alias_rows.append((pid, a.raw, fold(a.raw), "raw"))
                    known_alias.add((pid, a.raw))
                if okey and (pid, okey) not in known_alias:
                    alias_rows.append((pid, okey, okey, "orcid"))
                    known_alias.add((pid, okey))
                    key_map[okey] = pid
                    orcid_of.setdefault(pid, okey)
                authorship_rows.append((paper_id, pos, pid, a.name))
        conn.executemany("INSERT INTO people (id, name, key, family_key, guessed) VALUES (?, ?, ?, ?, ?)", people_rows)
        conn.executemany(
            "INSERT INTO person_aliases (person_id, alias, key, kind) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", alias_rows
        )
        conn.executemany(
            "INSERT INTO authorships (paper_id, position, person_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            authorship_rows,
        )
        for pid in sorted(refresh):
            people_mod.refresh_name(self.store, pid)

    def finish(self) -> list[str]:
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


def remove_profile(store: Store, profile_id: str) -> None:
    """Remove a profile and the papers only it provided, with set operations (dump-sized profiles)."""
    store.execute("DROP TABLE IF EXISTS temp._gone")
    store.execute("CREATE TEMP TABLE _gone AS SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id = ?", (profile_id,))
    store.execute("DELETE FROM paper_sources WHERE profile_id = ?", (profile_id,))
    store.execute("DELETE FROM temp._gone WHERE paper_id IN (SELECT paper_id FROM paper_sources)")
    for table, col in (("authorships", "paper_id"), ("identifiers", "paper_id"), ("paper_organisations", "paper_id"), ("papers", "id")):
        store.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT paper_id FROM temp._gone)")
    store.execute("DROP TABLE temp._gone")
    store.execute("DELETE FROM ingest_checkpoints WHERE profile_id = ?", (profile_id,))
    store.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))


def _refresh_shared(store: Store, profile_id: str) -> list[int]:
    """Papers of ``profile_id`` that other profiles also provide (refreshed after its removal)."""
    return [
        r["paper_id"]
        for r in store.query(
            "SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id = ? AND paper_id IN "
            "(SELECT paper_id FROM paper_sources WHERE profile_id != ?)",
            (profile_id, profile_id),
        )
    ]


def replace_profile(store: Store, profile_id: str) -> None:
    """Remove a streamed profile, then recompute the papers it shared with other profiles."""
    shared = _refresh_shared(store, profile_id)
    remove_profile(store, profile_id)
    for paper_id in shared:
        records = papers_mod.sources_of(store, paper_id)
        canon = papers_mod.refresh_paper(store, paper_id)
        people_mod.assign_authorships(store, paper_id, canon, records)
    people_mod.collect_orphans(store)
    for pid in profiles_mod.profiles_touching(store, set(shared)):
        profiles_mod.resolve_owner(store, pid)


def stream_file(
    store: Store,
    path: str | Path,
    fmt: Format,
    options: StreamOptions | None = None,
    rejects: Rejects | None = None,
    progress: Progress | None = None,
) -> StreamResult:
    """Ingest one JSON-lines dump in batches, resuming an interrupted run of the same file."""
    assert fmt.stream is not None, f"format {fmt.name} cannot stream"
    options = options or StreamOptions()
    rejects = rejects or Rejects(None)
    started = time.perf_counter()
    p = Path(path)
    source = str(p.resolve())
    digest = _digest_for(file_sha256(p), options)
    pid = digest[:16]
    status = "added"
    row = store.one("SELECT p.id, c.line, c.byte_offset, c.records, c.rejected, c.complete FROM profiles p "
                    "LEFT JOIN ingest_checkpoints c ON c.profile_id = p.id WHERE p.sha256 = ?", (digest,))  # fmt: skip
    if row and (row["complete"] is None or row["complete"]):
        return StreamResult(status="unchanged", profile_id=row["id"], records=int(row["records"] or 0), complete=True)
    if row and not options.resume:
        with store.transaction():
            replace_profile(store, row["id"])
        row = None
    kind = "collection" if fmt.collection else "person"
    start_line = start_offset = records_done = rejected = 0
    if row:
        status = "resumed"
        start_line, start_offset = int(row["line"]), int(row["byte_offset"])
        records_done, rejected = int(row["records"]), int(row["rejected"])
    else:
        with store.transaction():
            for old in store.query("SELECT id FROM profiles WHERE source = ?", (source,)):
                replace_profile(store, old["id"])
                status = "replaced"
            store.execute(
                "INSERT INTO profiles (id, source, format, kind, declared_name, sha256, n_records, ingested_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (pid, source, fmt.name, kind, None, digest, _now()),
            )
            store.execute(
                "INSERT INTO ingest_checkpoints (profile_id, line, byte_offset, records, rejected, complete, options, updated_at)"
                " VALUES (?, 0, 0, 0, 0, 0, ?, ?)",
                (pid, options.signature(), _now()),
            )
    work = _Ingest(store, source, pid, fmt, options)
    result = StreamResult(status=status, profile_id=pid, resumed_from_line=start_line)
    size = p.stat().st_size
    gz = is_gzip(p)
    batch: list[Prepared] = []
    state = {"line": start_line, "offset": start_offset, "stored": records_done, "bad": rejected, "this_run": 0}

    def commit(at_line: int, at_offset: int, done: bool) -> None:
        with store.transaction():
            if batch:
                work.write_batch(batch)
            state["stored"] += len(batch)
            if done:
                result.notes.extend(work.finish())
            store.execute(
                "UPDATE ingest_checkpoints SET line = ?, byte_offset = ?, records = ?, rejected = ?, complete = ?, updated_at = ?"
                " WHERE profile_id = ?",
                (at_line, at_offset, state["stored"], state["bad"], int(done), _now(), pid),
            )
            store.execute("UPDATE profiles SET n_records = ? WHERE id = ?", (state["stored"], pid))
        batch.clear()
        if progress:
            done_records = state["stored"] - records_done
            frac = (at_offset - start_offset) / max(1, size - start_offset) if not gz else 0.0
            total = int(done_records / frac) if frac > 0 else 0
            progress("records", done_records, max(total, done_records))

    workers = options.workers if options.workers is not None else (default_workers() if size > PARALLEL_MIN_BYTES or gz else 0)
    results = _parsed_chunks(p, fmt, options, start_line, start_offset, workers)
    complete = False
    stopped = False
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_ckpt = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB page cache while bulk-loading
    # Checkpoint the WAL every ~256 MiB rather than every commit: index pages that several
    # batches touch are copied into the database once.
    conn.execute("PRAGMA wal_autocheckpoint = 65536")
    try:
        try:
            for end_line, end_offset, entries in results:
                for entry in entries:
                    if isinstance(entry, Prepared):
                        batch.append(entry)
                        state["this_run"] += 1
                        state["line"], state["offset"] = entry.line, entry.offset
                        if len(batch) >= options.batch_size:
                            commit(state["line"], state["offset"], False)
                        if options.limit is not None and state["this_run"] >= options.limit:
                            stopped = True
                            break
                        continue
                    line, offset, error, raw = entry
                    if not options.skip_bad:
                        commit(line - 1, offset - len(raw), False)
                        raise error
                    state["bad"] += 1
                    rejects.add(error, source, line, raw)
                    state["line"], state["offset"] = line, offset
                if stopped:
                    break
                state["line"], state["offset"] = end_line, end_offset
            else:
                complete = True
        except ParseError as exc:
            if exc.expected != "a complete gzip stream":
                raise
            exc.format = exc.format or fmt.name
            if not options.skip_bad:  # a truncated or corrupt gzip: keep what was read before it
                commit(state["line"], state["offset"], False)
                raise
            state["bad"] += 1
            rejects.add(exc, source, exc.line)
            complete = True
        finally:
            results.close()
        commit(state["line"], state["offset"], complete)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old_cache)}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(old_ckpt)}")
    result.records = state["stored"]
    result.lines = state["line"]
    result.rejected = state["bad"]
    result.new_papers = work.new_papers
    result.merged_papers = work.merged
    result.complete = complete
    result.seconds = time.perf_counter() - started
    if not complete:
        result.notes.append(f"stopped after {state['this_run']} records (--limit); run again to continue")
    return result


# -- parsing, in worker processes for big files ----------------------------------------------
#: Files above this size (and every gzip file) are parsed by worker processes.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
#: Lines per task sent to a worker.
CHUNK_LINES = 2_000
#: Seconds a worker may take over one chunk before the ingest gives up (a crashed worker).
WORKER_TIMEOUT = 600


def default_workers() -> int:
    """Parser processes beside the writer: one per core, at most 3 (then the writer is the limit).

    Parsing costs more CPU per record than writing, so on two cores two parsers share the
    cores with the writer."""
    return max(1, min(3, os.cpu_count() or 2))


def _parse_chunk(
    fmt_name: str, source: str, since: int | None, categories: tuple[str, ...], chunk: list[tuple[int, int, bytes]]
) -> list[Any]:
    """Parse lines into :class:`Prepared` records, or ``(line, offset, error, raw)`` for bad ones."""
    from .formats import get_format

    fmt = get_format(fmt_name)
    assert fmt.stream is not None
    keep = StreamOptions(since=since, categories=categories).keep
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


def _error_from(entry: tuple[int, int, tuple[str, dict[str, Any]], bytes]) -> tuple[int, int, ParseError, bytes]:
    line, offset, (message, d), raw = entry
    err = ParseError(message, source=d.get("source"), format=d.get("format"), line=d.get("line"),
                     record=d.get("record"), expected=d.get("expected"))  # fmt: skip
    return line, offset, err, raw


class _ChunkStream:
    """``(end_line, end_offset, entries)`` per chunk of lines, in file order; parsed in-process or by a pool."""

    def __init__(self, path: Path, fmt: Format, options: StreamOptions, start_line: int, start_offset: int, workers: int) -> None:
        self.args = (fmt.name, str(path), options.since, options.categories)
        self.lines = iter_lines(path, start_line, start_offset)
        self.workers = workers
        self.pool: Any = None

    def _chunks(self) -> Iterator[list[tuple[int, int, bytes]]]:
        chunk: list[tuple[int, int, bytes]] = []
        try:
            for item in self.lines:
                chunk.append(item)
                if len(chunk) >= CHUNK_LINES:
                    yield chunk
                    chunk = []
        except ParseError:  # a truncated gzip: hand on the lines read before it, then the error
            if chunk:
                yield chunk
            raise
        if chunk:
            yield chunk

    def __iter__(self) -> Iterator[tuple[int, int, list[Any]]]:
        if self.workers <= 0:
            for chunk in self._chunks():
                yield chunk[-1][0], chunk[-1][1], self._fix(_parse_chunk(*self.args, chunk))
            return
        import multiprocessing as mp

        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["scholarlens.streaming"])
        self.pool = ctx.Pool(self.workers)
        pending: deque[tuple[int, int, Any]] = deque()
        depth = self.workers * 3  # chunks in flight: bounds memory
        try:
            for chunk in self._chunks():
                pending.append((chunk[-1][0], chunk[-1][1], self.pool.apply_async(_parse_chunk, (*self.args, chunk))))
                while len(pending) > depth:
                    end_line, end_offset, res = pending.popleft()
                    yield end_line, end_offset, self._fix(res.get(timeout=WORKER_TIMEOUT))
        except ParseError:
            while pending:
                end_line, end_offset, res = pending.popleft()
                yield end_line, end_offset, self._fix(res.get(timeout=WORKER_TIMEOUT))
            raise
        while pending:
            end_line, end_offset, res = pending.popleft()
            yield end_line, end_offset, self._fix(res.get(timeout=WORKER_TIMEOUT))

    @staticmethod
    def _fix(entries: list[Any]) -> list[Any]:
        return [e if isinstance(e, Prepared) else _error_from(e) for e in entries]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.lines.close()  # type: ignore[attr-defined]


def _parsed_chunks(path: Path, fmt: Format, options: StreamOptions, start_line: int, start_offset: int, workers: int) -> Any:
    stream = _ChunkStream(path, fmt, options, start_line, start_offset, workers)

    class _Iter:
        def __init__(self) -> None:
            self._it = iter(stream)

        def __iter__(self) -> Any:
            return self._it

        def close(self) -> None:
            stream.close()

    return _Iter()


def is_json_lines(head: str) -> bool:
    """Whether a file's head is JSON lines: the formats' rule (a one-line API response that
    wraps its records is a document, never JSON lines)."""
    from .formats import is_json_lines as formats_is_json_lines

    return formats_is_json_lines(head)


__all__ = ["BATCH_SIZE", "Rejects", "StreamOptions", "StreamResult", "is_json_lines", "record_keys", "stream_file"]
