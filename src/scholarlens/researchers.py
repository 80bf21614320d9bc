"""Researcher pages and similar researchers.

* :func:`person_view` — one person: aliases, papers by year, topics with their weight over
  time (:mod:`scholarlens.topics`), top co-authors, organisations, similar people.
* :func:`similar_people` — people whose work is closest to a person's (shared papers left
  out, so co-authorship alone never makes two people similar) or to a list of abstracts.

Similarity of a set of query texts ``Q`` to a person's papers ``P`` (unit vectors) is the
mean of ``mean_q max_p q·p`` (each query text's best match) and the cosine of the two
centroids (the overall direction), so neither one lucky paper nor a huge output dominates.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .embeddings import Encoder, embed_cached, get_encoder
from .errors import NotFoundError
from .models import ParsedPaper, ParsedProfile
from .stores import Store
from .text import content_hash

if TYPE_CHECKING:
    from .kb import KnowledgeBase

#: Co-authors listed on a person page.
TOP_COAUTHORS = 15
#: Pairs of papers shown as evidence of a similarity.
EVIDENCE_PAIRS = 3

_cache: dict[tuple[str, str], np.ndarray] = {}
_cache_lock = threading.Lock()


def paper_text(title: str | None, abstract: str | None) -> str:
    return ". ".join(t for t in (title, abstract) if t)


def embed(encoder: Encoder, texts: list[str], store: Store | None = None) -> np.ndarray:
    """Unit vectors for texts: memoised in-process by (model id, content hash), and cached in
    the store's embedding table (:func:`~scholarlens.embeddings.embed_cached`) when given one."""
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    keys = [(encoder.model_id, content_hash(t)) for t in texts]
    with _cache_lock:
        todo: dict[tuple[str, str], str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in _cache:
                todo.setdefault(k, t)
    if todo:
        vecs = embed_cached(store, encoder, list(todo.values()))
        with _cache_lock:
            for k, v in zip(todo, vecs, strict=True):
                _cache[k] = v
    with _cache_lock:
        return np.stack([_cache[k] for k in keys]).astype(np.float32)


class _PaperMatrix:
    """Every stored paper's vector, and which people wrote which rows."""

    def __init__(self, store: Store, encoder: Encoder, exclude_profiles: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        rows = store.query("SELECT id, title, abstract FROM papers WHERE title IS NOT NULL OR abstract IS NOT NULL ORDER BY id")
        if exclude_profiles:
            marks = ",".join("?" * len(exclude_profiles))
            keep = {
                r["paper_id"]
                for r in store.query(f"SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id NOT IN ({marks})", tuple(sorted(exclude_profiles)))
            }
            rows = [r for r in rows if r["id"] in keep]
        self.ids = [r["id"] for r in rows]
        self.titles = [r["title"] or (r["abstract"] or "")[:80] for r in rows]
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.vectors = embed(encoder, [paper_text(r["title"], r["abstract"]) for r in rows], store)
        self.by_person: dict[int, list[int]] = defaultdict(list)
        for r in store.query("SELECT DISTINCT person_id, paper_id FROM authorships ORDER BY person_id, paper_id"):
            i = self.row_of.get(r["paper_id"])
            if i is not None:
                self.by_person[r["person_id"]].append(i)


def _score(q: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray]:
    sims = q @ p.T
    best = sims.max(axis=1).mean()
    cq, cp = q.mean(axis=0), p.mean(axis=0)
    denom = float(np.linalg.norm(cq) * np.linalg.norm(cp)) or 1.0
    return float(0.5 * best + 0.5 * float(cq @ cp) / denom), sims


def _evidence(sims: np.ndarray, q_titles: list[str], p_titles: list[str]) -> list[dict[str, Any]]:
    out = []
    flat = np.argsort(-sims, axis=None)
    used_q: set[int] = set()
    used_p: set[int] = set()
    for idx in flat:
        qi, pi = divmod(int(idx), sims.shape[1])
        if qi in used_q or pi in used_p:
            continue
        out.append({"query": q_titles[qi], "paper": p_titles[pi], "similarity": round(float(sims[qi, pi]), 3)})
        used_q.add(qi)
        used_p.add(pi)
        if len(out) >= EVIDENCE_PAIRS:
            break
    return out


def _rank(store: Store, mat: _PaperMatrix, q: np.ndarray, q_titles: list[str], *, skip: set[int], skip_rows: set[int], coauthors: set[int], limit: int) -> list[dict[str, Any]]:
    scored = []
    for person, rows in mat.by_person.items():
        if person in skip:
            continue
        own = [r for r in rows if r not in skip_rows]
        if not own:
            continue  # only shared papers: co-authorship is not similarity
        s, sims = _score(q, mat.vectors[own])
        scored.append((s, person, own, sims))
    scored.sort(key=lambda t: (-t[0], t[1]))
    top = scored[:limit]
    names = {r["id"]: r["name"] for r in store.query("SELECT id, name FROM people")} if top else {}
    return [
        {
            "person_id": person,
            "name": names.get(person, f"person {person}"),
            "score": round(s, 4),
            "papers_compared": len(own),
            "coauthor": person in coauthors,
            "evidence": _evidence(sims, q_titles, [mat.titles[r] for r in own]),
        }
        for s, person, own, sims in top
    ]


def similar_to_papers(store: Store, papers: list[ParsedPaper], *, limit: int = 10, encoder: Encoder | None = None, exclude_profiles: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """People whose stored papers are closest to a list of papers (abstracts)."""
    texts = [paper_text(p.title, p.abstract) for p in papers if p.title or p.abstract]
    if not texts:
        return []
    enc = encoder or get_encoder()
    mat = _PaperMatrix(store, enc, set(exclude_profiles))
    if not mat.ids:
        return []
    q = embed(enc, texts)
    q_titles = [p.title or (p.abstract or "")[:80] for p in papers if p.title or p.abstract]
    return _rank(store, mat, q, q_titles, skip=set(), skip_rows=set(), coauthors=set(), limit=limit)


def resolve_person(kb: KnowledgeBase, ref: str | int) -> int:
    """A person id from an id or a name (the most prolific of several compatible people)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        pid = int(ref)
        if kb.store.one("SELECT id FROM people WHERE id = ?", (pid,)) is None:
            raise NotFoundError(f"no person with id {pid}")
        return pid
    found = kb.find_people(str(ref))
    if not found:
        raise NotFoundError(f"no person named {ref!r} (try `scholarlens people --q NAME`)")
    return int(max(found, key=lambda p: (p["papers"], -p["id"]))["id"])


def _person_papers(store: Store, person_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT p.id, p.title, p.abstract, p.year, p.n_authors FROM papers p "
        "WHERE p.id IN (SELECT paper_id FROM authorships WHERE person_id = ?) ORDER BY p.year DESC, p.id",
        (person_id,),
    )


def similar_people(kb: KnowledgeBase, ref_or_profile: str | int | Path | ParsedProfile, limit: int = 10, *, encoder: Encoder | None = None) -> list[dict[str, Any]]:
    """People whose work is closest to a person's (id or name) or to a profile's abstracts
    (a file in any supported format, or a :class:`ParsedProfile`).

    Each result: ``{"person_id", "name", "score", "evidence": [{query, paper, similarity}],
    "coauthor"}``. For a person, papers the two share are left out of the comparison, and
    people with nothing but shared papers are not listed.
    """
    store = kb.store
    if isinstance(ref_or_profile, ParsedProfile) or isinstance(ref_or_profile, Path) or (
        isinstance(ref_or_profile, str) and Path(ref_or_profile).is_file()
    ):
        from .profiles import load_profile

        parsed, own = load_profile(store, ref_or_profile)  # type: ignore[arg-type]
        return similar_to_papers(store, parsed.papers, limit=limit, encoder=encoder, exclude_profiles=own)
    person = resolve_person(kb, ref_or_profile)
    enc = encoder or get_encoder()
    mat = _PaperMatrix(store, enc)
    rows = mat.by_person.get(person, [])
    if not rows:
        return []
    coauthors = {
        r["person_id"]
        for r in store.query(
            "SELECT DISTINCT b.person_id FROM authorships a JOIN authorships b ON a.paper_id = b.paper_id WHERE a.person_id = ?",
            (person,),
        )
    }
    return _rank(
        store,
        mat,
        mat.vectors[rows],
        [mat.titles[r] for r in rows],
        skip={person},
        skip_rows=set(rows),
        coauthors=coauthors - {person},
        limit=limit,
    )


def person_view(kb: KnowledgeBase, ref: str | int, *, similar: int = 8, encoder: Encoder | None = None) -> dict[str, Any]:
    """Everything about one person: ``{"person", "papers", "papers_by_year", "topics",
    "coauthors", "organisations", "profiles", "similar"}``."""
    from .topics import person_topics

    store = kb.store
    pid = resolve_person(kb, ref)
    row = store.one("SELECT id, name, guessed FROM people WHERE id = ?", (pid,))
    assert row is not None
    aliases = store.query("SELECT alias, kind FROM person_aliases WHERE person_id = ? ORDER BY alias", (pid,))
    papers = _person_papers(store, pid)
    by_year = Counter(p["year"] for p in papers if p["year"])
    co = store.query(
        "SELECT b.person_id, pe.name, COUNT(DISTINCT b.paper_id) AS n FROM authorships a "
        "JOIN authorships b ON a.paper_id = b.paper_id AND b.person_id != a.person_id "
        "JOIN people pe ON pe.id = b.person_id WHERE a.person_id = ? GROUP BY b.person_id, pe.name "
        "ORDER BY n DESC, pe.name LIMIT ?",
        (pid, TOP_COAUTHORS),
    )
    orgs = store.query(
        "SELECT o.name, COUNT(*) AS n FROM paper_organisations o WHERE o.paper_id IN "
        "(SELECT paper_id FROM authorships WHERE person_id = ?) GROUP BY o.name ORDER BY n DESC, o.name",
        (pid,),
    )
    owned = store.query("SELECT id, source, owner_confidence FROM profiles WHERE owner_person_id = ? ORDER BY source", (pid,))
    out: dict[str, Any] = {
        "person": {
            "id": pid,
            "name": row["name"],
            "name_guessed": bool(row["guessed"]),
            "papers": len(papers),
            "aliases": [{"alias": a["alias"], "kind": a["kind"]} for a in aliases if a["alias"] != row["name"]],
        },
        "papers": [{"id": p["id"], "title": p["title"], "year": p["year"], "authors": p["n_authors"]} for p in papers],
        "papers_by_year": {str(y): by_year[y] for y in sorted(by_year)},
        "topics": person_topics(store, pid),
        "coauthors": [{"name": c["name"], "person_id": c["person_id"], "papers": c["n"]} for c in co],
        "organisations": [{"name": o["name"], "papers": o["n"]} for o in orgs],
        "profiles": [{"id": o["id"], "source": o["source"], "confidence": o["owner_confidence"]} for o in owned],
        "similar": similar_people(kb, pid, similar, encoder=encoder) if similar else [],
    }
    return out


__all__ = ["person_view", "similar_people", "similar_to_papers", "resolve_person"]
