"""Semantic Scholar records: paper records (one object, a list, an API page, a batch response,
JSON lines, the datasets' shape or S2ORC metadata) and author records (``authorId``,
``name``, ``papers``).

Paper fields read: ``title``, ``abstract``, ``year``, ``publicationDate``,
``ssId``/``paperId``/``paper_id``, ``arXivId``/``arxiv_id`` or ``externalIds``, ``doi``,
``venue``/``journal``, ``authors`` — a list of names, of ``{"name", "authorId"}`` objects, of
S2ORC ``{"first", "middle", "last", "suffix"}`` parts, or (in the benchmark corpus) a *string*
holding a Python-style list, read with :func:`ast.literal_eval` (never ``eval``). A batch
response's ``null`` entries (unknown ids) are skipped; citation pages
(``{"citingPaper": {...}}``) are unwrapped.
"""

from __future__ import annotations

import ast
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import parse_name
from . import _records as R

PAPER = "s2-paper"
AUTHOR = "s2-author"
_S2ORC_KEYS = {"mag_field_of_study", "s2_url", "outbound_citations", "has_pdf_parse", "acl_id", "pmc_id"}
_NESTED = ("citingPaper", "citedPaper", "paper")
#: Longest ``authors`` string read as a Python-style list.
_LITERAL_LIMIT = 200_000


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, dict) and len(obj) <= 2:
        for key in _NESTED:
            if isinstance(obj.get(key), dict):
                return obj[key]
    return obj


def _is_s2orc(obj: dict[str, Any]) -> bool:
    return "paper_id" in obj and bool(_S2ORC_KEYS & set(obj)) and "identifiers" not in obj


def sniff_paper(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    if lay is None:
        return 0.0, ""
    first = _unwrap(lay.first)
    if not isinstance(first, dict) or "authorId" in first:
        return 0.0, ""
    if _is_s2orc(first):
        return 0.9, f"S2ORC metadata: 'paper_id' and {sorted(_S2ORC_KEYS & set(first))[:2]} in {lay.how}"
    if "corpusid" in first and ("externalids" in first or "title" in first or "abstract" in first):
        return 0.85, f"Semantic Scholar datasets: 'corpusid' in {lay.how}"
    if ("ssId" in first or "paperId" in first) and "title" in first and "content" not in first:
        return 0.8, f"Semantic Scholar paper: 'paperId'/'ssId' and 'title' in {lay.how}"
    return 0.0, ""


def sniff_author(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    first = lay.first if lay is not None else None
    if isinstance(first, dict) and "authorId" in first and isinstance(first.get("papers"), list):
        return 0.85, f"Semantic Scholar author: 'authorId' and a 'papers' list in {lay.how}"  # type: ignore[union-attr]
    return 0.0, ""


def _literal_list(value: str, source: str, record: Any, fmt: str) -> Any:
    if not value.strip().startswith("["):
        return [value]
    if len(value) > _LITERAL_LIMIT:
        raise ParseError("authors string is too long", source=source, format=fmt, record=record, expected="a list of names")
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ParseError("authors is not a list", source=source, format=fmt, record=record, expected="a list of names") from None


def _author(a: Any) -> ParsedAuthor | None:
    if isinstance(a, dict) and "name" not in a and ("last" in a or "first" in a):  # S2ORC name parts
        middle = a.get("middle")
        parts = [a.get("first"), *(middle if isinstance(middle, list) else [middle]), a.get("last"), a.get("suffix")]
        words = [str(p) for p in parts if isinstance(p, str | int) and not isinstance(p, bool) and str(p).strip()]
        given = " ".join(str(p) for p in [a.get("first"), *(middle if isinstance(middle, list) else [])] if isinstance(p, str) and p.strip())
        family = a.get("last") if isinstance(a.get("last"), str) else None
        return R.author(" ".join(words), given=given or None, family=family)
    name = a.get("name") if isinstance(a, dict) else a
    if not isinstance(name, str):
        return None
    display = R.clean(name)
    if not display:
        return None
    n = parse_name(display)
    return ParsedAuthor(name=display, given=" ".join(n.given) or None, family=n.family)


def parse_authors(value: Any, source: str, record: Any, fmt: str) -> list[ParsedAuthor]:
    if value is None:
        return []
    if isinstance(value, str):
        value = _literal_list(value, source, record, fmt)
    if not isinstance(value, list | tuple):
        raise ParseError("authors is not a list", source=source, format=fmt, record=record, expected="a list of names")
    return [a for a in (_author(x) for x in value) if a]


def _ids(obj: dict[str, Any], source: str, record: Any, fmt: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    ssid = obj.get("ssId") or obj.get("paperId") or obj.get("paperid")
    if isinstance(ssid, str | int) and not isinstance(ssid, bool) and str(ssid).strip():
        ids["s2"] = str(ssid).strip()
    ext = obj.get("externalIds") or obj.get("externalids") or {}
    if not isinstance(ext, dict):
        raise ParseError("externalIds is not an object", source=source, format=fmt, record=record, expected="an object of id schemes")
    arxiv = R.arxiv_id(obj.get("arXivId") or obj.get("arxiv_id") or ext.get("ArXiv") or ext.get("arxiv"))
    if arxiv:
        ids["arxiv"] = arxiv
    doi = R.doi(obj.get("doi") or ext.get("DOI") or ext.get("doi"))
    if doi:
        ids["doi"] = doi
    corpus = R.number(obj.get("corpusId") or obj.get("corpusid") or ext.get("CorpusId"))
    if corpus is None and _is_s2orc(obj):
        corpus = R.number(obj.get("paper_id"))
    if corpus is not None:
        ids["s2corpus"] = str(corpus)
    for scheme, keys in (("pmid", ("pubmed_id", "PubMed")), ("mag", ("mag_id", "MAG"))):
        value = next((v for k in keys for v in (obj.get(k), ext.get(k)) if isinstance(v, str | int) and not isinstance(v, bool)), None)
        if value not in (None, ""):
            ids[scheme] = str(value)
    return ids


def _text_field(obj: dict[str, Any], key: str, source: str, record: Any, fmt: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ParseError(f"{key} is not text", source=source, format=fmt, record=record, expected=f"a string {key}")
    return R.clean(value)


def paper_from_record(obj: Any, source: str, record: Any, fmt: str = PAPER) -> ParsedPaper:
    obj = _unwrap(obj)
    if not isinstance(obj, dict):
        raise ParseError("record is not an object", source=source, format=fmt, record=record, expected="a JSON object")
    year_value = obj.get("year")
    year = R.number(year_value)
    if year_value not in (None, "") and year is None:
        raise ParseError(f"year {str(year_value)[:20]!r} is not a number", source=source, format=fmt, record=record, expected="an integer year")
    _, month, day = R.parse_date(obj.get("publicationDate") or obj.get("publicationdate"))
    date_year, _, _ = R.parse_date(obj.get("publicationDate") or obj.get("publicationdate"))
    if year is None:
        year = date_year
    elif date_year != year:
        month = day = None
    journal = obj.get("journal")
    venue = obj.get("venue") or (journal.get("name") if isinstance(journal, dict) else journal)
    fields = obj.get("fieldsOfStudy") or obj.get("mag_field_of_study") or [
        f.get("category") for f in obj.get("s2fieldsofstudy") or [] if isinstance(f, dict)
    ]
    authors, orgs = R.split_organisations(parse_authors(obj.get("authors"), source, record, fmt))
    extra: dict[str, Any] = {}
    if isinstance(fields, list) and any(fields):
        extra["fields_of_study"] = sorted({str(f) for f in fields if f})
    cited = R.citations(obj.get("citationCount", obj.get("citationcount")), "semantic-scholar")
    if cited:
        extra["citations"] = cited
    return ParsedPaper(
        title=_text_field(obj, "title", source, record, fmt),
        abstract=_text_field(obj, "abstract", source, record, fmt),
        authors=authors,
        year=year if year is None or 1000 <= year <= 2999 else None,
        month=month,
        day=day,
        venue=R.clean(venue) if isinstance(venue, str) else None,
        organisations=orgs,
        identifiers=_ids(obj, source, record, fmt),
        line=record if isinstance(record, int) else None,
        extra=extra,
    )


def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
    """One line of a JSON-lines dump of paper records (API pages or the datasets' shape)."""
    obj = R.json_line(raw, source, line, PAPER)
    R.refuse_wrapper(obj, source, line, PAPER)
    if obj is None:
        return None
    paper = paper_from_record(obj, source, line)
    return paper if paper.title or paper.abstract else None


def parse_paper(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    def build(obj: Any, n: int) -> ParsedPaper | None:
        paper = paper_from_record(obj, source, n)
        return paper if paper.title or paper.abstract else None

    papers = R.collect_papers(R.json_records(text, source, PAPER, errors), build, errors)
    return ParsedProfile(source=source, format=PAPER, papers=papers)


def parse_author(text: str, source: str) -> ParsedProfile:
    obj = R.first_record(text)
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        raise ParseError("no author name", source=source, format=AUTHOR, record=1, expected="an object with 'authorId', 'name', 'papers'")
    papers = []
    listed = obj.get("papers")
    for i, p in enumerate(listed if isinstance(listed, list) else [], 1):
        if isinstance(p, dict) and (p.get("title") or p.get("abstract")):
            papers.append(paper_from_record(p, source, i, AUTHOR))
    return ParsedProfile(source=source, format=AUTHOR, papers=papers, declared_name=R.clean(obj["name"]))
