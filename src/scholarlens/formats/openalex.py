"""OpenAlex works: API responses (``{"meta", "results"}``), lists, single works, or the
snapshot's JSON lines (``works/updated_date=*/part_*.gz``).

Read: ``id`` (``https://openalex.org/W…``), ``doi``, ``title``/``display_name``,
``publication_date``/``publication_year``, ``authorships`` (author display name, ORCID,
raw name, institutions → affiliations and the paper's organisations),
``abstract_inverted_index`` (word → positions, rebuilt into text), ``primary_location`` /
``locations`` (venue; an arXiv landing page gives the arXiv id), ``topics`` and
``primary_topic`` (kept in ``extra``).
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper
from . import _records as R

NAME = "openalex"


def sniff(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    first = lay.first if lay is not None else None
    if isinstance(first, dict):
        oid = str(first.get("id") or "")
        if "openalex.org/W" in oid:
            return 0.95, f"OpenAlex work id {oid[:40]!r} in {lay.how}"  # type: ignore[union-attr]
        if "authorships" in first and ("abstract_inverted_index" in first or "publication_year" in first):
            return 0.95, f"'authorships' and 'publication_year' in {lay.how}"  # type: ignore[union-attr]
    return 0.0, ""


def rebuild_abstract(index: Any) -> str | None:
    """Text from an ``abstract_inverted_index`` (word → list of positions)."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            continue
        for p in positions:
            if isinstance(p, int) and 0 <= p < 100_000:
                slots[p] = str(word)
    if not slots:
        return None
    return " ".join(slots[i] for i in sorted(slots))


def _short_id(value: Any) -> str | None:
    s = str(value or "").strip().rstrip("/")
    if not s:
        return None
    return s.rsplit("/", 1)[-1].upper() if "openalex.org" in s or s[:1] in "WwAaIi" else s


def _source_name(location: Any) -> str | None:
    if isinstance(location, dict) and isinstance(location.get("source"), dict):
        return R.clean(location["source"].get("display_name"))
    return None


def paper_from_record(obj: Any, source: str, n: int) -> ParsedPaper | None:
    """A paper from one OpenAlex work; ``None`` when it has neither title nor abstract."""
    if not isinstance(obj, dict):
        raise ParseError(
            "work is not an object", source=source, format=NAME, record=n, expected="an OpenAlex work object"
        )
    title = R.clean(R.html_text(obj.get("title") or obj.get("display_name")))
    abstract = R.clean(R.html_text(rebuild_abstract(obj.get("abstract_inverted_index")) or obj.get("abstract")))
    if not title and not abstract:
        return None
    authors, orgs = _authors(obj, source, n)
    year, month, day = R.parse_date(obj.get("publication_date"))
    if year is None:
        year, month, day = R.parse_date(obj.get("publication_year"))
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=not obj.get("is_authors_truncated", False),
        year=year,
        month=month,
        day=day,
        organisations=orgs,
        venue=_source_name(obj.get("primary_location")),
        identifiers=_identifiers(obj),
        line=n,
        extra=_extra(obj),
    )


def _identifiers(obj: dict[str, Any]) -> dict[str, str]:
    """The work's OpenAlex id, DOI, PubMed and MAG ids, and an arXiv id from its locations."""
    ids: dict[str, str] = {}
    wid = _short_id(obj.get("id"))
    if wid:
        ids["openalex"] = wid
    ext: dict[str, Any] = obj["ids"] if isinstance(obj.get("ids"), dict) else {}
    doi = R.doi(obj.get("doi") or ext.get("doi"))
    if doi:
        ids["doi"] = doi
    for key in ("pmid", "mag"):
        if isinstance(ext.get(key), str | int) and not isinstance(ext.get(key), bool) and str(ext[key]).strip("/ "):
            ids[key] = str(ext[key]).rstrip("/").rsplit("/", 1)[-1]
    more = obj.get("locations")
    for loc in [obj.get("primary_location"), *(more if isinstance(more, list) else [])]:
        url = str(loc.get("landing_page_url") or loc.get("pdf_url") or "") if isinstance(loc, dict) else ""
        arxiv = R.arxiv_id(url) if "arxiv.org" in url else None
        if arxiv:
            ids["arxiv"] = arxiv
            break
    return ids


def _authors(obj: dict[str, Any], source: str, n: int) -> tuple[list[ParsedAuthor], list[str]]:
    """The people of a work's authorships (name, ORCID, institutions) and its organisations:
    every institution, and the authors that are organisations (sorted)."""
    authorships = obj.get("authorships") or []
    if not isinstance(authorships, list):
        raise ParseError(
            "authorships is not a list", source=source, format=NAME, record=n, expected="a list of authorships"
        )
    authors = []
    orgs: set[str] = set()
    for a in authorships:
        if not isinstance(a, dict):
            continue
        who: dict[str, Any] = a["author"] if isinstance(a.get("author"), dict) else {}
        insts = _names(a.get("institutions"))
        orgs.update(insts)
        raw_name = R.clean(a.get("raw_author_name"))
        pa = R.author(who.get("display_name") or raw_name, orcid_value=who.get("orcid"), affiliations=insts)
        if pa is None:
            continue
        if raw_name and raw_name != pa.name:
            pa.raw = raw_name
        authors.append(pa)
    people, named_orgs = R.split_organisations(authors)
    return people, sorted(orgs.union(named_orgs))


def _names(listed: Any) -> list[str]:
    """The cleaned ``display_name`` of each object of a list (institutions, topics)."""
    if not isinstance(listed, list):
        return []
    return [name for name in (R.clean(i.get("display_name")) for i in listed if isinstance(i, dict)) if name]


def _extra(obj: dict[str, Any]) -> dict[str, Any]:
    """What a paper keeps besides its fields: topics, primary topic, work type, citation count."""
    extra: dict[str, Any] = {}
    topics = _names(obj.get("topics"))
    if topics:
        extra["topics"] = topics
    primary = obj.get("primary_topic")
    if isinstance(primary, dict) and primary.get("display_name"):
        extra["primary_topic"] = R.clean(primary["display_name"])
    if isinstance(obj.get("type"), str) and obj["type"]:
        extra["type"] = obj["type"]
    cited = R.citations(obj.get("cited_by_count"), "openalex", obj.get("updated_date"))
    if cited:
        extra["citations"] = cited
    return extra


#: The streaming hook (one line) and the whole-file parser.
parse_line, parse = R.json_parsers(NAME, paper_from_record)
