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


def sniff(text: str, source: str) -> float:
    return 0.95 if _is_export(R.first_record(text)) else 0.0


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
        return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=bool(obj.get("authors_complete", True)),
        year=num("year"),
        month=num("month"),
        day=num("day"),
        category=R.clean(obj.get("category")),
        has_code=bool(obj.get("has_code")),
        organisations=[o for o in (R.clean(x) for x in obj.get("organisations") or []) if o],
        venue=R.clean(obj.get("venue")),
        identifiers={str(k): str(v) for k, v in obj["identifiers"].items() if v},
        line=line,
    )


#: The streaming hook (one line) and the whole-file parser.
parse_line, parse = R.json_parsers(NAME, paper_from_record)
