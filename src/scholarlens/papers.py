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
import re
from dataclasses import dataclass
from typing import Any

import orjson

from .formats._records import clean
from .names import family_key
from .records import ParsedPaper
from .stores import Store
from .text import (
    FINGERPRINT_CHARS,
    HEAD_KEY_CHARS,
    content_hash,
    fold,
    same_abstract,
    strip_abstract_prefix,
    transliterate,
)

#: Titles shorter than this (normalised) must also agree on abstract or year to match.
MIN_TITLE_KEY = 25
#: Identifier schemes that name one work each: two different values never merge. Records ids
#: of aggregators (``s2``, ``openalex``) are not among them: they often hold several records
#: of one work (a conference and a journal version), which titles and abstracts then join.
WORK_SCHEMES = frozenset({"doi", "arxiv"})
#: Years further apart than this conflict (a preprint and its journal version are a year apart).
MAX_YEAR_GAP = 1

_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?|[{}$]")
_NOT_ALNUM_ASCII = [chr(i) for i in range(128) if not ("0" <= chr(i) <= "9" or "a" <= chr(i) <= "z")]
_DROP = str.maketrans({c: None for c in _NOT_ALNUM_ASCII})


@dataclass(frozen=True)
class RecordKeys:
    """What deduplication compares of a record (see :func:`same_work`)."""

    title_key: str | None
    abstract_fp: str | None
    abstract_head: str | None
    identifiers: dict[str, str]
    year: int | None
    families: frozenset[str] = frozenset()
    """Folded family names of the authors (``disjoint author lists`` is judged on these)."""


def record_keys(paper: ParsedPaper) -> RecordKeys:
    """The deduplication keys of a record: normalised title, abstract fingerprint and its
    head, lower-cased identifiers, year and the authors' family names.

    Equal to :func:`~scholarlens.text.title_key` / :func:`~scholarlens.text.abstract_fingerprint`
    of the fields (the property tests pin it), with the fast paths of clean text."""
    tk = None
    if paper.title:
        tk = fold(_LATEX_CMD.sub(" ", clean(paper.title) or "")) or None
    fp = None
    if paper.abstract:
        body = _LATEX_CMD.sub(" ", strip_abstract_prefix(clean(paper.abstract) or ""))
        fp = transliterate(body).lower().translate(_DROP)[:FINGERPRINT_CHARS] or None
    return RecordKeys(
        title_key=tk,
        abstract_fp=fp,
        abstract_head=fp[:HEAD_KEY_CHARS] if fp and len(fp) >= HEAD_KEY_CHARS else None,
        identifiers={k: v.lower() for k, v in paper.identifiers.items() if v},
        year=paper.year,
        families=frozenset(f for f in (family_key(a.name) for a in paper.authors) if f),
    )


keys_of = record_keys  # the name the matching code has always used


def stored_keys(title_key: str | None, abstract_fp: str | None, abstract_head: str | None, record: str) -> RecordKeys:
    """The keys of a stored source (``paper_sources`` columns and its record JSON)."""
    data = orjson.loads(record)
    year = data.get("year")
    return RecordKeys(
        title_key=title_key,
        abstract_fp=abstract_fp,
        abstract_head=abstract_head,
        identifiers={k: str(v).lower() for k, v in (data.get("identifiers") or {}).items() if v},
        year=int(year) if year else None,
        families=frozenset(f for f in (family_key(a["name"]) for a in data.get("authors") or ()) if f),
    )


def _ids_conflict(a: RecordKeys, b: RecordKeys) -> bool:
    """Both carry a work identifier of one kind (two DOIs, two arXiv ids) and the values differ."""
    return any(s in WORK_SCHEMES and s in b.identifiers and b.identifiers[s] != v for s, v in a.identifiers.items())


def _years_and_authors_conflict(a: RecordKeys, b: RecordKeys) -> bool:
    """Years more than :data:`MAX_YEAR_GAP` apart and author lists without a shared family name
    (volumes of a book series share the title, not the year or the authors)."""
    return (
        a.year is not None and b.year is not None and abs(a.year - b.year) > MAX_YEAR_GAP
        and bool(a.families) and bool(b.families) and not (a.families & b.families)
    )  # fmt: skip


def same_work(a: RecordKeys, b: RecordKeys) -> str | None:
    """Whether two records are the same work, and by what: ``identifier`` (a shared
    identifier), ``title`` (the same normalised title; a short one must also agree on the
    abstract or the year), ``exact`` or ``near-duplicate`` (the same abstract, allowing a
    truncated tail or small edits); ``None`` when they are not.

    Different work identifiers of one kind (:data:`WORK_SCHEMES`) never merge, whatever the
    titles or abstracts say; a
    title match with conflicting years and disjoint author lists is not the same work.
    The relation is symmetric, so grouping by it does not depend on arrival order."""
    if any(b.identifiers.get(s) == v for s, v in a.identifiers.items()):
        return "identifier"
    if _ids_conflict(a, b):
        return None
    tk = a.title_key
    if tk and tk == b.title_key and not _years_and_authors_conflict(a, b):
        if (
            len(tk) >= MIN_TITLE_KEY
            or (a.abstract_fp and b.abstract_fp and same_abstract(a.abstract_fp, b.abstract_fp))
            or (a.year is not None and a.year == b.year)
        ):
            return "title"
    if a.abstract_head and a.abstract_head == b.abstract_head and a.abstract_fp and b.abstract_fp:
        if a.abstract_fp == b.abstract_fp:
            return "exact"
        if same_abstract(a.abstract_fp, b.abstract_fp):
            return "near-duplicate"
    return None


def candidate_sources(store: Store, keys: RecordKeys) -> list[dict[str, Any]]:
    """Stored sources sharing the title key or the abstract head of ``keys`` (to judge with
    :func:`same_work`): rows of ``id, paper_id, profile_id`` and their ``keys``."""
    rows: dict[int, dict[str, Any]] = {}
    sql = "SELECT id, paper_id, profile_id, title_key, abstract_fp, abstract_head, record FROM paper_sources WHERE "
    if keys.title_key:
        for r in store.query(sql + "title_key = ?", (keys.title_key,)):
            rows[r["id"]] = r
    if keys.abstract_head and keys.abstract_fp:
        for r in store.query(sql + "abstract_head = ?", (keys.abstract_head,)):
            rows[r["id"]] = r
    out = []
    for r in rows.values():
        r["keys"] = stored_keys(r["title_key"], r["abstract_fp"], r["abstract_head"], r.pop("record"))
        out.append(r)
    return out


def papers_with_identifiers(store: Store, identifiers: dict[str, str]) -> set[int]:
    """Stored papers that carry any of these identifiers."""
    found: set[int] = set()
    for scheme, value in identifiers.items():
        for row in store.query("SELECT paper_id FROM identifiers WHERE scheme = ? AND value = ?", (scheme, value)):
            found.add(row["paper_id"])
    return found


def find_matches(store: Store, keys: RecordKeys) -> set[int]:
    """Ids of stored papers that are the same work as a record with these keys."""
    found = papers_with_identifiers(store, keys.identifiers)
    for row in candidate_sources(store, keys):
        if row["paper_id"] not in found and same_work(keys, row["keys"]):
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
