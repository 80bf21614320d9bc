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
from ..models import ParsedPaper
from . import _records as R

NAME = "openalex"


def sniff(text: str, source: str) -> float:
    head = text.lstrip()[:4000]
    if not head.startswith(("{", "[")):
        return 0.0
    first = R.first_record(text)
    if isinstance(first, dict):
        oid = str(first.get("id") or "")
        if "openalex.org/W" in oid or (
            "authorships" in first and ("abstract_inverted_index" in first or "publication_year" in first)
        ):
            return 0.95
        return 0.0
    return 0.9 if '"https://openalex.org/W' in head and '"authorships"' in text[:200_000] else 0.0


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
    if not isinstance(obj, dict):
        raise ParseError(
            "work is not an object", source=source, format=NAME, record=n, expected="an OpenAlex work object"
        )
    title = R.clean(obj.get("title") or obj.get("display_name"))
    abstract = R.clean(rebuild_abstract(obj.get("abstract_inverted_index")) or obj.get("abstract"))
    if not title and not abstract:
        return None
    ids: dict[str, str] = {}
    wid = _short_id(obj.get("id"))
    if wid:
        ids["openalex"] = wid
    ext: dict[str, Any] = obj["ids"] if isinstance(obj.get("ids"), dict) else {}
    doi = R.doi(obj.get("doi") or ext.get("doi"))
    if doi:
        ids["doi"] = doi
    for key in ("pmid", "mag"):
        if ext.get(key):
            ids[key] = str(ext[key]).rstrip("/").rsplit("/", 1)[-1]
    locations = [obj.get("primary_location"), *(obj.get("locations") or [])]
    for loc in locations:
        if isinstance(loc, dict):
            url = str(loc.get("landing_page_url") or loc.get("pdf_url") or "")
            if "arxiv.org" in url:
                arxiv = R.arxiv_id(url)
                if arxiv:
                    ids["arxiv"] = arxiv
                    break
    authors = []
    orgs: set[str] = set()
    authorships = obj.get("authorships") or []
    if not isinstance(authorships, list):
        raise ParseError(
            "authorships is not a list", source=source, format=NAME, record=n, expected="a list of authorships"
        )
    for a in authorships:
        if not isinstance(a, dict):
            continue
        who: dict[str, Any] = a["author"] if isinstance(a.get("author"), dict) else {}
        insts = [
            n for n in (R.clean(i.get("display_name")) for i in a.get("institutions") or [] if isinstance(i, dict)) if n
        ]
        orgs.update(insts)
        raw_name = R.clean(a.get("raw_author_name"))
        pa = R.author(who.get("display_name") or raw_name, orcid_value=who.get("orcid"), affiliations=insts)
        if pa is None:
            continue
        if raw_name and raw_name != pa.name:
            pa.raw = raw_name
        authors.append(pa)
    year, month, day = R.parse_date(obj.get("publication_date"))
    if year is None:
        year, month, day = R.parse_date(obj.get("publication_year"))
    extra: dict[str, Any] = {}
    topics = [n for n in (R.clean(t.get("display_name")) for t in obj.get("topics") or [] if isinstance(t, dict)) if n]
    if topics:
        extra["topics"] = topics
    primary = obj.get("primary_topic")
    if isinstance(primary, dict) and primary.get("display_name"):
        extra["primary_topic"] = R.clean(primary["display_name"])
    if obj.get("type"):
        extra["type"] = str(obj["type"])
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=not obj.get("is_authors_truncated", False),
        year=year,
        month=month,
        day=day,
        organisations=sorted(orgs),
        venue=_source_name(obj.get("primary_location")),
        identifiers=ids,
        line=n,
        extra=extra,
    )


#: The streaming hook (one line) and the whole-file parser.
parse_line, parse = R.json_parsers(NAME, paper_from_record)
