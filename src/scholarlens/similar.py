"""Similar researchers: people whose work is closest to a person's or to a list of papers.

Similarity of a set of query texts ``Q`` to a person's papers ``P`` (unit vectors) is the
mean of ``mean_q max_p q·p`` (each query text's best match) and the cosine of the two
centroids (the overall direction), so neither one lucky paper nor a huge output dominates.
For a person, papers the two share are left out, so co-authorship alone never makes two
people similar.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from typing import Any

import numpy as np

from .catalog import paper_text, person_names, resolve_person
from .embeddings import Encoder, embed_cached
from .index.engine import engine_for
from .index.similarity import person_rows
from .index.similarity import similar as similar_people
from .records import ParsedPaper
from .stores import Store
from .text import content_hash

#: Pairs of papers shown as evidence of a similarity.
EVIDENCE_PAIRS = 3


class VectorMemo:
    """A bounded in-process memo of unit vectors by (model id, text), in front of the store's
    embedding cache. One per :class:`~scholarlens.kb.KnowledgeBase`; thread-safe."""

    def __init__(self, max_items: int = 200_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, encoder: Encoder, texts: list[str], store: Store | None = None) -> np.ndarray:
        """Unit vectors for ``texts``: memoised here, cached in ``store`` when given one."""
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        keys = [(encoder.model_id, content_hash(t)) for t in texts]
        found: dict[tuple[str, str], np.ndarray] = {}
        todo: dict[tuple[str, str], str] = {}
        with self._lock:
            for k, t in zip(keys, texts, strict=True):
                v = self._items.get(k)
                if v is None:
                    todo.setdefault(k, t)
                else:
                    found[k] = v
        if todo:
            vecs = embed_cached(store, encoder, list(todo.values()))
            new = dict(zip(todo, vecs, strict=True))
            found.update(new)
            with self._lock:
                self._items.update(new)
                while len(self._items) > self.max_items:
                    self._items.popitem(last=False)
        return np.stack([found[k] for k in keys]).astype(np.float32)


class PaperMatrix:
    """Every stored paper's vector, and which people wrote which rows."""

    def __init__(self, store: Store, encoder: Encoder, memo: VectorMemo, exclude_profiles: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        rows = store.query("SELECT id, title, abstract FROM papers WHERE title IS NOT NULL OR abstract IS NOT NULL ORDER BY id")
        if exclude_profiles:
            keep = {
                r["paper_id"]
                for r in store.query_in(
                    "SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id NOT IN ({marks})", sorted(exclude_profiles)
                )
            }
            rows = [r for r in rows if r["id"] in keep]
        rows = [r for r in rows if paper_text(r["title"], r["abstract"])]
        self.ids = [r["id"] for r in rows]
        self.titles = [r["title"] or (r["abstract"] or "")[:80] for r in rows]
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.vectors = memo.embed(encoder, [paper_text(r["title"], r["abstract"]) or "" for r in rows], store)
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
    used_q: set[int] = set()
    used_p: set[int] = set()
    for idx in np.argsort(-sims, axis=None):
        qi, pi = divmod(int(idx), sims.shape[1])
        if qi in used_q or pi in used_p:
            continue
        out.append({"query": q_titles[qi], "paper": p_titles[pi], "similarity": round(float(sims[qi, pi]), 3)})
        used_q.add(qi)
        used_p.add(pi)
        if len(out) >= EVIDENCE_PAIRS:
            break
    return out


def _rank(store: Store, mat: PaperMatrix, q: np.ndarray, q_titles: list[str], *, skip: set[int], skip_rows: set[int], coauthors: set[int], limit: int) -> list[dict[str, Any]]:
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
    names = person_names(store, [person for _, person, _, _ in top])
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


def _engine_rank(
    store: Store,
    encoder: Encoder,
    q: np.ndarray,
    q_titles: list[str],
    limit: int,
    *,
    person: int | None = None,
    bad_rows: np.ndarray | None = None,
    coauthors: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """The top ``limit`` people from the persistent index, shaped as :func:`_rank` shapes them."""
    snap = engine_for(store).snapshot(encoder)
    hits = similar_people(snap, snap.dense[encoder.model_id], q, limit, _score, skip_person=person, bad_rows=bad_rows)
    paper_ids = sorted({int(snap.ids[r]) for _, _, own, _ in hits for r in own})
    titles = {
        r["id"]: r["title"] or (r["abstract"] or "")[:80]
        for r in store.query_in("SELECT id, title, abstract FROM papers WHERE id IN ({marks})", paper_ids)
    }
    names = person_names(store, [h[0] for h in hits])
    return [
        {
            "person_id": pid,
            "name": names.get(pid, f"person {pid}"),
            "score": round(s, 4),
            "papers_compared": len(own),
            "coauthor": pid in coauthors,
            "evidence": _evidence(sims, q_titles, [titles.get(int(snap.ids[r]), "") for r in own]),
        }
        for pid, s, own, sims in hits
    ]


def similar_to_papers(store: Store, papers: list[ParsedPaper], *, encoder: Encoder, memo: VectorMemo | None = None, limit: int = 10, exclude_profiles: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """People whose stored papers are closest to a list of papers (abstracts); papers found
    only in ``exclude_profiles`` do not count."""
    usable = [p for p in papers if paper_text(p.title, p.abstract)]
    if not usable:
        return []
    memo = memo or VectorMemo()
    q = memo.embed(encoder, [paper_text(p.title, p.abstract) or "" for p in usable])
    q_titles = [p.title or (p.abstract or "")[:80] for p in usable]
    bad = None
    if exclude_profiles:
        only_there = [
            r["id"]
            for r in store.query_in(
                "SELECT id FROM papers WHERE id NOT IN (SELECT paper_id FROM paper_sources WHERE profile_id NOT IN ({marks}))",
                sorted(exclude_profiles),
                chunk=100_000,
            )
        ]
        bad = engine_for(store).snapshot(encoder).rows_of(only_there)
    return _engine_rank(store, encoder, q, q_titles, limit, bad_rows=bad)


def _coauthors(store: Store, person: int) -> set[int]:
    """Everyone who shares a paper with ``person`` (``person`` included)."""
    return {
        r["person_id"]
        for r in store.query(
            "SELECT DISTINCT b.person_id FROM authorships a JOIN authorships b ON a.paper_id = b.paper_id WHERE a.person_id = ?",
            (person,),
        )
    }


def similar_to_person(store: Store, ref: str | int, *, encoder: Encoder, memo: VectorMemo | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """People whose work is closest to a person's (id or name), shared papers left out.

    Each result: ``{"person_id", "name", "score", "papers_compared", "coauthor",
    "evidence": [{query, paper, similarity}]}``; people with nothing but shared papers are
    not listed.
    """
    person = resolve_person(store, ref)
    snap = engine_for(store).snapshot(encoder)
    rows = person_rows(snap, person)
    if not len(rows):
        return []
    coauthors = _coauthors(store, person)
    q = snap.dense[encoder.model_id].rows(rows)
    titles = {
        r["id"]: r["title"] or (r["abstract"] or "")[:80]
        for r in store.query_in("SELECT id, title, abstract FROM papers WHERE id IN ({marks})", snap.ids[rows].tolist())
    }
    return _engine_rank(
        store, encoder, q, [titles.get(int(i), "") for i in snap.ids[rows]], limit,
        person=person, bad_rows=rows, coauthors=coauthors - {person},
    )


def reference_similar_to_person(store: Store, ref: str | int, *, encoder: Encoder, memo: VectorMemo | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """:func:`similar_to_person` by re-reading and re-scoring everything: the reference the
    engine is tested against (tests/engine)."""
    person = resolve_person(store, ref)
    mat = PaperMatrix(store, encoder, memo or VectorMemo())
    rows = mat.by_person.get(person, [])
    if not rows:
        return []
    coauthors = _coauthors(store, person)
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


def reference_similar_to_papers(store: Store, papers: list[ParsedPaper], *, encoder: Encoder, memo: VectorMemo | None = None, limit: int = 10, exclude_profiles: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """:func:`similar_to_papers` by re-reading and re-scoring everything (the tests' reference)."""
    usable = [p for p in papers if paper_text(p.title, p.abstract)]
    if not usable:
        return []
    memo = memo or VectorMemo()
    mat = PaperMatrix(store, encoder, memo, set(exclude_profiles))
    if not mat.ids:
        return []
    q = memo.embed(encoder, [paper_text(p.title, p.abstract) or "" for p in usable])
    q_titles = [p.title or (p.abstract or "")[:80] for p in usable]
    return _rank(store, mat, q, q_titles, skip=set(), skip_rows=set(), coauthors=set(), limit=limit)


__all__ = ["PaperMatrix", "VectorMemo", "similar_to_papers", "similar_to_person"]
