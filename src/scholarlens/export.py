"""Export the deduplicated papers as CSL-JSON, BibTeX or JSON lines.

Each export reads back with the matching parser (``csl-json``, ``bibtex``,
``scholarlens-jsonl``) into the same papers: titles, abstracts, author lists (with ``and
others`` / incomplete lists), dates, venues, categories and every identifier (arXiv, DOI,
Semantic Scholar, OpenAlex, OpenReview...). Papers are read page by page, so exporting a
dump-sized knowledge base runs in bounded memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from .errors import InputError
from .names import parse_name
from .stores import Store
from .text import fold

EXPORT_FORMATS = ("jsonl", "csl-json", "bibtex")
#: Identifier schemes written in upper case (stored folded to lower case).
_UPPER = {"openalex"}
PAGE = 1000


def iter_papers(store: Store, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Every paper with its authors (position order, with ORCIDs), identifiers and organisations."""
    last, sent = 0, 0
    while limit is None or sent < limit:
        page = PAGE if limit is None else min(PAGE, limit - sent)
        rows = store.query("SELECT * FROM papers WHERE id > ? ORDER BY id LIMIT ?", (last, page))
        if not rows:
            return
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        authors: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        people: set[int] = set()
        for a in store.query(
            f"SELECT paper_id, position, person_id, name FROM authorships WHERE paper_id IN ({marks}) ORDER BY paper_id, position",
            ids,
        ):
            authors[a["paper_id"]].append({"name": a["name"], "person_id": a["person_id"]})
            people.add(a["person_id"])
        orcid: dict[int, str] = {}
        plist = sorted(people)
        for i in range(0, len(plist), 900):
            chunk = plist[i : i + 900]
            for r in store.query(
                f"SELECT person_id, MIN(alias) AS alias FROM person_aliases WHERE kind = 'orcid' AND person_id IN ({','.join('?' * len(chunk))}) GROUP BY person_id",
                chunk,
            ):
                orcid[r["person_id"]] = r["alias"].split(":", 1)[1].upper()
        idents: dict[int, dict[str, str]] = {i: {} for i in ids}
        for r in store.query(f"SELECT paper_id, scheme, value FROM identifiers WHERE paper_id IN ({marks}) ORDER BY scheme", ids):
            idents[r["paper_id"]][r["scheme"]] = r["value"].upper() if r["scheme"] in _UPPER else r["value"]
        orgs: dict[int, list[str]] = {i: [] for i in ids}
        for r in store.query(f"SELECT paper_id, name FROM paper_organisations WHERE paper_id IN ({marks}) ORDER BY name", ids):
            orgs[r["paper_id"]].append(r["name"])
        for r in rows:
            yield {
                "paper_id": r["id"],
                "title": r["title"],
                "abstract": r["abstract"],
                "authors": [
                    {"name": a["name"], **({"orcid": orcid[a["person_id"]]} if a["person_id"] in orcid else {})}
                    for a in authors[r["id"]]
                ],
                "authors_complete": bool(r["authors_complete"]),
                "year": r["year"],
                "month": r["month"],
                "day": r["day"],
                "category": r["category"],
                "venue": r["venue"],
                "has_code": bool(r["has_code"]),
                "organisations": orgs[r["id"]],
                "identifiers": idents[r["id"]],
            }
        sent += len(rows)
        last = ids[-1]


# -- CSL-JSON ---------------------------------------------------------------------------------
def to_csl(paper: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"paper-{paper['paper_id']}", "type": "article-journal" if paper["venue"] else "article"}
    if paper["title"]:
        item["title"] = paper["title"]
    authors = []
    for a in paper["authors"]:
        n = parse_name(a["name"])
        entry: dict[str, Any] = {"family": n.family, "given": " ".join(n.given)} if n.given else {"literal": a["name"]}
        if a.get("orcid"):
            entry["ORCID"] = f"https://orcid.org/{a['orcid']}"
        authors.append(entry)
    item["author"] = authors
    if paper["year"]:
        item["issued"] = {"date-parts": [[p for p in (paper["year"], paper["month"], paper["day"] if paper["month"] else None) if p]]}
    if paper["abstract"]:
        item["abstract"] = paper["abstract"]
    if paper["venue"]:
        item["container-title"] = paper["venue"]
    ids = paper["identifiers"]
    if ids.get("doi"):
        item["DOI"] = ids["doi"]
    if ids.get("arxiv"):
        item["URL"] = f"https://arxiv.org/abs/{ids['arxiv']}"
        item["number"] = f"arXiv:{ids['arxiv']}"
    notes = [f"{k}: {v}" for k, v in sorted(ids.items()) if k not in ("doi", "arxiv")]
    if paper["category"]:
        notes.append(f"category: {paper['category']}")
    if not paper["authors_complete"]:
        notes.append("authors: incomplete")
    if notes:
        item["note"] = "\n".join(notes)
    return item


# -- BibTeX -----------------------------------------------------------------------------------
_BRACES = re.compile(r"[{}]")


def _bib_value(text: str) -> str:
    # Unbalanced braces would break the entry; backslashes would be read as LaTeX.
    return _BRACES.sub("", text).replace("\\", "")


def _bib_key(paper: dict[str, Any], used: set[str]) -> str:
    first = paper["authors"][0]["name"] if paper["authors"] else "anon"
    family = fold(parse_name(first).family or first).replace(" ", "") or "anon"
    word = next((w for w in fold(paper["title"] or "").split() if len(w) > 3), "paper")
    base = f"{family}{paper['year'] or ''}{word}"
    key, n = base, 0
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 1) if n <= 26 else n}"
    used.add(key)
    return key


def to_bibtex(paper: dict[str, Any], used: set[str]) -> str:
    ids = paper["identifiers"]
    kind = "article" if paper["venue"] else "misc"
    fields: list[tuple[str, str]] = []
    if paper["title"]:
        fields.append(("title", _bib_value(paper["title"])))
    names = [_bib_value(a["name"]).replace(" and ", " {and} ") for a in paper["authors"]]
    if not paper["authors_complete"]:
        names.append("others")
    if names:
        fields.append(("author", " and ".join(names)))
    if paper["year"]:
        fields.append(("year", str(paper["year"])))
    if paper["month"]:
        fields.append(("month", str(paper["month"])))
    if paper["venue"]:
        fields.append(("journal", _bib_value(paper["venue"])))
    if ids.get("doi"):
        fields.append(("doi", ids["doi"]))
    if ids.get("arxiv"):
        fields += [("eprint", ids["arxiv"]), ("archivePrefix", "arXiv")]
    if paper["category"]:
        fields.append(("primaryClass", paper["category"]))
    for scheme, value in sorted(ids.items()):
        if scheme not in ("doi", "arxiv"):
            fields.append((scheme, _bib_value(value)))
    if paper["abstract"]:
        fields.append(("abstract", _bib_value(paper["abstract"])))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{_bib_key(paper, used)},\n{body}\n}}\n"


def export(store: Store, format: str, out: IO[str], limit: int | None = None) -> int:
    """Write every paper to ``out`` in ``format``; returns how many were written."""
    if format not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {format!r}; choose one of: {', '.join(EXPORT_FORMATS)}")
    n = 0
    if format == "jsonl":
        for paper in iter_papers(store, limit):
            out.write(json.dumps(paper, ensure_ascii=False) + "\n")
            n += 1
    elif format == "csl-json":
        out.write("[")
        for paper in iter_papers(store, limit):
            out.write(("\n" if n == 0 else ",\n") + json.dumps(to_csl(paper), ensure_ascii=False))
            n += 1
        out.write("\n]\n")
    else:
        used: set[str] = set()
        for paper in iter_papers(store, limit):
            out.write(to_bibtex(paper, used) + "\n")
            n += 1
    return n
