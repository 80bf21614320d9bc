"""Request input → core arguments, shared by the JSON API and the pages.

Uploads for *whois* and *reviewers* are parsed here, in memory (never written, never
executed), and refused beyond the per-request record limit. Ids and offsets are bounded to
what the database can hold, so a huge number is a 422, never a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from starlette.datastructures import UploadFile as StarletteUploadFile

from .. import formats
from ..errors import InputError, QueryError, UnknownFormatError
from ..formats._io import decode_bytes
from ..records import ParsedPaper, ParsedProfile
from .problems import LimitExceeded
from .security import WriteDenied, same_origin

#: Largest id or offset a SQLite/PostgreSQL integer holds (2⁶³ − 1).
MAX_INT = 2**63 - 1
MAX_LIMIT = 200
PAGE = 25

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip")]
SearchQ = Annotated[str | None, Query(max_length=500, description="Substring filter")]
PaperId = Annotated[int, Path(ge=0, le=MAX_INT, description="A paper id")]
PersonId = Annotated[int, Path(ge=0, le=MAX_INT, description="A person id")]


def parse_upload(data: bytes, filename: str | None, format: str | None, max_records: int) -> ParsedProfile:
    """Parse an uploaded profile in memory; more than ``max_records`` papers is refused (413)."""
    name = (filename or "pasted").replace("\n", " ")[:200]
    source = f"<upload:{name}>"
    if not data.strip():
        raise InputError("the upload is empty: paste a profile or choose a file")
    parsed = formats.parse_text(decode_bytes(data, source), source, format or None)
    if len(parsed.papers) > max_records:
        raise LimitExceeded(
            413,
            "Too many records",
            f"{source} has {len(parsed.papers)} records; this server takes at most {max_records} per request",
            "SCHOLARLENS_WEB_MAX_RECORDS",
        )
    return parsed


def paper_text(title: str | None, abstract: str | None, text: str | None) -> str:
    """A submission's text from a form: title and abstract, or one text."""
    parts = [p.strip() for p in (title, abstract, text) if p and p.strip()]
    if not parts:
        raise QueryError("give the paper's title and abstract (or its text)")
    return "\n\n".join(parts)


def submission_upload(data: bytes, filename: str | None, max_records: int) -> ParsedPaper | None:
    """The one paper of an uploaded submission in any supported format (BibTeX, RIS, CSL-JSON,
    an OpenReview note, ...), or None when the file is plain text (title and abstract)."""
    try:
        parsed = parse_upload(data, filename, None, max_records)
    except UnknownFormatError:
        return None
    papers = [p for p in parsed.papers if p.title or p.abstract]
    if len(papers) != 1:
        raise InputError(f"{filename or 'the upload'}: found {len(papers)} papers ({parsed.format}); upload one submission")
    return papers[0]


def author_list(authors: str) -> list[str]:
    """Author names typed one per line (or separated by ``;``)."""
    return [a.strip() for a in authors.replace(";", "\n").split("\n") if a.strip()]


def check_format(format: str | None) -> str | None:
    """A forced format name, checked (unknown → 422), or None to detect it."""
    if format:
        formats.get_format(format)
    return format or None


def file_bytes(file: Any) -> bytes:
    """Bytes of an optional upload field (browsers send an empty part when none was chosen)."""
    if isinstance(file, StarletteUploadFile) and file.filename:
        return file.file.read()
    return b""


def csrf(headers: Any) -> None:
    """Refuse a form posted from another site."""
    if not same_origin(headers):
        raise WriteDenied(403, "cross-site form submission refused")


def page(items: list[Any], limit: int, offset: int, total: int | None) -> dict[str, Any]:
    """An API page from ``limit + 1`` fetched items (the extra one only says whether more exist)."""
    more = len(items) > limit
    return {
        "items": items[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
        "total": total,
    }


def pager(offset: int, limit: int, n_items: int, total: int | None) -> dict[str, Any]:
    """Links and counts for an HTML list page."""
    return {
        "offset": offset,
        "limit": limit,
        "prev": max(offset - limit, 0) if offset > 0 else None,
        "next": offset + limit if n_items > limit else None,
        "total": total,
        "first": offset + 1 if n_items else 0,
        "last": offset + min(n_items, limit),
    }
