"""ScholarLens's own JSON-lines export (``scholarlens export --format jsonl``), read back.

One paper per line: ``paper_id``, ``title``, ``abstract``, ``authors`` (``{"name", "orcid"}``),
``authors_complete``, ``year``/``month``/``day``, ``category``, ``venue``, ``has_code``,
``organisations``, ``identifiers`` (scheme → value).
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..models import ParsedPaper
from . import _records as R

NAME = "scholarlens-jsonl"


def _is_export(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "paper_id" in obj
        and isinstance(obj.get("identifiers"), dict)
        and "authors_complete" in obj
    )


def sniff(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    if lay is not None and _is_export(lay.first):
        return 0.95, f"ScholarLens export: 'paper_id', 'identifiers', 'authors_complete' in {lay.how}"
    return 0.0, ""


def paper_from_record(obj: Any, source: str, line: int) -> ParsedPaper | None:
    if not _is_export(obj):
        raise ParseError(
            "not a ScholarLens export record",
            source=source,
            format=NAME,
            line=line,
            expected="paper_id, identifiers, authors",
        )
    if not isinstance(obj.get("authors"), list):
        raise ParseError(
            "authors is not a list", source=source, format=NAME, line=line, expected="a list of {name, orcid}"
        )
    title, abstract = R.clean(obj.get("title")), R.clean(obj.get("abstract"))
    if not title and not abstract:
        return None
    authors = []
    for a in obj["authors"]:
        pa = R.author(a.get("name"), orcid_value=a.get("orcid")) if isinstance(a, dict) else R.author(a)
        if pa:
            authors.append(pa)

    def num(key: str) -> int | None:
        v = obj.get(key)
        return R.number(v) if isinstance(v, int | float) else None

    orgs = obj.get("organisations")

    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=bool(obj.get("authors_complete", True)),
        year=num("year"),
        month=num("month"),
        day=num("day"),
        category=R.clean(obj["category"]) if isinstance(obj.get("category"), str) else None,
        has_code=bool(obj.get("has_code")),
        organisations=[o for o in (R.clean(x) for x in orgs if isinstance(x, str)) if o] if isinstance(orgs, list) else [],
        venue=R.clean(obj["venue"]) if isinstance(obj.get("venue"), str) else None,
        identifiers={str(k): str(v) for k, v in obj["identifiers"].items() if isinstance(v, str | int) and not isinstance(v, bool) and str(v)},
        line=line,
    )


#: The streaming hook (one line) and the whole-file parser.
parse_line, parse = R.json_parsers(NAME, paper_from_record)
