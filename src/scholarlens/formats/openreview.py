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

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError, ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from . import _records as R
from ._io import read_file

log = logging.getLogger("scholarlens")

ARCHIVE = "openreview-archive"
SUBMISSIONS = "openreview"
_PROFILE_ID = re.compile(r"^~([^/\\]+?)\d*$")
_EPRINT = re.compile(r"eprint\s*=\s*[{\"]?\s*([^},\"\s]+)", re.IGNORECASE)


def _is_note(obj: Any) -> bool:
    """An OpenReview note with a title (what the sniffers look for)."""
    return _is_any_note(obj) and "title" in obj["content"]


def _is_any_note(obj: Any) -> bool:
    """An object with an id (or forum, invitation, date) and a ``content`` object: a note,
    whose title and abstract may be missing (such a note is skipped, not an error)."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("content"), dict)
        and ("forum" in obj or "invitation" in obj or "invitations" in obj or "cdate" in obj or "id" in obj)
    )


def _stem(source: str) -> str:
    stem = Path(source).name
    for suffix in (".gz", ".jsonl", ".json", ".ndjson"):
        stem = stem.removesuffix(suffix)
    return stem


def _profile_stem(source: str) -> str | None:
    stem = _stem(source)
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
    if not _is_any_note(obj):
        raise ParseError(
            "not an OpenReview note",
            source=source,
            format=fmt,
            record=n,
            expected="an object with 'id' and 'content' (title, abstract)",
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
    papers = _owned(_parse(text, source, ARCHIVE, errors), owner)
    return ParsedProfile(source=source, format=ARCHIVE, papers=papers, declared_name=owner)


def _owned(papers: list[ParsedPaper], owner: str | None) -> list[ParsedPaper]:
    """A note of a profile's archive that names no authors is the owner's (list marked incomplete)."""
    if owner:
        for paper in papers:
            if not paper.authors:
                paper.authors = [ParsedAuthor(name=owner)]
                paper.authors_complete = False
    return papers


# -- openreview-expertise's layout, for the affinity command ---------------------------------
def _notes(notes: Iterable[tuple[str, int, Any]], fmt: str, what: str, twice: str) -> list[ParsedPaper]:
    """Papers of ``(file, line or record, note)`` triples, each carrying its note id as
    ``identifiers["openreview"]`` (a note without one is an error). A note without title or
    abstract is skipped with a warning; an id given twice is an error (``twice="error"``) or
    counted once with a warning (``twice="warn"``)."""
    papers: dict[str, ParsedPaper] = {}
    for source, n, obj in notes:
        paper = paper_from_note(obj, source, n, fmt)
        if paper is None:
            log.warning("%s, line %d: %s %s has neither title nor abstract; skipped", source, n, what, obj.get("id"))
            continue
        pid = paper.identifiers.get("openreview")
        if pid is None:
            raise ParseError(f"{what} has no id", source=source, format=fmt, line=n, expected="an 'id'")
        if pid not in papers:
            papers[pid] = paper
        elif twice == "warn":
            log.warning("%s, line %d: %s %s is listed twice; counted once", source, n, what, pid)
        else:
            raise ParseError(f"{what} id {pid!r} appears twice", source=source, format=fmt, line=n, record=pid)
    return list(papers.values())


def archive_reviewer(path: str | Path) -> str:
    """The reviewer id an archive is named after: ``~Jane_Doe1.jsonl`` → ``~Jane_Doe1``."""
    return _stem(str(path))


def read_archive(path: str | Path) -> tuple[str, list[ParsedPaper]]:
    """``(reviewer id, papers)`` of one ``~id.jsonl`` archive (the id is the file's name); a
    paper listed twice counts once (with a warning)."""
    source = str(path)
    text, _ = read_file(path)
    if not text.strip():
        return archive_reviewer(path), []
    notes = ((source, n, note) for n, note in R.json_records(text, source, ARCHIVE))
    return archive_reviewer(path), _owned(_notes(notes, ARCHIVE, "paper", twice="warn"), declared_name(source))


def read_archives(folder: str | Path) -> dict[str, list[ParsedPaper]]:
    """Every archive of a folder (``~id.jsonl``, ``.jsonl.gz``): reviewer id → papers. Two
    archives of one reviewer (``~x.jsonl`` and ``x.jsonl``) are an error."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"archives folder {root} does not exist or is not a folder")
    files = [p for p in sorted(root.iterdir()) if p.is_file() and (p.name.startswith("~") or p.name.endswith((".jsonl", ".jsonl.gz")))]
    if not files:
        raise InputError(f"no .jsonl files in {root}: expected one ~<reviewerId>.jsonl per reviewer")
    out: dict[str, list[ParsedPaper]] = {}
    seen: dict[str, Path] = {}
    for p in files:
        reviewer, papers = read_archive(p)
        bare = reviewer.lstrip("~")
        if bare in seen:
            raise InputError(f"reviewer {bare} has two archive files: {seen[bare].name} and {p.name}")
        seen[bare], out[reviewer] = p, papers
    return out


def _submission_notes(text: str, source: str) -> Iterable[tuple[int, Any]]:
    """``(record, note)`` pairs of a submissions file. In a map keyed by id (openreview-expertise's
    ``submissions.json``) the key is the note's id, and a key given twice is an error."""
    lay = R.layout(text)
    if lay is None or lay.kind != "document" or not text.lstrip().startswith("{"):
        return R.json_records(text, source, SUBMISSIONS)

    def once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        dup = next((k for k, c in Counter(k for k, _ in pairs).items() if c > 1), None)
        if dup is not None and all(isinstance(v, dict) and "content" in v for _, v in pairs):
            raise ParseError(f"submission id {dup!r} appears twice", source=source, format=SUBMISSIONS, record=dup)
        return dict(pairs)

    doc = json.loads(text, object_pairs_hook=once)
    if not R.is_record_map(doc):
        return R.json_records(text, source, SUBMISSIONS)
    return ((n, {**note, "id": key, "forum": key}) for n, (key, note) in enumerate(doc.items(), 1))


def read_submissions(path: str | Path) -> list[ParsedPaper]:
    """The submissions of ``submissions.json`` (a list, an API response or a map of notes by
    id) or of a ``submissions/`` folder of ``.jsonl``/``.json`` files. Every paper carries its
    note id as ``identifiers["openreview"]``; a note without one, or an id given twice, is an
    error naming it; a note without title or abstract is skipped with a warning."""
    root = Path(path)
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in (".json", ".jsonl", ".gz")) if root.is_dir() else [root]
    notes = ((str(f), n, note) for f, text in ((f, read_file(f)[0]) for f in files) if text.strip() for n, note in _submission_notes(text, str(f)))
    return _notes(notes, SUBMISSIONS, "submission", twice="error")
