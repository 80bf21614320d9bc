"""A researcher's page: aliases, papers by year, topics over time, co-authors,
organisations, the profiles they own and similar people."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .catalog import resolve_person
from .embeddings import Encoder
from .similar import VectorMemo, similar_to_person
from .stores import Store
from .topics import CorpusVectorizer, person_topics

#: Co-authors listed on a person page.
TOP_COAUTHORS = 15


def _person_papers(store: Store, person_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT p.id, p.title, p.abstract, p.year, p.n_authors FROM papers p "
        "WHERE p.id IN (SELECT paper_id FROM authorships WHERE person_id = ?) ORDER BY p.year DESC, p.id",
        (person_id,),
    )


def _coauthors(store: Store, pid: int) -> list[dict[str, Any]]:
    co = store.query(
        "SELECT b.person_id, pe.name, COUNT(DISTINCT b.paper_id) AS n FROM authorships a "
        "JOIN authorships b ON a.paper_id = b.paper_id AND b.person_id != a.person_id "
        "JOIN people pe ON pe.id = b.person_id WHERE a.person_id = ? GROUP BY b.person_id, pe.name "
        "ORDER BY n DESC, pe.name LIMIT ?",
        (pid, TOP_COAUTHORS),
    )
    return [{"name": c["name"], "person_id": c["person_id"], "papers": c["n"]} for c in co]


def person_view(
    store: Store,
    ref: str | int,
    *,
    encoder: Encoder | None = None,
    similar: int = 8,
    memo: VectorMemo | None = None,
    vectorizer: CorpusVectorizer | None = None,
) -> dict[str, Any]:
    """Everything about one person: ``{"person", "papers", "papers_by_year", "topics",
    "coauthors", "organisations", "profiles", "similar"}`` (``encoder`` is needed only for
    ``similar`` > 0)."""
    pid = resolve_person(store, ref)
    row = store.one("SELECT id, name, guessed FROM people WHERE id = ?", (pid,))
    assert row is not None
    aliases = store.query("SELECT alias, kind FROM person_aliases WHERE person_id = ? ORDER BY alias", (pid,))
    papers = _person_papers(store, pid)
    by_year = Counter(p["year"] for p in papers if p["year"])
    orgs = store.query(
        "SELECT o.name, COUNT(*) AS n FROM paper_organisations o WHERE o.paper_id IN "
        "(SELECT paper_id FROM authorships WHERE person_id = ?) GROUP BY o.name ORDER BY n DESC, o.name",
        (pid,),
    )
    owned = store.query("SELECT id, source, owner_confidence FROM profiles WHERE owner_person_id = ? ORDER BY source", (pid,))
    return {
        "person": {
            "id": pid,
            "name": row["name"],
            "name_guessed": bool(row["guessed"]),
            "papers": len(papers),
            "aliases": [{"alias": a["alias"], "kind": a["kind"]} for a in aliases if a["alias"] != row["name"]],
        },
        "papers": [{"id": p["id"], "title": p["title"], "year": p["year"], "authors": p["n_authors"]} for p in papers],
        "papers_by_year": {str(y): by_year[y] for y in sorted(by_year)},
        "topics": person_topics(store, pid, vectorizer),
        "coauthors": _coauthors(store, pid),
        "organisations": [{"name": o["name"], "papers": o["n"]} for o in orgs],
        "profiles": [{"id": o["id"], "source": o["source"], "confidence": o["owner_confidence"]} for o in owned],
        "similar": similar_to_person(store, pid, encoder=encoder, memo=memo, limit=similar) if similar and encoder else [],
    }


__all__ = ["person_view"]
