"""The arXiv metadata snapshot: the public JSON-lines dump (~2.7M records, Kaggle/arXiv S3).

One object per line::

    {"id": "0704.0001", "submitter": "...", "authors": "C. Bal\\'azs, E. L. Berger and ...",
     "title": "Calculation of prompt diphoton production cross sections at Tevatron and\\n  LHC energies",
     "comments": "...", "journal-ref": "...", "doi": "10.1103/PhysRevD.76.013009",
     "categories": "hep-ph", "abstract": "  A fully differential ...\\n", "update_date": "2008-11-13",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ...]}

Authors come from ``authors_parsed`` (LaTeX already decoded, family/given split); the
``authors`` string is the fallback. LaTeX in titles is decoded to Unicode (``Gr\\"obner`` →
Gröbner, math kept verbatim); in abstracts only the accent macros are. The year is the first version's date (the id's YYMM,
then ``update_date``, when versions are missing). All categories are kept in ``extra``.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper
from . import _records as R

NAME = "arxiv-snapshot"
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}")
_OLD_ID = re.compile(r"/(\d{2})(\d{2})\d{3}")
_AND = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def sniff(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    first = lay.first if lay is not None else None
    if not isinstance(first, dict) or "id" not in first:
        return 0.0, ""
    if "authors_parsed" in first or ("categories" in first and ("update_date" in first or "versions" in first)):
        return 0.95, f"arXiv snapshot: 'id' with 'authors_parsed'/'categories' in {lay.how}"  # type: ignore[union-attr]
    if isinstance(first.get("categories"), str) and ("title" in first or "abstract" in first):
        return 0.85, f"arXiv metadata: 'id', 'categories' and 'title' in {lay.how}"  # type: ignore[union-attr]
    return 0.0, ""


def _authors(obj: dict[str, Any], source: str, line: int) -> list[ParsedAuthor]:
    parsed = obj.get("authors_parsed")
    out: list[ParsedAuthor] = []
    if isinstance(parsed, list) and parsed:
        for entry in parsed:
            if not isinstance(entry, list) or not entry:
                raise ParseError(
                    "authors_parsed entry is not a list",
                    source=source,
                    format=NAME,
                    line=line,
                    expected="[last, first, suffix]",
                )
            parts = [p if isinstance(p, str) else "" for p in entry[:3]] + ["", ""]
            last = R.clean(parts[0]) or ""
            first = (R.clean(parts[1]) or "").replace(" -", "-")
            suffix = R.clean(parts[2]) or ""
            display = " ".join(p for p in (first, last, suffix) if p)
            if display:
                out.append(ParsedAuthor(name=display, given=first or None, family=last or None))
        return out
    raw = obj.get("authors")
    if isinstance(raw, str) and raw.strip():
        for part in _AND.split(R.latex_text(R.clean(raw) or "")):
            a = R.author(part)
            if a:
                out.append(a)
    return out


def paper_from_record(obj: Any, source: str, line: int) -> ParsedPaper | None:
    if not isinstance(obj, dict):
        raise ParseError("record is not an object", source=source, format=NAME, line=line, expected="a JSON object")
    arxiv = obj.get("id")
    if not isinstance(arxiv, str | int | float) or not str(arxiv).strip():
        raise ParseError("record has no arXiv id", source=source, format=NAME, line=line, expected="an 'id' field")
    title = R.clean(R.latex_text(obj["title"]) if isinstance(obj.get("title"), str) and "\\" in obj["title"] else obj.get("title"))
    abstract = R.clean(R.latex_accents(obj["abstract"]) if isinstance(obj.get("abstract"), str) else obj.get("abstract"))
    if not title and not abstract:
        return None
    ids = {"arxiv": str(arxiv).strip().lower()}
    doi = R.doi(obj.get("doi"))
    if doi:
        ids["doi"] = doi
    year = month = day = None
    versions = obj.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        year, month, day = R.parse_date(versions[0].get("created"))
    if year is None:
        m = _NEW_ID.match(ids["arxiv"]) or _OLD_ID.search(ids["arxiv"])
        if m:
            yy = int(m.group(1))
            year, month = (2000 + yy if yy < 91 else 1900 + yy), int(m.group(2))
        else:
            year, month, day = R.parse_date(obj.get("update_date"))
    cats = obj["categories"].split() if isinstance(obj.get("categories"), str) else []
    extra: dict[str, Any] = {"categories": cats} if cats else {}
    if isinstance(obj.get("journal-ref"), str) and obj["journal-ref"].strip():
        extra["journal_ref"] = R.clean(obj["journal-ref"])
    authors, orgs = R.split_organisations(_authors(obj, source, line))
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        organisations=orgs,
        year=year,
        month=month,
        day=day,
        category=cats[0] if cats else None,
        identifiers=ids,
        line=line,
        extra=extra,
    )


#: The streaming hook (one line) and the whole-file parser.
parse_line, parse = R.json_parsers(NAME, paper_from_record)
