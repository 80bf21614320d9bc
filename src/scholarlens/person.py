"""A researcher's page: aliases, papers by year, topics over time, co-authors,
organisations, the profiles they own and similar people.

Co-authors are ranked by collaboration strength, Σ 1 / (authors − 1) over shared papers
(Newman's weighting): a 3-author paper counts 0.5, a 400-author system card 0.0025, so the
people someone really works with come first. Organisations are counted once per spelling-
insensitive name ("OpenAI" = "openai"), shown in their most frequent spelling.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .catalog import h_index, person_links, resolve_person, source_facts
from .embeddings import Encoder
from .similar import VectorMemo, similar_to_person
from .stores import Store
from .topics import MIN_DATED, MIN_YEARS, CorpusVectorizer, person_topics, trend_supported

#: Co-authors listed on a person page.
TOP_COAUTHORS = 15


def _person_papers(store: Store, person_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT p.id, p.title, p.abstract, p.year, p.n_authors FROM papers p "
        "WHERE p.id IN (SELECT paper_id FROM authorships WHERE person_id = ?) ORDER BY p.year DESC, p.id",
        (person_id,),
    )


def _coauthors(store: Store, pid: int) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT DISTINCT b.person_id, b.paper_id, pe.name, p.n_authors FROM authorships a "
        "JOIN authorships b ON a.paper_id = b.paper_id AND b.person_id != a.person_id "
        "JOIN people pe ON pe.id = b.person_id JOIN papers p ON p.id = a.paper_id WHERE a.person_id = ?",
        (pid,),
    )
    listed: Counter[int] = Counter(r["paper_id"] for r in rows)  # co-authors listed per paper
    strength: dict[int, float] = defaultdict(float)
    papers: Counter[int] = Counter()
    names: dict[int, str] = {}
    for r in rows:
        n = max(int(r["n_authors"] or 0), listed[r["paper_id"]] + 1)
        strength[r["person_id"]] += 1.0 / max(n - 1, 1)
        papers[r["person_id"]] += 1
        names[r["person_id"]] = r["name"]
    top = sorted(strength, key=lambda q: (-strength[q], -papers[q], names[q]))[:TOP_COAUTHORS]
    return [
        {"name": names[q], "person_id": q, "papers": papers[q], "strength": round(strength[q], 3)} for q in top
    ]


def _organisations(store: Store, pid: int) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT o.name, COUNT(*) AS n FROM paper_organisations o WHERE o.paper_id IN "
        "(SELECT paper_id FROM authorships WHERE person_id = ?) GROUP BY o.name",
        (pid,),
    )
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        key = " ".join(r["name"].casefold().split())
        counts[key] += r["n"]
        spellings[key][r["name"]] += r["n"]
    shown = {k: max(spellings[k], key=lambda s: (spellings[k][s], s[:1].isupper(), s)) for k in counts}
    return [{"name": shown[k], "papers": n} for k, n in sorted(counts.items(), key=lambda t: (-t[1], shown[t[0]]))]


def _citation_summary(cites: dict[int, dict[str, Any] | None]) -> dict[str, Any] | None:
    """Total citations and h-index over the papers whose sources carried a count."""
    known = [c for c in cites.values() if c]
    if not known:
        return None
    return {
        "total": sum(c["count"] for c in known),
        "h_index": h_index([c["count"] for c in known]),
        "papers_counted": len(known),
        "papers": len(cites),
        "sources": sorted({str(c["source"]) for c in known if c.get("source")}),
        "as_of": max(str(c["as_of"]) for c in known),
    }


def _trend_note(papers: list[dict[str, Any]]) -> dict[str, Any]:
    years = [p["year"] for p in papers]
    dated = [y for y in years if y]
    shown = trend_supported(years)
    note = (
        f"{len(dated)} of {len(papers)} papers are dated, over {len(set(dated))} years"
        if shown
        else f"too few dated papers for topics over time: {len(dated)} of {len(papers)} dated, over "
        f"{len(set(dated))} year(s) (needs {MIN_DATED} over {MIN_YEARS})"
    )
    return {"shown": shown, "dated_papers": len(dated), "papers": len(papers), "note": note}


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
    links, cites = source_facts(store, [p["id"] for p in papers])
    owned = store.query("SELECT id, source, owner_confidence FROM profiles WHERE owner_person_id = ? ORDER BY source", (pid,))
    return {
        "person": {
            "id": pid,
            "name": row["name"],
            "name_guessed": bool(row["guessed"]),
            "papers": len(papers),
            "aliases": [{"alias": a["alias"], "kind": a["kind"]} for a in aliases if a["alias"] != row["name"]],
            "links": person_links(store, pid),
            "citations": _citation_summary(cites),
        },
        "papers": [
            {
                "id": p["id"],
                "title": p["title"],
                "year": p["year"],
                "authors": p["n_authors"],
                "links": links[p["id"]],
                "citations": cites[p["id"]],
            }
            for p in papers
        ],
        "papers_by_year": {str(y): by_year[y] for y in sorted(by_year)},
        "topics": person_topics(store, pid, vectorizer),
        "topics_over_time": _trend_note(papers),
        "coauthors": _coauthors(store, pid),
        "organisations": _organisations(store, pid),
        "profiles": [{"id": o["id"], "source": o["source"], "confidence": o["owner_confidence"]} for o in owned],
        "similar": similar_to_person(store, pid, encoder=encoder, memo=memo, limit=similar) if similar and encoder else [],
    }


__all__ = ["person_view"]
