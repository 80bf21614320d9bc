"""OpenReview notes: a profile's archive (``~Jane_Doe1.jsonl``, one note per line) and
venue submissions (a JSON list of notes, an API response ``{"notes": [...]}``, or JSON lines).

Both API versions are read: v1 ``content`` holds plain values (``"title": "..."``), v2 wraps
each in ``{"value": ...}``. Read: ``id``/``forum`` (the ``openreview`` identifier),
``content.title``, ``abstract``, ``authors``, ``authorids`` (kept in ``extra``), ``venue``,
``venueid``, ``_bibtex`` (an arXiv eprint in it is kept), ``pdate``/``cdate``/``tcdate``
(milliseconds) or the year in the venue. The archive's owner is the profile id in the file
name (``~Jane_Doe1`` → ``Jane Doe``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ParseError
from ..models import ParsedPaper, ParsedProfile
from . import _records as R

ARCHIVE = "openreview-archive"
SUBMISSIONS = "openreview"
_PROFILE_ID = re.compile(r"^~([^/\\]+?)\d*$")
_EPRINT = re.compile(r"eprint\s*=\s*[{\"]?\s*([^},\"\s]+)", re.IGNORECASE)


def _is_note(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("content"), dict)
        and "title" in obj["content"]
        and ("forum" in obj or "invitation" in obj or "invitations" in obj or "cdate" in obj or "id" in obj)
    )


def _profile_stem(source: str) -> str | None:
    stem = Path(source).name
    for suffix in (".gz", ".jsonl", ".json", ".ndjson"):
        stem = stem.removesuffix(suffix)
    return stem if stem.startswith("~") else None


def sniff_submissions(text: str, source: str) -> float:
    return 0.9 if _is_note(R.first_record(text)) else 0.0


def sniff_archive(text: str, source: str) -> float:
    return 0.95 if _profile_stem(source) and _is_note(R.first_record(text)) else 0.0


def declared_name(source: str) -> str | None:
    """``~Jane_Doe1.jsonl`` → ``Jane Doe``."""
    stem = _profile_stem(source)
    m = _PROFILE_ID.match(stem or "")
    return R.clean(m.group(1).replace("_", " ")) if m else None


def _value(content: dict[str, Any], key: str) -> Any:
    v = content.get(key)
    return v.get("value") if isinstance(v, dict) and "value" in v else v


def paper_from_note(obj: Any, source: str, n: int, fmt: str = SUBMISSIONS) -> ParsedPaper | None:
    if not _is_note(obj):
        raise ParseError(
            "not an OpenReview note",
            source=source,
            format=fmt,
            record=n,
            expected="an object with 'id' and 'content.title'",
        )
    content = obj["content"]
    title, abstract = R.clean(_value(content, "title")), R.clean(_value(content, "abstract"))
    if not title and not abstract:
        return None
    names = _value(content, "authors") or []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        raise ParseError("authors is not a list", source=source, format=fmt, record=n, expected="a list of names")
    authors = [a for a in (R.author(x) for x in names if isinstance(x, str)) if a]
    ids: dict[str, str] = {}
    forum = obj.get("forum") or obj.get("id")
    if forum:
        ids["openreview"] = str(forum)
    bib = _value(content, "_bibtex")
    if isinstance(bib, str):
        m = _EPRINT.search(bib)
        arxiv = R.arxiv_id(m.group(1)) if m else None
        if arxiv:
            ids["arxiv"] = arxiv
    venue = R.clean(_value(content, "venue"))
    year = month = day = None
    for key in ("pdate", "odate", "cdate", "tcdate"):
        if isinstance(obj.get(key), int | float):
            year, month, day = R.parse_date(obj[key])
            break
    if venue:
        vy, _, _ = R.parse_date(venue)
        if vy:  # the venue's year is the publication year; the note date may be earlier
            year, month, day = (year, month, day) if year == vy else (vy, None, None)
    extra: dict[str, Any] = {}
    authorids = _value(content, "authorids")
    if isinstance(authorids, list):
        extra["authorids"] = [str(a) for a in authorids]
    if _value(content, "venueid"):
        extra["venueid"] = str(_value(content, "venueid"))
    keywords = _value(content, "keywords")
    if isinstance(keywords, list):
        extra["keywords"] = [str(k) for k in keywords]
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        month=month,
        day=day,
        venue=venue,
        identifiers=ids,
        line=n,
        extra=extra,
    )


def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
    return paper_from_note(R.json_line(raw, source, line, SUBMISSIONS), source, line)


def _parse(text: str, source: str, fmt: str, errors: list[ParseError] | None) -> list[ParsedPaper]:
    papers = R.collect_papers(
        R.json_records(text, source, fmt, errors), lambda o, n: paper_from_note(o, source, n, fmt), errors
    )
    return papers


def parse_submissions(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    return ParsedProfile(source=source, format=SUBMISSIONS, papers=_parse(text, source, SUBMISSIONS, errors))


def parse_archive(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    return ParsedProfile(
        source=source, format=ARCHIVE, papers=_parse(text, source, ARCHIVE, errors), declared_name=declared_name(source)
    )
