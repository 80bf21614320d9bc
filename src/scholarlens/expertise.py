"""The expertise engine: who knows about X, who should review this paper.

Every answer is a ranked list of people, each with a score, the evidence (their papers that
made the match, each with its similarity and the weight it has in the score) and a sentence
saying how the score was put together (see :mod:`scholarlens.scoring` for the methods).

* :func:`find_experts` — people of the knowledge base ranked for a topic.
* :func:`suggest_reviewers` — the same for a submission, with conflicts of interest marked.

The batch mode (every submission × reviewer) is :mod:`scholarlens.affinity`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalog import paper_text
from .conflicts import person_conflicts
from .embeddings import Encoder, embed_cached
from .errors import QueryError
from .index import DenseIndex, LexicalIndex, check_query
from .index.engine import engine_for
from .records import ParsedPaper, Progress
from .scoring import Method, aggregate, get_method, paper_weights
from .stores import Store

log = logging.getLogger("scholarlens")

#: Evidence papers listed per person.
EVIDENCE = 5


@dataclass
class Pool:
    """Papers that carry evidence, and which person wrote which (column indexes)."""

    ids: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    titles: list[str | None] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    n_authors: list[int] = field(default_factory=list)
    #: person key -> [(column, author position or None)]
    people: dict[Any, list[tuple[int, int | None]]] = field(default_factory=dict)
    names: dict[Any, str] = field(default_factory=dict)

    def weights(
        self, cols_pos: list[tuple[int, int | None]], method: Method, newest: int | None
    ) -> tuple[list[int], np.ndarray]:
        """One person's columns and their paper weights under ``method``."""
        cols = [c for c, _ in cols_pos]
        w = paper_weights(
            method,
            [self.n_authors[c] for c in cols],
            [self.years[c] for c in cols],
            [p for _, p in cols_pos],
            newest,
        )
        return cols, w

    def add_paper(
        self, pid: Any, text: str, title: str | None, year: int | None, n_authors: int
    ) -> int:
        self.ids.append(pid)
        self.texts.append(text)
        self.titles.append(title)
        self.years.append(year)
        self.n_authors.append(n_authors)
        return len(self.ids) - 1


def _similarities(
    pool: Pool,
    vectors: np.ndarray,
    query_texts: list[str],
    query_vectors: np.ndarray,
    method: Method,
) -> np.ndarray:
    sims = np.zeros((len(query_texts), len(pool.ids)), dtype=np.float32)
    if method.dense:
        sims += method.dense * DenseIndex(pool.ids, vectors).similarities_to(query_vectors)
    if method.lexical:
        sims += method.lexical * LexicalIndex(pool.ids, pool.texts, extra=query_texts).similarities(
            query_texts
        )
    return sims


def _rank(
    pool: Pool,
    sims: np.ndarray,
    method: Method,
    candidates: Sequence[Any] | None = None,
) -> list[list[tuple[Any, float, list[dict[str, Any]]]]]:
    """For each query row: [(person, score, evidence)] best first."""
    newest = max((y for y in pool.years if y), default=None)
    per_query: list[list[tuple[Any, float, list[dict[str, Any]]]]] = [
        [] for _ in range(sims.shape[0])
    ]
    for person in candidates if candidates is not None else pool.people:
        cols_pos = pool.people.get(person, [])
        if not cols_pos:
            continue
        cols, w = pool.weights(cols_pos, method, newest)
        scores, contrib = aggregate(sims[:, cols], w, method)
        for q in range(sims.shape[0]):
            order = np.lexsort((-sims[q, cols], -contrib[q]))[:EVIDENCE]
            evidence = [
                {
                    "paper_id": pool.ids[cols[j]],
                    "title": pool.titles[cols[j]],
                    "year": pool.years[cols[j]],
                    "similarity": round(float(sims[q, cols[j]]), 4),
                    "weight": round(float(contrib[q, j]), 4),
                }
                for j in order
            ]
            per_query[q].append((person, float(scores[q]), evidence))
    for rows in per_query:
        rows.sort(key=lambda r: (-r[1], str(pool.names.get(r[0], r[0]))))
    return per_query


# -- the knowledge base as a pool --------------------------------------------------------


def _kb_pool(store: Store) -> Pool:
    pool = Pool()
    col: dict[int, int] = {}
    for r in store.query("SELECT id, title, abstract, year, n_authors FROM papers ORDER BY id"):
        text = paper_text(r["title"], r["abstract"])
        if text is None:
            continue
        col[r["id"]] = pool.add_paper(
            r["id"], text, r["title"], r["year"], int(r["n_authors"] or 0)
        )
    counts: Counter[int] = Counter()
    for r in store.query(
        "SELECT a.paper_id, a.position, a.person_id, p.name FROM authorships a JOIN people p ON p.id = a.person_id ORDER BY a.paper_id, a.position"
    ):
        c = col.get(r["paper_id"])
        counts[r["paper_id"]] += 1
        if c is None:
            continue
        pool.people.setdefault(r["person_id"], []).append((c, r["position"]))
        pool.names[r["person_id"]] = r["name"]
    for pid, c in col.items():
        pool.n_authors[c] = max(pool.n_authors[c], counts[pid], 1)
    # Papers of a profile whose owner is known count for the owner even without an author list.
    for r in store.query(
        "SELECT DISTINCT s.paper_id, pr.owner_person_id, pe.name FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
        "JOIN people pe ON pe.id = pr.owner_person_id WHERE pr.owner_person_id IS NOT NULL"
    ):
        c = col.get(r["paper_id"])
        person = r["owner_person_id"]
        if c is None or any(cc == c for cc, _ in pool.people.get(person, [])):
            continue
        pool.people.setdefault(person, []).append((c, None))
        pool.names[person] = r["name"]
    return pool


def _kb_vectors(
    store: Store, pool: Pool, encoder: Encoder, progress: Progress | None
) -> np.ndarray:
    cb = (lambda d, t: progress("embedding papers", d, t)) if progress else None
    return embed_cached(store, encoder, pool.texts, progress=cb)


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise QueryError(f"limit must be at least 1 (got {limit})")


def find_experts(
    store: Store,
    query: str,
    limit: int = 10,
    *,
    encoder: Encoder,
    method: str | Method | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """People of the knowledge base ranked by expertise in ``query`` (a topic or an abstract).

    Each result: ``person_id, name, score, rank, evidence, explanation``. Paper embeddings are
    cached in the knowledge base by text hash and model id; the query itself is not cached.
    """
    query = check_query(query)
    _check_limit(limit)
    m = get_method(method)
    return _engine_results(store, query, m, encoder, limit, progress=progress)


def _engine_results(
    store: Store,
    text: str,
    m: Method,
    encoder: Encoder,
    limit: int,
    *,
    exclude: Sequence[int] = (),
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """The top ``limit`` people from the persistent index (:mod:`scholarlens.index.engine`),
    with evidence built for them only; equal to ranking every person with :func:`_rank_text`."""
    engine = engine_for(store)
    engine.snapshot(encoder if m.dense else None, progress=progress)
    hits = engine.rank(text, m, limit, encoder=encoder, exclude=exclude)
    evidence = {h.person_id: h.evidence(EVIDENCE) for h in hits}
    ids = sorted({pid for ev in evidence.values() for pid, _, _ in ev})
    titles = {r["id"]: r for r in store.query_in("SELECT id, title, year FROM papers WHERE id IN ({marks})", ids)}
    out = []
    for rank, h in enumerate(hits, start=1):
        ev = [
            {
                "paper_id": pid,
                "title": titles[pid]["title"] if pid in titles else None,
                "year": titles[pid]["year"] if pid in titles else None,
                "similarity": round(s, 4),
                "weight": round(w, 4),
            }
            for pid, s, w in evidence[h.person_id]
        ]
        n = h.n_papers
        shown = [e for e in ev if (e["weight"] or 0) > 0]
        out.append(
            {
                "person_id": h.person_id,
                "name": h.name,
                "score": round(h.score, 4),
                "rank": rank,
                "evidence": ev,
                "explanation": f"{m.describe()} {n} usable paper{'s' if n != 1 else ''}; "
                f"{len(shown)} shown with weight > 0.",
            }
        )
    return out


def _rank_text(
    store: Store, text: str, m: Method, enc: Encoder, progress: Progress | None
) -> tuple[Pool, list[tuple[Any, float, list[dict[str, Any]]]]] | None:
    """Every person of the knowledge base ranked for one text by re-reading and re-scoring
    everything (None when nobody has papers): the reference the index engine is tested
    against (tests/engine) and the benchmarks compare with; queries use the engine."""
    pool = _kb_pool(store)
    if not pool.people:
        return None
    vectors = _kb_vectors(store, pool, enc, progress)
    qv = enc.encode([text]) if m.dense else np.zeros((1, enc.dim), dtype=np.float32)
    return pool, _rank(pool, _similarities(pool, vectors, [text], qv, m), m)[0]


def _submission(paper: str | ParsedPaper) -> tuple[str, list[str]]:
    if isinstance(paper, ParsedPaper):
        text = paper_text(paper.title, paper.abstract)
        if text is None:
            raise QueryError("the submission has neither a title nor an abstract")
        return check_query(text), [a.name for a in paper.authors]
    return check_query(paper), []


def conflicts(store: Store, authors: Sequence[str], policy: Any = None) -> dict[int, dict[str, Any]]:
    """person id -> ``{"name", "reason": "author"|"coauthor"|..., "with": [names], "strength",
    "explanation", "evidence"}`` for ``authors``, judged by the conflict policy (:mod:`scholarlens.conflicts`:
    window in years, author cap, institutions, declared conflicts); ``weak`` ones are marked
    but not excluded."""
    out: dict[int, dict[str, Any]] = {}
    for pid, found in person_conflicts(store, authors, policy).items():
        top = found[0]
        also = {a for c in found for a in [c.author, *c.evidence.get("also_with", [])]}
        out[pid] = {
            "name": top.reviewer_name,
            "reason": "author" if top.kind == "same-person" else top.kind,
            "with": sorted(also),
            "strength": top.strength,
            "explanation": top.describe(),
            "evidence": top.evidence,
        }
    return out


def suggest_reviewers(
    store: Store,
    paper: str | ParsedPaper,
    authors: list[str] | None = None,
    limit: int = 10,
    *,
    encoder: Encoder,
    method: str | Method | None = None,
    exclude_conflicts: bool = False,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """People ranked as reviewers of ``paper`` (text, or a parsed paper), conflicts marked.

    A candidate is in conflict as ``author`` (is one of ``authors``, or of the parsed paper's
    authors when ``authors`` is None), ``coauthor`` (shares a stored paper with one inside the
    policy's window), ``institution`` or ``declared`` (see :func:`conflicts`). Conflicted
    candidates stay in the ranking, marked, unless ``exclude_conflicts`` (hard ones only).
    """
    text, paper_authors = _submission(paper)
    _check_limit(limit)
    names = [a for a in (authors if authors is not None else paper_authors) if a and a.strip()]
    coi = conflicts(store, names)
    m = get_method(method)
    hard = [p for p, c in coi.items() if c.get("strength") == "hard"]
    out = _engine_results(store, text, m, encoder, limit, exclude=hard if exclude_conflicts else (), progress=progress)
    for r in out:
        r["conflict"] = coi.get(r["person_id"])
    return out


__all__ = ["Pool", "conflicts", "find_experts", "suggest_reviewers"]
