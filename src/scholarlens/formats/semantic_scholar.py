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


def sniff_paper(text: str, source: str) -> float:
    head = text.lstrip()[:4000]
    if not head.startswith(("{", "[")):
        return 0.0
    if '"ssId"' in head or ('"paperId"' in head and '"title"' in head):
        return 0.8 if '"authorId"' not in head[:200] else 0.0
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
    ssid = obj.get("ssId") or obj.get("paperId")
    if ssid:
        ids["s2"] = str(ssid)
    ext = obj.get("externalIds") or {}
    arxiv = obj.get("arXivId") or ext.get("ArXiv")
    if arxiv:
        ids["arxiv"] = str(arxiv)
    doi = obj.get("doi") or ext.get("DOI")
    if doi:
        ids["doi"] = str(doi).lower()
    year = obj.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        raise ParseError(f"year {year!r} is not a number", source=source, format=fmt, record=record, expected="an integer year") from None
    return ParsedPaper(
        title=clean_text(obj.get("title")) or None,
        abstract=clean_text(obj.get("abstract")) or None,
        authors=parse_authors(obj.get("authors"), source, record, fmt),
        year=year,
        venue=clean_text(obj.get("venue")) or None,
        identifiers=ids,
        line=record if isinstance(record, int) else None,
    )


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
