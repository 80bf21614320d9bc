"""Matching a profile's papers to stored papers, with the evidence of how they matched.

Used by ``whois`` (:mod:`scholarlens.whois`) and by owner resolution in the store
(:mod:`scholarlens.owners`, :mod:`scholarlens.profiles`). A profile paper matches a stored paper through, in
order of strength:

``identifier``, ``title``, ``exact``, ``near-duplicate``
                the rule of deduplication, :func:`scholarlens.papers.same_work` (a shared
                identifier; the same normalised title; the same abstract, exactly or with a
                truncated tail or small edits);
``overlap``     most word 4-grams of the shorter abstract occur in the other: survives a
                missing or extra leading sentence, truncation at either end, re-wrapping and
                the odd garbled word.

Sources of *excluded* profiles never count (whois of an ingested file must not find itself).
The overlap index is an object its owner keeps (the knowledge base holds one and passes it
in); without one, a call builds its own.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .names import names_compatible, person_key
from .papers import candidate_sources, papers_with_identifiers, record_keys, same_work
from .people import lookup
from .records import ParsedPaper
from .stores import Store
from .text import clean_text, fold, strip_abstract_prefix

#: Words per shingle for overlap matching.
SHINGLE_WORDS = 4
#: Share of the shorter abstract's shingles that must occur in the other.
MIN_OVERLAP = 0.6
#: Fewer shingles than this is too little text to claim identity on.
MIN_SHINGLES = 12
#: Shingles found in more stored abstracts than this are stock phrases, not evidence.
MAX_POSTINGS = 40

STRENGTH = ("identifier", "title", "exact", "near-duplicate", "overlap")


@dataclass
class PaperEvidence:
    """What one profile paper tells about its owner."""

    ordinal: int
    title: str | None
    abstract_head: str | None
    paper_ids: list[int] = field(default_factory=list)
    match: str | None = None
    """Strongest way it matched a stored paper (one of :data:`STRENGTH`), or ``own``."""
    authors: dict[int, int] = field(default_factory=dict)
    """Person id → position on the author list."""
    n_authors: int = 0
    authors_complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper": self.ordinal + 1,
            "title": self.title,
            "abstract": self.abstract_head,
            "paper_ids": self.paper_ids,
            "match": self.match,
            "authors": self.n_authors,
            "authors_complete": self.authors_complete,
        }


def shingles(text: str | None) -> set[int]:
    """Hashes of consecutive word 4-grams of a folded abstract."""
    if not text:
        return set()
    words = fold(strip_abstract_prefix(clean_text(text))).split()
    return {hash(" ".join(words[i : i + SHINGLE_WORDS])) for i in range(max(0, len(words) - SHINGLE_WORDS + 1))}


#: Sources added per step of :meth:`OverlapIndex.refresh` (between two ``stop()`` calls).
REFRESH_CHUNK = 100


class OverlapIndex:
    """In-memory inverted index of stored abstracts' shingles, grown incrementally.

    One index serves one store; :meth:`refresh` adds the sources stored since the last call."""

    def __init__(self) -> None:
        self.last_id = 0
        self.postings: dict[int, list[int]] = {}
        self.sizes: dict[int, int] = {}
        self.profile_of: dict[int, str] = {}
        self.lock = threading.Lock()

    def refresh(self, store: Store, stop: Callable[[], bool] | None = None) -> OverlapIndex:
        """Add the sources stored since the last call; ``stop()`` (called every 100 sources,
        outside the lock: it may wait there while another thread refreshes) ends early, and
        the next call goes on from there. Threads may refresh at once: each source is added
        once, by whichever thread reaches it first."""
        rows = store.query(
            "SELECT id, profile_id, record FROM paper_sources WHERE id > ? AND abstract_fp IS NOT NULL ORDER BY id",
            (self.last_id,),
        )
        for a in range(0, len(rows), REFRESH_CHUNK):
            if stop is not None and stop():
                return self
            with self.lock:
                self._add(rows[a : a + REFRESH_CHUNK])
        return self

    def _add(self, rows: list[Any]) -> None:
        for r in rows:
            if r["id"] <= self.last_id:  # another thread added it
                continue
            sh = shingles(json.loads(r["record"]).get("abstract"))
            self.last_id = r["id"]
            if len(sh) < MIN_SHINGLES:
                continue
            self.sizes[r["id"]] = len(sh)
            self.profile_of[r["id"]] = r["profile_id"]
            for s in sh:
                self.postings.setdefault(s, []).append(r["id"])

    def search(self, query: set[int], exclude: set[str]) -> list[int]:
        """Source ids whose abstract overlaps the query's enough, best first."""
        if len(query) < MIN_SHINGLES:
            return []
        hits: Counter[int] = Counter()
        for s in query:
            post = self.postings.get(s)
            if post and len(post) <= MAX_POSTINGS:
                hits.update(post)
        out = []
        for sid, n in hits.most_common():
            if self.profile_of[sid] in exclude:
                continue
            if n / min(len(query), self.sizes[sid]) >= MIN_OVERLAP:
                out.append(sid)
        return out


def _visible(store: Store, paper_id: int, exclude: set[str]) -> bool:
    if not exclude:
        return True
    marks = ",".join("?" * len(exclude))
    return bool(
        store.scalar(
            f"SELECT COUNT(*) FROM paper_sources WHERE paper_id = ? AND profile_id NOT IN ({marks})",
            (paper_id, *sorted(exclude)),
        )
    )


def match_paper(
    store: Store,
    paper: ParsedPaper,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    *,
    fuzzy: bool = True,
    overlap: OverlapIndex | None = None,
) -> tuple[set[int], str | None]:
    """Stored papers that are the same work as ``paper`` (ignoring excluded profiles' sources)."""
    keys = record_keys(paper)
    found: dict[int, str] = {}

    def note(pid: int, how: str) -> None:
        if pid not in found or STRENGTH.index(how) < STRENGTH.index(found[pid]):
            found[pid] = how

    for pid in papers_with_identifiers(store, keys.identifiers):
        if _visible(store, pid, exclude):
            note(pid, "identifier")
    for row in candidate_sources(store, keys):
        if row["profile_id"] not in exclude and (how := same_work(keys, row["keys"])):
            note(row["paper_id"], how)
    if not found and fuzzy and paper.abstract:
        index = (overlap or OverlapIndex()).refresh(store)
        sids = index.search(shingles(paper.abstract), set(exclude))
        if sids:
            marks = ",".join("?" * len(sids))
            for row in store.query(f"SELECT DISTINCT paper_id FROM paper_sources WHERE id IN ({marks})", tuple(sids)):
                note(row["paper_id"], "overlap")
    if not found:
        return set(), None
    best = min(found.values(), key=STRENGTH.index)
    return set(found), best


def paper_authors(store: Store, paper_id: int, exclude: set[str] = frozenset()) -> tuple[dict[int, int], int, bool]:  # type: ignore[assignment]
    """``(person → position, list length, complete)`` for a stored paper, as other sources tell it.

    With ``exclude``, only people whose name appears on a non-excluded source's author list
    count, so a profile never vouches for itself.
    """
    rows = store.query(  # author lists only: owners linked from profiles must not vouch for themselves
        "SELECT person_id, position, name FROM authorships WHERE paper_id = ? AND provenance = 'author list' ORDER BY position",
        (paper_id,),
    )
    meta = store.one("SELECT n_authors, authors_complete FROM papers WHERE id = ?", (paper_id,))
    n = int(meta["n_authors"]) if meta else len(rows)
    complete = bool(meta["authors_complete"]) if meta else True
    if not exclude or not rows:
        return {r["person_id"]: r["position"] for r in rows}, n, complete
    marks = ",".join("?" * len(exclude))
    names: list[str] = []
    lengths = [0]
    for r in store.query(
        f"SELECT record FROM paper_sources WHERE paper_id = ? AND profile_id NOT IN ({marks})", (paper_id, *sorted(exclude))
    ):
        authors = [a["name"] for a in json.loads(r["record"]).get("authors", [])]
        names += authors
        lengths.append(len(authors))
    if not names:
        return {}, 0, True
    keys = {person_key(x) for x in names}
    out: dict[int, int] = {}
    for r in rows:
        if person_key(r["name"]) in keys or any(names_compatible(r["name"], x) for x in names):
            out.setdefault(r["person_id"], r["position"])
    return out, max(lengths), complete


def listed_people(store: Store, paper: ParsedPaper) -> dict[int, int]:
    """People of the knowledge base named on a profile paper's own author list."""
    out: dict[int, int] = {}
    found = lookup(store, [person_key(a.name) for a in paper.authors])
    for pos, a in enumerate(paper.authors):
        person = found.get(person_key(a.name))
        if person is not None:
            out.setdefault(person, pos)
    return out


def evidence_for(
    store: Store,
    papers: list[ParsedPaper],
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    *,
    use_own_lists: bool = True,
    overlap: OverlapIndex | None = None,
) -> list[PaperEvidence]:
    """Match each profile paper and collect the people on the matched papers."""
    overlap = overlap or OverlapIndex()
    out = []
    for i, paper in enumerate(papers):
        head = clean_text(paper.abstract)[:160] if paper.abstract else None
        ev = PaperEvidence(ordinal=i, title=paper.title, abstract_head=head)
        ids, how = match_paper(store, paper, exclude, overlap=overlap)
        ev.paper_ids, ev.match = sorted(ids), how
        for pid in ev.paper_ids:
            people, n, complete = paper_authors(store, pid, exclude)
            for person, pos in people.items():
                ev.authors.setdefault(person, pos)
            ev.n_authors = max(ev.n_authors, n)
            ev.authors_complete = ev.authors_complete and complete
        if use_own_lists and paper.authors:
            for person, pos in listed_people(store, paper).items():
                ev.authors.setdefault(person, pos)
            ev.n_authors = max(ev.n_authors, len(paper.authors))
            if ev.match is None:
                ev.match = "own"
        out.append(ev)
    return out
