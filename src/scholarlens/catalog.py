"""Read queries over a store: papers, people, profiles, the summary, person look-up.

The lowest query feature: every other one (export, topics, similar, person, whois,
expertise) may use it; it knows only the :class:`~scholarlens.stores.Store`. Lists take
``limit``/``offset``; papers carry their author names and every source they came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .embeddings import paper_text  # the one definition (re-exported: features import it from here)
from .errors import NotFoundError
from .names import family_key, names_compatible, person_key
from .profiles import resolve_profile_id
from .stores import Store
from .text import closest, fold

#: Where an identifier of each scheme resolves (schemes as the parsers name them).
LINKS = {
    "doi": "https://doi.org/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "openalex": "https://openalex.org/{}",
    "openreview": "https://openreview.net/forum?id={}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "s2corpus": "https://api.semanticscholar.org/CorpusID:{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
    "orcid": "https://orcid.org/{}",
}
#: Tables :func:`count` may count.
COUNTED = ("papers", "people", "profiles", "authorships", "paper_sources")


def count(store: Store, table: str) -> int:
    if table not in COUNTED:
        raise ValueError(f"cannot count {table!r}")
    return int(store.scalar(f"SELECT COUNT(*) FROM {table}"))


# -- papers --------------------------------------------------------------------------------
def paper_authors(store: Store, paper_ids: list[int]) -> dict[int, list[str]]:
    """Author names of each paper, in author order, as its sources list them (a profile owner
    linked to the paper, provenance ``profile owner``, counts on person pages, not here)."""
    out: dict[int, list[str]] = {p: [] for p in paper_ids}
    for r in store.query_in(
        "SELECT a.paper_id, p.name FROM authorships a JOIN people p ON p.id = a.person_id "
        "WHERE a.provenance = 'author list' AND a.paper_id IN ({marks}) ORDER BY a.paper_id, a.position",
        paper_ids,
    ):
        out[r["paper_id"]].append(r["name"])
    return out


def link(scheme: str, value: str) -> dict[str, Any]:
    """``{"scheme", "id", "url"}`` for an identifier (``url`` None for schemes with no resolver)."""
    template = LINKS.get(scheme)
    return {"scheme": scheme, "id": value, "url": template.format(value) if template else None}


def source_facts(store: Store, paper_ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, dict[str, Any] | None]]:
    """Identifier links and citation counts of each paper, read from its sources' records."""
    links: dict[int, dict[tuple[str, str], dict[str, Any]]] = {p: {} for p in paper_ids}
    cites: dict[int, dict[str, Any] | None] = {p: None for p in paper_ids}
    for r in store.query_in(
        "SELECT s.paper_id, s.record, pr.ingested_at FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
        "WHERE s.paper_id IN ({marks}) ORDER BY s.id",
        paper_ids,
    ):
        try:
            record = json.loads(r["record"])
            ids = record.get("identifiers") or {}
            extra = record.get("extra") or {}
        except (ValueError, AttributeError):
            continue
        for scheme, value in ids.items():
            if value:
                links[r["paper_id"]].setdefault((str(scheme), str(value).lower()), link(str(scheme), str(value)))
        c = extra.get("citations") if isinstance(extra, dict) else None
        if isinstance(c, dict) and isinstance(c.get("count"), int) and c["count"] >= 0:
            best = cites[r["paper_id"]]
            if best is None or c["count"] > best["count"]:
                cites[r["paper_id"]] = {
                    "count": c["count"],
                    "source": c.get("source"),
                    "as_of": c.get("as_of") or (r["ingested_at"] or "")[:10],
                }
    return {p: sorted(d.values(), key=lambda x: (x["scheme"], x["id"])) for p, d in links.items()}, cites


def paper_links(store: Store, paper_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every identifier of each paper, as written in its sources (case kept), with its link."""
    return source_facts(store, paper_ids)[0]


def paper_citations(store: Store, paper_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """``{"count", "source", "as_of"}`` per paper where an ingested source carried a citation
    count (OpenAlex ``cited_by_count``, Semantic Scholar ``citationCount``): the highest count
    seen, with where and when it was read; None where no source said."""
    return source_facts(store, paper_ids)[1]


def h_index(counts: list[int]) -> int:
    """The largest h such that h papers have at least h citations each."""
    ranked = sorted(counts, reverse=True)
    return sum(1 for i, c in enumerate(ranked, start=1) if c >= i)


def person_links(store: Store, person_id: int) -> list[dict[str, Any]]:
    """Identifiers of a person that resolve somewhere (ORCID)."""
    return [
        link("orcid", r["alias"].split(":", 1)[1] if r["alias"].lower().startswith("orcid:") else r["alias"])
        for r in store.query("SELECT alias FROM person_aliases WHERE person_id = ? AND kind = 'orcid' ORDER BY alias", (person_id,))
    ]


def _paper_sources(store: Store, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    srcs: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in store.query_in(
        "SELECT s.paper_id, s.profile_id, s.line, p.source, p.format FROM paper_sources s "
        "JOIN profiles p ON p.id = s.profile_id WHERE s.paper_id IN ({marks}) ORDER BY s.profile_id, s.ordinal",
        ids,
    ):
        srcs[r["paper_id"]].append(
            {"profile_id": r["profile_id"], "source": r["source"], "format": r["format"], "line": r["line"]}
        )
    return srcs


def paper_dicts(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paper rows (``SELECT * FROM papers``) as the API's paper objects."""
    ids = [r["id"] for r in rows]
    authors = paper_authors(store, ids)
    srcs = _paper_sources(store, ids)
    links, cites = source_facts(store, ids)
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "abstract": r["abstract"],
            "year": r["year"],
            "month": r["month"],
            "day": r["day"],
            "category": r["category"],
            "has_code": bool(r["has_code"]),
            "authors": authors[r["id"]],
            "authors_complete": bool(r["authors_complete"]),
            "profiles": sorted({s["profile_id"] for s in srcs[r["id"]]}),
            "sources": srcs[r["id"]],
            "links": links[r["id"]],
            "citations": cites[r["id"]],
        }
        for r in rows
    ]


def papers(store: Store, limit: int | None = None, offset: int = 0, q: str | None = None) -> list[dict[str, Any]]:
    """Deduplicated papers (optionally filtered by a substring of title or abstract)."""
    sql = "SELECT * FROM papers"
    params: list[Any] = []
    if q:
        sql += " WHERE LOWER(title) LIKE ? OR LOWER(abstract) LIKE ?"
        params += [f"%{q.lower()}%", f"%{q.lower()}%"]
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return paper_dicts(store, store.query(sql, params))


def paper(store: Store, paper_id: int) -> dict[str, Any]:
    rows = store.query("SELECT * FROM papers WHERE id = ?", (paper_id,))
    if not rows:
        raise NotFoundError(f"no paper with id {paper_id}")
    return paper_dicts(store, rows)[0]


# -- profiles ------------------------------------------------------------------------------
_PROFILE_SQL = (
    "SELECT pr.*, pe.name AS owner_name, "
    "(SELECT COUNT(DISTINCT paper_id) FROM paper_sources s WHERE s.profile_id = pr.id) AS papers "
    "FROM profiles pr LEFT JOIN people pe ON pe.id = pr.owner_person_id"
)


def _profile_dict(r: dict[str, Any]) -> dict[str, Any]:
    owner = None
    if r["owner_person_id"] is not None:
        owner = {"person_id": r["owner_person_id"], "name": r["owner_name"], "confidence": r["owner_confidence"]}
    ds = r["declared_supported"]
    return {
        "id": r["id"],
        "declared_name": r["declared_name"],
        "declared_name_supported": None if ds is None else bool(ds),
        "owner": owner,
        "owner_status": r["owner_status"],
        "owner_evidence": json.loads(r["owner_evidence"]) if r["owner_evidence"] else None,
        "format": r["format"],
        "kind": r["kind"],
        "source": r["source"],
        "papers": r["papers"],
        "records": r["n_records"],
        "ingested_at": r["ingested_at"],
    }


def profiles(store: Store, q: str | None = None) -> list[dict[str, Any]]:
    """Every ingested profile with its owner, in source order; ``q`` keeps those whose
    declared name, owner name or source contains it (case-insensitive)."""
    items = [_profile_dict(r) for r in store.query(_PROFILE_SQL + " ORDER BY pr.source")]
    if not q:
        return items
    needle = q.lower()
    return [
        p
        for p in items
        if needle in (p["declared_name"] or "").lower()
        or needle in ((p["owner"] or {}).get("name") or "").lower()
        or needle in p["source"].lower()
    ]


def profile(store: Store, ref: str) -> dict[str, Any]:
    """One profile with its papers and co-authors of its owner."""
    pid = resolve_profile_id(store, ref)
    row = store.one(_PROFILE_SQL + " WHERE pr.id = ?", (pid,))
    if row is None:
        raise NotFoundError(f"no profile {pid!r}")
    out = _profile_dict(row)
    paper_rows = store.query(
        "SELECT p.* FROM papers p WHERE p.id IN (SELECT paper_id FROM paper_sources WHERE profile_id = ?) "
        "ORDER BY p.year DESC, p.id",
        (pid,),
    )
    out["paper_list"] = paper_dicts(store, paper_rows)
    co: dict[str, int] = {}
    for p in out["paper_list"]:
        for name in p["authors"]:
            co[name] = co.get(name, 0) + 1
    if row["owner_name"]:
        co.pop(row["owner_name"], None)
    out["coauthors"] = [{"name": n, "papers": c} for n, c in sorted(co.items(), key=lambda t: (-t[1], t[0]))[:25]]
    out["owner_person_id"] = row["owner_person_id"]
    return out


# -- people --------------------------------------------------------------------------------
def people(store: Store, limit: int | None = None, offset: int = 0, q: str | None = None, ids: set[int] | None = None) -> list[dict[str, Any]]:
    """People with their paper counts, most prolific first (``ids`` restricts to those)."""
    sql = (
        "SELECT pe.id, pe.name, pe.guessed, COUNT(a.paper_id) AS papers FROM people pe "
        "LEFT JOIN authorships a ON a.person_id = pe.id"
    )
    params: list[Any] = []
    where = []
    if q:
        where.append("pe.id IN (SELECT person_id FROM person_aliases WHERE LOWER(alias) LIKE ? OR key LIKE ?)")
        params += [f"%{q.lower()}%", f"%{fold(q)}%"]
    if ids is not None:
        if not ids:
            return []
        where.append(f"pe.id IN ({','.join('?' * len(ids))})")
        params += sorted(ids)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " GROUP BY pe.id, pe.name, pe.guessed ORDER BY papers DESC, pe.name"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    rows = store.query(sql, params)
    aliases: dict[int, list[dict[str, Any]]] = {}
    for a in store.query_in(
        "SELECT person_id, alias, kind FROM person_aliases WHERE person_id IN ({marks}) ORDER BY alias", [r["id"] for r in rows]
    ):
        aliases.setdefault(a["person_id"], []).append({"alias": a["alias"], "kind": a["kind"]})
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "name_guessed": bool(r["guessed"]),
            "papers": r["papers"],
            "aliases": [a for a in aliases.get(r["id"], []) if a["alias"] != r["name"]],
        }
        for r in rows
    ]


def find_people(store: Store, name: str) -> list[dict[str, Any]]:
    """People whose name or alias folds to ``name`` (exact), else compatible names."""
    key = person_key(name)
    ids = {r["id"] for r in store.query("SELECT id FROM people WHERE key = ?", (key,))}
    ids |= {r["person_id"] for r in store.query("SELECT person_id FROM person_aliases WHERE key = ?", (key,))}
    if not ids:
        for r in store.query("SELECT id, name FROM people WHERE family_key = ?", (family_key(name),)):
            if names_compatible(name, r["name"]):
                ids.add(r["id"])
    return people(store, ids=ids) if ids else []


def resolve_person(store: Store, ref: str | int) -> int:
    """A person id from an id or a name (the most prolific of several compatible people)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        pid = int(ref)
        if not -(2**63) <= pid < 2**63 or store.one("SELECT id FROM people WHERE id = ?", (pid,)) is None:
            raise NotFoundError(f"no person with id {pid}")
        return pid
    found = find_people(store, str(ref))
    if not found:
        hint = ""
        close = [p["name"] for p in people(store, limit=3, q=str(ref).strip())] if str(ref).strip() else []
        if not close:
            close = closest(str(ref), [r["name"] for r in store.query("SELECT name FROM people")])
        if close:
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? "
        raise NotFoundError(f"no person named {ref!r} ({hint}try `scholarlens people -q NAME`)")
    return int(max(found, key=lambda p: (p["papers"], -p["id"]))["id"])


def person_names(store: Store, ids: list[int]) -> dict[int, str]:
    return {r["id"]: r["name"] for r in store.query_in("SELECT id, name FROM people WHERE id IN ({marks})", ids)}


# -- summary -------------------------------------------------------------------------------
def summary(store: Store) -> dict[str, Any]:
    """Counts and profile owners: what `make run` prints."""
    multi = store.scalar(
        "SELECT COUNT(*) FROM (SELECT paper_id FROM paper_sources GROUP BY paper_id "
        "HAVING COUNT(DISTINCT profile_id) > 1) t"
    )
    return {
        "profiles": count(store, "profiles"),
        "papers": count(store, "papers"),
        "people": count(store, "people"),
        "authorships": count(store, "authorships"),
        "sources": count(store, "paper_sources"),
        "multi_source_papers": int(multi),
        "profile_owners": [
            {
                "id": p["id"],
                "source": Path(p["source"]).name,
                "format": p["format"],
                "declared_name": p["declared_name"],
                "declared_name_supported": p["declared_name_supported"],
                "owner": p["owner"]["name"] if p["owner"] else None,
                "confidence": p["owner"]["confidence"] if p["owner"] else None,
                "owner_status": p["owner_status"],
                "papers": p["papers"],
            }
            for p in profiles(store)
        ],
    }


__all__ = [
    "count",
    "find_people",
    "paper",
    "h_index",
    "source_facts",
    "link",
    "paper_dicts",
    "paper_citations",
    "paper_links",
    "paper_text",
    "papers",
    "people",
    "person_links",
    "person_names",
    "profile",
    "profiles",
    "resolve_person",
    "resolve_profile_id",
    "summary",
]
