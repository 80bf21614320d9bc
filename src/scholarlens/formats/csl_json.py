"""CSL-JSON (Zotero "Better CSL JSON"/"CSL JSON", Mendeley, citeproc, doi.org content negotiation).

A list of items (or one item): ``type``, ``title``, ``author`` (``{"family", "given"}``,
``{"literal": "OpenAI"}`` — an organisation, kept as the paper's organisation — or a
``literal`` written family-first, ``"Fenner, Martin"``, read as a person; ``ORCID``), ``issued`` (``{"date-parts": [[2020, 5, 1]]}``,
``{"raw": "2020-05"}``, ``{"literal": "2020"}``), ``abstract``, ``container-title``,
``DOI``, ``URL`` / ``number`` / ``note`` / ``archive_location`` (arXiv ids), ``keyword``.
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import looks_like_organisation
from . import _records as R

NAME = "csl-json"
#: Identifier schemes read from ``note`` lines (``openalex: W123``).
_CSL_KEYS = {"issued", "container-title", "author", "DOI", "URL", "citation-key", "accessed", "page", "ISSN"}


def _is_item(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("type"), str)
        and ("title" in obj or "author" in obj)
        and len(_CSL_KEYS & set(obj)) >= 1
        and "openalex.org" not in str(obj.get("id", ""))
        and "authorships" not in obj
        and "content" not in obj
    )


def sniff(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    first = lay.first if lay is not None else None
    if not isinstance(first, dict) or not _is_item(first) or lay is None:
        return 0.0, ""
    keys = sorted(_CSL_KEYS & set(first))
    strong = "issued" in first or "container-title" in first or isinstance(first.get("author"), list)
    return (0.9 if strong else 0.6), f"CSL item: 'type' {first['type'][:30]!r} and {keys[:3]} in {lay.how}"


def _authors(value: Any, source: str, n: int) -> list[ParsedAuthor]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(
            "author is not a list", source=source, format=NAME, record=n, expected="a list of name objects"
        )
    out = []
    for a in value:
        if isinstance(a, str):
            pa = R.author(a)
        elif isinstance(a, dict):
            family = " ".join(str(p) for p in (a.get("non-dropping-particle"), a.get("family")) if p) or None
            given = a.get("given")
            literal = a.get("literal") if isinstance(a.get("literal"), str) else None
            if literal and literal.count(",") == 1 and not looks_like_organisation(literal):
                last, first = (p.strip() for p in literal.split(","))
                if last and first:  # "Fenner, Martin" is a person written family-first
                    literal, given, family = None, first, last
            display = literal or " ".join(str(p) for p in (given, a.get("dropping-particle"), family) if p)
            if a.get("suffix"):
                display = f"{display} {a['suffix']}"
            pa = R.author(
                display,
                given=None if literal else given,
                family=None if literal else family,
                orcid_value=a.get("ORCID") or a.get("orcid"),
            )
        else:
            pa = None
        if pa:
            out.append(pa)
    return out


def _issued(value: Any) -> tuple[int | None, int | None, int | None]:
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            return R.parse_date(parts[0])
        return R.parse_date(value.get("raw") or value.get("literal") or value.get("season"))
    return R.parse_date(value)


def paper_from_item(obj: Any, source: str, n: int) -> ParsedPaper | None:
    if not isinstance(obj, dict):
        raise ParseError(
            "item is not an object", source=source, format=NAME, record=n, expected="a CSL-JSON item object"
        )
    title, abstract = R.clean(R.html_text(obj.get("title"))), R.clean(R.html_text(obj.get("abstract")))
    if not title and not abstract:
        return None
    ids: dict[str, str] = {}
    doi = R.doi(obj.get("DOI") or obj.get("doi"))
    if doi:
        ids["doi"] = doi
    for key in ("URL", "number", "note", "archive_location", "archive-location", "container-title", "arxiv"):
        value = str(obj.get(key) or "")
        if "arxiv" in value.lower() or (key == "arxiv" and value):
            arxiv = R.arxiv_id(value.lower().split("arxiv", 1)[-1] if key != "arxiv" else value)
            if arxiv:
                ids["arxiv"] = arxiv
                break
    year, month, day = _issued(obj.get("issued"))
    venue = R.clean(obj.get("container-title"))
    # ScholarLens exports keep other ids here
    category, complete = R.read_export_notes(str(obj.get("note") or "").split("\n"), ids)
    extra: dict[str, Any] = {"csl_type": obj.get("type") if isinstance(obj.get("type"), str) else None}
    if obj.get("id") is not None:
        extra["csl_id"] = str(obj["id"])
    if obj.get("keyword"):
        extra["keywords"] = [k.strip() for k in str(obj["keyword"]).replace(";", ",").split(",") if k.strip()]
    authors, orgs = R.split_organisations(_authors(obj.get("author"), source, n))
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        organisations=orgs,
        authors_complete=complete,
        year=year,
        month=month,
        day=day,
        category=category,
        venue=venue if venue and not venue.lower().startswith("arxiv") else None,
        identifiers=ids,
        line=n,
        extra=extra,
    )


def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    papers = R.collect_papers(
        R.json_records(text, source, NAME, errors, list_keys=("items",)),
        lambda o, n: paper_from_item(o, source, n),
        errors,
    )
    return ParsedProfile(source=source, format=NAME, papers=papers)
