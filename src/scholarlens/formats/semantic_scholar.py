"""Semantic Scholar records: paper records (one object, a list, or JSON lines) and author
records (``authorId``, ``name``, ``papers``).

Paper fields read: ``title``, ``abstract``, ``year``, ``ssId``/``paperId``, ``arXivId`` or
``externalIds``, ``venue``, ``authors`` — a list of names or of ``{"name", "authorId"}``
objects, or (in the benchmark corpus) a *string* holding a Python-style list, read with
:func:`ast.literal_eval` (never ``eval``).
"""

from __future__ import annotations

import ast
import json
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import parse_name
from ..text import clean_text

PAPER = "s2-paper"
AUTHOR = "s2-author"


def _load(text: str, source: str, fmt: str) -> list[tuple[int, Any]]:
    """JSON document or JSON lines → (line, object) pairs."""
    stripped = text.strip()
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if "\n" not in stripped:
            raise ParseError(f"invalid JSON ({exc.msg})", source=source, format=fmt, line=exc.lineno, expected="a JSON object") from exc
        out = []
        for lineno, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                out.append((lineno, json.loads(line)))
            except json.JSONDecodeError as exc2:
                raise ParseError(
                    f"invalid JSON line ({exc2.msg})", source=source, format=fmt, line=lineno, expected="one JSON object per line"
                ) from exc2
        return out
    if isinstance(doc, list):
        return [(i + 1, d) for i, d in enumerate(doc)]
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return [(i + 1, d) for i, d in enumerate(doc["data"])]
    return [(1, doc)]


def _is_paper(obj: Any) -> bool:
    return isinstance(obj, dict) and "title" in obj and ("ssId" in obj or "paperId" in obj or "abstract" in obj)


#: Largest document :func:`sniff_paper` parses when the key names are not near the start.
SNIFF_PARSE_LIMIT = 2_000_000


def sniff_paper(text: str, source: str) -> float:
    head = text.lstrip()[:4000]
    if not head.startswith(("{", "[")):
        return 0.0
    if '"ssId"' in head or ('"paperId"' in head and '"title"' in head):
        return 0.8 if '"authorId"' not in head[:200] else 0.0
    if '"corpusid"' in head and ('"externalids"' in head or '"title"' in head or '"abstract"' in head):
        return 0.85  # the Semantic Scholar datasets' papers / abstracts shape
    # A long abstract can push the id keys past the head: look at the first record itself.
    if len(text) <= SNIFF_PARSE_LIMIT:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return 0.0
        first = doc[0] if isinstance(doc, list) and doc else doc
        if isinstance(first, dict) and "authorId" not in first and _is_paper(first) and ("ssId" in first or "paperId" in first):
            return 0.8
    return 0.0


def sniff_author(text: str, source: str) -> float:
    head = text.lstrip()[:2000]
    return 0.85 if head.startswith("{") and '"authorId"' in head[:300] and '"papers"' in head else 0.0


def parse_authors(value: Any, source: str, record: Any, fmt: str) -> list[ParsedAuthor]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value) if value.strip().startswith("[") else [value]
        except (ValueError, SyntaxError) as exc:
            raise ParseError("authors is not a list", source=source, format=fmt, record=record, expected="a list of names") from exc
    if not isinstance(value, list):
        raise ParseError("authors is not a list", source=source, format=fmt, record=record, expected="a list of names")
    out = []
    for a in value:
        name = a.get("name") if isinstance(a, dict) else a
        if not isinstance(name, str) or not clean_text(name):
            continue
        name = clean_text(name)
        n = parse_name(name)
        out.append(ParsedAuthor(name=name, given=" ".join(n.given) or None, family=n.family))
    return out


def paper_from_record(obj: dict[str, Any], source: str, record: Any, fmt: str = PAPER) -> ParsedPaper:
    if not isinstance(obj, dict):
        raise ParseError("record is not an object", source=source, format=fmt, record=record, expected="a JSON object")
    ids: dict[str, str] = {}
    ssid = obj.get("ssId") or obj.get("paperId") or obj.get("paperid")
    if ssid:
        ids["s2"] = str(ssid)
    # API: externalIds {"ArXiv", "DOI", "CorpusId"}; datasets: externalids, corpusid.
    ext = obj.get("externalIds") or obj.get("externalids") or {}
    if not isinstance(ext, dict):
        raise ParseError("externalIds is not an object", source=source, format=fmt, record=record, expected="an object of id schemes")
    arxiv = obj.get("arXivId") or ext.get("ArXiv") or ext.get("arxiv")
    if arxiv:
        ids["arxiv"] = str(arxiv)
    doi = obj.get("doi") or ext.get("DOI") or ext.get("doi")
    if doi:
        ids["doi"] = str(doi).lower()
    corpus = obj.get("corpusId") or obj.get("corpusid") or ext.get("CorpusId")
    if corpus:
        ids["s2corpus"] = str(corpus)
    year = obj.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        raise ParseError(f"year {year!r} is not a number", source=source, format=fmt, record=record, expected="an integer year") from None
    month = day = None
    date = obj.get("publicationDate") or obj.get("publicationdate")
    if isinstance(date, str) and date[:4].isdigit():
        parts = [*date.split("-"), "", ""][:3]
        year = year or int(parts[0])
        if year == int(parts[0]):
            month = int(parts[1]) if parts[1].isdigit() else None
            day = int(parts[2][:2]) if parts[2][:2].isdigit() else None
    journal = obj.get("journal")
    venue = obj.get("venue") or (journal.get("name") if isinstance(journal, dict) else None)
    fields = obj.get("fieldsOfStudy") or [f.get("category") for f in obj.get("s2fieldsofstudy") or [] if isinstance(f, dict)]
    for key in ("title", "abstract", "venue"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise ParseError(f"{key} is not text", source=source, format=fmt, record=record, expected=f"a string {key}")
    if venue is not None and not isinstance(venue, str):
        venue = None
    return ParsedPaper(
        title=clean_text(obj.get("title")) or None,
        abstract=clean_text(obj.get("abstract")) or None,
        authors=parse_authors(obj.get("authors"), source, record, fmt),
        year=year,
        month=month,
        day=day,
        venue=clean_text(venue) or None,
        identifiers=ids,
        line=record if isinstance(record, int) else None,
        extra={"fields_of_study": sorted({str(f) for f in fields if f})} if isinstance(fields, list) and any(fields) else {},
    )


def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
    """One line of a JSON-lines dump of paper records (API pages or the datasets' shape)."""
    from ._records import json_line

    paper = paper_from_record(json_line(raw, source, line, PAPER), source, line)
    return paper if paper.title or paper.abstract else None


def parse_paper(text: str, source: str) -> ParsedProfile:
    papers = []
    for n, obj in _load(text, source, PAPER):
        paper = paper_from_record(obj, source, n)
        if paper.title or paper.abstract:
            papers.append(paper)
    return ParsedProfile(source=source, format=PAPER, papers=papers)


def parse_author(text: str, source: str) -> ParsedProfile:
    objs = _load(text, source, AUTHOR)
    n, obj = objs[0]
    if not isinstance(obj, dict) or "name" not in obj:
        raise ParseError("no author name", source=source, format=AUTHOR, record=n, expected="an object with 'authorId', 'name', 'papers'")
    papers = []
    for i, p in enumerate(obj.get("papers") or [], 1):
        if isinstance(p, dict) and (p.get("title") or p.get("abstract")):
            papers.append(paper_from_record(p, source, i, AUTHOR))
    return ParsedProfile(source=source, format=AUTHOR, papers=papers, declared_name=clean_text(obj["name"]))
