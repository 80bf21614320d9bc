"""Papers: deduplicating records from many sources into one paper each.

A record joins a stored paper when they share an identifier, a normalised title, or a
near-identical abstract (whitespace, prefix, markup, accents and a truncated tail ignored).
Matching is against *every* source of a paper, and a record that matches several papers
merges them, so the grouping is the connected components of the match relation: the same
whatever order files arrive in. A paper's displayed fields are recomputed from all its
sources by fixed rules (longest abstract, fullest author list, ...), also order-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .models import ParsedPaper
from .stores import Store
from .text import abstract_fingerprint, abstract_head_key, content_hash, same_abstract, title_key

#: Titles shorter than this (normalised) must also agree on abstract or year to match.
MIN_TITLE_KEY = 25


@dataclass
class RecordKeys:
    title_key: str | None
    abstract_fp: str | None
    abstract_head: str | None
    identifiers: dict[str, str]
    year: int | None


def keys_of(paper: ParsedPaper) -> RecordKeys:
    fp = abstract_fingerprint(paper.abstract)
    return RecordKeys(
        title_key=title_key(paper.title),
        abstract_fp=fp,
        abstract_head=abstract_head_key(fp),
        identifiers={k: v.lower() for k, v in paper.identifiers.items() if v},
        year=paper.year,
    )


def _record_year(record: str) -> int | None:
    year = json.loads(record).get("year")
    return int(year) if year else None


def find_matches(store: Store, keys: RecordKeys) -> set[int]:
    """Ids of stored papers that are the same work as a record with these keys."""
    found: set[int] = set()
    for scheme, value in keys.identifiers.items():
        for row in store.query("SELECT paper_id FROM identifiers WHERE scheme = ? AND value = ?", (scheme, value)):
            found.add(row["paper_id"])
    if keys.title_key:
        for row in store.query(
            "SELECT paper_id, abstract_fp, record FROM paper_sources WHERE title_key = ?", (keys.title_key,)
        ):
            if len(keys.title_key) >= MIN_TITLE_KEY:
                found.add(row["paper_id"])
            elif keys.abstract_fp and row["abstract_fp"] and same_abstract(keys.abstract_fp, row["abstract_fp"]):
                found.add(row["paper_id"])
            elif keys.year is not None and keys.year == _record_year(row["record"]):
                found.add(row["paper_id"])
    if keys.abstract_head and keys.abstract_fp:
        for row in store.query(
            "SELECT paper_id, abstract_fp FROM paper_sources WHERE abstract_head = ?", (keys.abstract_head,)
        ):
            if row["abstract_fp"] and same_abstract(keys.abstract_fp, row["abstract_fp"]):
                found.add(row["paper_id"])
    return found


def new_paper(store: Store) -> int:
    return int(store.scalar("INSERT INTO papers (n_authors) VALUES (0) RETURNING id"))


def merge_papers(store: Store, keep: int, drop: int) -> None:
    """Fold paper ``drop`` into ``keep`` (sources and identifiers move; ``drop`` goes)."""
    store.execute("UPDATE paper_sources SET paper_id = ? WHERE paper_id = ?", (keep, drop))
    store.execute("UPDATE identifiers SET paper_id = ? WHERE paper_id = ?", (keep, drop))
    store.execute("DELETE FROM authorships WHERE paper_id = ?", (drop,))
    store.execute("DELETE FROM paper_organisations WHERE paper_id = ?", (drop,))
    store.execute("DELETE FROM papers WHERE id = ?", (drop,))


def add_source(store: Store, paper_id: int, profile_id: str, ordinal: int, paper: ParsedPaper, keys: RecordKeys) -> None:
    store.execute(
        "INSERT INTO paper_sources (paper_id, profile_id, ordinal, line, title_key, abstract_fp, abstract_head, record)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            paper_id,
            profile_id,
            ordinal,
            paper.line,
            keys.title_key,
            keys.abstract_fp,
            keys.abstract_head,
            json.dumps(paper.to_dict(), ensure_ascii=False, sort_keys=True),
        ),
    )
    for scheme, value in keys.identifiers.items():
        store.execute(
            "INSERT INTO identifiers (scheme, value, paper_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (scheme, value, paper_id),
        )


def sources_of(store: Store, paper_id: int) -> list[ParsedPaper]:
    rows = store.query(
        "SELECT s.record FROM paper_sources s JOIN profiles p ON p.id = s.profile_id "
        "WHERE s.paper_id = ? ORDER BY p.sha256, s.ordinal",
        (paper_id,),
    )
    return [ParsedPaper.from_dict(json.loads(r["record"])) for r in rows]


def _author_rank(p: ParsedPaper) -> tuple[Any, ...]:
    return (p.authors_complete and bool(p.authors), len(p.authors), [a.name for a in p.authors])


def canonical_record(records: list[ParsedPaper]) -> ParsedPaper:
    """One record from all sources of a paper, by rules that ignore arrival order."""
    titled = [r.title for r in records if r.title]
    title = max(titled, key=lambda t: (len(t), t)) if titled else None
    abstracts = [r.abstract for r in records if r.abstract]
    abstract = max(abstracts, key=lambda a: (len(a), a)) if abstracts else None
    best_authors = max(records, key=_author_rank)
    dated = [r for r in records if r.year]
    dated.sort(key=lambda r: (-(r.day is not None) - (r.month is not None), r.year or 0, r.month or 0, r.day or 0))
    best_date = dated[0] if dated else next((r for r in records if r.month), None)
    cats = sorted({r.category for r in records if r.category})
    venues = sorted({r.venue for r in records if r.venue})
    ids: dict[str, str] = {}
    for r in sorted(records, key=lambda r: json.dumps(r.identifiers, sort_keys=True)):
        for k, v in r.identifiers.items():
            ids.setdefault(k, v)
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=best_authors.authors,
        authors_complete=best_authors.authors_complete,
        year=best_date.year if best_date else None,
        month=best_date.month if best_date else None,
        day=best_date.day if best_date else None,
        category=cats[0] if cats else None,
        has_code=any(r.has_code for r in records),
        organisations=sorted({o for r in records for o in r.organisations}),
        venue=venues[0] if venues else None,
        identifiers=ids,
    )


def refresh_paper(store: Store, paper_id: int) -> ParsedPaper:
    """Recompute a paper's stored fields from its sources; returns the canonical record."""
    records = sources_of(store, paper_id)
    canon = canonical_record(records)
    store.execute(
        "UPDATE papers SET title = ?, abstract = ?, year = ?, month = ?, day = ?, category = ?, has_code = ?,"
        " venue = ?, n_authors = ?, authors_complete = ?, content_hash = ? WHERE id = ?",
        (
            canon.title,
            canon.abstract,
            canon.year,
            canon.month,
            canon.day,
            canon.category,
            int(canon.has_code),
            canon.venue,
            len(canon.authors),
            int(canon.authors_complete),
            content_hash(canon.title, canon.abstract),
            paper_id,
        ),
    )
    store.execute("DELETE FROM paper_organisations WHERE paper_id = ?", (paper_id,))
    for org in canon.organisations:
        store.execute("INSERT INTO paper_organisations (paper_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", (paper_id, org))
    return canon
