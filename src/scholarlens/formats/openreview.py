"""OpenReview notes: a profile's archive (``~Jane_Doe1.jsonl``, one note per line) and
venue submissions (a JSON list of notes, an API response ``{"notes": [...]}``, or JSON lines).

Both API versions are read: v1 ``content`` holds plain values (``"title": "..."``), v2 wraps
each in ``{"value": ...}``. Read: ``id``/``forum`` (the ``openreview`` identifier),
``content.title``, ``abstract``, ``authors``, ``authorids`` (kept in ``extra``), ``venue``,
``venueid``, ``_bibtex`` (an arXiv eprint in it is kept), ``pdate``/``cdate``/``tcdate``
(milliseconds) or the year in the venue; the gold-standard archives' S2-style content
(``year``, ``ssId``, ``arXivId``) too. The archive's owner is the profile id in the file name
(``~Jane_Doe1`` → ``Jane Doe``; a numeric id names no one); a note of the archive that lists no
authors is the owner's, so the owner becomes its author (list marked incomplete).

openreview-expertise's own layout is read by :func:`read_archive` / :func:`read_archives`
(an ``archives/`` folder of ``~id.jsonl``) and :func:`read_submissions` (``submissions.json``,
a list or a map of notes, or a ``submissions/`` folder of ``.jsonl``/``.json`` files), for the
``affinity`` command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import InputError, ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from . import _records as R
from ._io import read_file

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


def sniff_submissions(text: str, source: str) -> tuple[float, str]:
    lay = R.layout(text)
    if lay is not None and _is_note(lay.first):
        return 0.9, f"OpenReview note: 'content.title' and an id in {lay.how}"
    return 0.0, ""


def sniff_archive(text: str, source: str) -> tuple[float, str]:
    stem = _profile_stem(source)
    lay = R.layout(text) if stem else None
    if lay is not None and _is_note(lay.first):
        return 0.95, f"OpenReview notes in a file named after the profile {stem!r}"
    return 0.0, ""


def profile_id(source: str) -> str | None:
    """``.../~Jane_Doe1.jsonl`` → ``~Jane_Doe1`` (``None`` when the name is not a profile id)."""
    return _profile_stem(source)


def declared_name(source: str) -> str | None:
    """``~Jane_Doe1.jsonl`` → ``Jane Doe``; a numeric id (``~144974941``, a Semantic Scholar
    author) names no one."""
    stem = _profile_stem(source)
    m = _PROFILE_ID.match(stem or "")
    if not m or not any(c.isalpha() for c in m.group(1)):
        return None
    return R.clean(m.group(1).replace("_", " "))


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
    authors, orgs = R.split_organisations([a for a in (R.author(x) for x in names if isinstance(x, str)) if a])
    ids: dict[str, str] = {}
    forum = obj.get("forum") or obj.get("id")
    if isinstance(forum, str | int) and not isinstance(forum, bool) and str(forum).strip():
        ids["openreview"] = str(forum).strip()
    for scheme, key in (("s2", "ssId"), ("arxiv", "arXivId"), ("doi", "doi")):
        value = _value(content, key)
        if isinstance(value, str) and value.strip():
            ids[scheme] = (R.arxiv_id(value) if scheme == "arxiv" else R.doi(value) if scheme == "doi" else value.strip()) or value.strip()
    bib = _value(content, "_bibtex")
    if isinstance(bib, str):
        m = _EPRINT.search(bib)
        arxiv = R.arxiv_id(m.group(1)) if m else None
        if arxiv:
            ids["arxiv"] = arxiv
    venue_value = _value(content, "venue")
    venue = R.clean(venue_value) if isinstance(venue_value, str) else None
    year = month = day = None
    for key in ("pdate", "odate", "cdate", "tcdate"):
        if isinstance(obj.get(key), int | float) and not isinstance(obj.get(key), bool):
            year, month, day = R.parse_date(obj[key])
            break
    if year is None:
        year, _, _ = R.parse_date(R.number(_value(content, "year")))
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
        organisations=orgs,
        year=year,
        month=month,
        day=day,
        venue=venue,
        identifiers=ids,
        line=n,
        extra=extra,
    )


def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
    obj = R.json_line(raw, source, line, SUBMISSIONS)
    R.refuse_wrapper(obj, source, line, SUBMISSIONS)
    return paper_from_note(obj, source, line)


def _parse(text: str, source: str, fmt: str, errors: list[ParseError] | None) -> list[ParsedPaper]:
    papers = R.collect_papers(
        R.json_records(text, source, fmt, errors), lambda o, n: paper_from_note(o, source, n, fmt), errors
    )
    return papers


def parse_submissions(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    return ParsedProfile(source=source, format=SUBMISSIONS, papers=_parse(text, source, SUBMISSIONS, errors))


def parse_archive(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    owner = declared_name(source)
    papers = _parse(text, source, ARCHIVE, errors)
    if owner:
        for paper in papers:  # a note of a profile's archive that names no authors is the owner's
            if not paper.authors:
                paper.authors = [ParsedAuthor(name=owner)]
                paper.authors_complete = False
    return ParsedProfile(source=source, format=ARCHIVE, papers=papers, declared_name=owner)


# -- openreview-expertise's layout, for the affinity command ---------------------------------
def read_archive(path: str | Path) -> tuple[str, list[ParsedPaper]]:
    """``(reviewer id, papers)`` of one ``~id.jsonl`` archive (the id is the file's name)."""
    reviewer = profile_id(str(path))
    if reviewer is None:
        raise InputError(f"{path}: an archive is named after its reviewer's profile id (~Jane_Doe1.jsonl)")
    text, _ = read_file(path)
    if not text.strip():
        return reviewer, []
    return reviewer, parse_archive(text, str(path)).papers


def read_archives(folder: str | Path) -> dict[str, list[ParsedPaper]]:
    """Every ``~id.jsonl`` (or ``.jsonl.gz``) archive of a folder: reviewer id → papers."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of ~id.jsonl archives")
    out: dict[str, list[ParsedPaper]] = {}
    for p in sorted(root.iterdir()):
        if p.is_file() and p.name.startswith("~"):
            reviewer, papers = read_archive(p)
            out[reviewer] = papers
    return out


def read_submissions(path: str | Path) -> list[ParsedPaper]:
    """The submissions of ``submissions.json`` (a list, an API response or a map of notes by
    id) or of a ``submissions/`` folder of ``.jsonl``/``.json`` files. Every paper carries its
    note id as ``identifiers["openreview"]``; a note without one is an error naming it."""
    root = Path(path)
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in (".json", ".jsonl", ".gz")) if root.is_dir() else [root]
    papers: list[ParsedPaper] = []
    for f in files:
        text, _ = read_file(f)
        if not text.strip():
            continue
        for paper in parse_submissions(text, str(f)).papers:
            if "openreview" not in paper.identifiers:
                raise ParseError("submission has no id", source=str(f), format=SUBMISSIONS, line=paper.line, expected="an 'id'")
            papers.append(paper)
    return papers
