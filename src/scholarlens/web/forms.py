"""Request input → core arguments, shared by the JSON API and the pages.

Uploads for *whois* and *reviewers* are parsed here, in memory (never written, never
executed), and refused beyond the per-request record limit. Ids and offsets are bounded to
what the database can hold, so a huge number is a 422, never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import File, Form, Path, Query, UploadFile
from starlette.datastructures import UploadFile as StarletteUploadFile

from .. import formats
from ..assign_io import read_bids, read_loads, read_submissions
from ..conflicts import ConflictPolicy, read_declared
from ..errors import InputError, ParseError, QueryError, UnknownFormatError
from ..formats._io import decode_bytes
from ..kb import KnowledgeBase
from ..records import ParsedPaper, ParsedProfile
from .jobs import AssignOrder
from .problems import LimitExceeded
from .security import WriteDenied, safe_filename, same_origin, write_upload

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


def conflict_rows(found: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """``kb.conflicts()`` as a list to show in full: hard first, the authors themselves first."""
    rows = [{"person_id": pid, **c} for pid, c in found.items()]
    return sorted(rows, key=lambda c: (c.get("strength") != "hard", c.get("reason") != "author", str(c.get("name") or "")))


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


# -- reviewer assignment -------------------------------------------------------------------
Upload = tuple[str, bytes]


@dataclass
class AssignForm:
    """The assignment form (page and API share it): uploads as ``(name, bytes)``, options checked."""

    submissions: list[Upload]
    reviewers: str
    reviewer_list: str
    archives: list[Upload]
    loads: Upload | None
    bids: Upload | None
    conflicts: Upload | None
    years: int | None
    per_paper: int
    min_load: int
    max_load: int
    objective: str
    alternates: int

    def echo(self) -> dict[str, Any]:
        """The options typed, to fill the form again after an error."""
        return {k: getattr(self, k) for k in ("reviewers", "reviewer_list", "years", "per_paper", "min_load", "max_load", "objective", "alternates")}


def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    return [(f.filename or "upload", f.file.read()) for f in files or [] if isinstance(f, StarletteUploadFile) and f.filename]


def _one(file: UploadFile | None) -> Upload | None:
    found = _uploads([file] if file is not None else [])
    return found[0] if found and found[0][1].strip() else None


def assign_form(
    submissions: Annotated[list[UploadFile] | None, File(description="Submissions: any supported format, or an OpenReview submissions.json")] = None,
    reviewers: Annotated[str, Form(pattern="^(kb|list|archives)$", description="kb (stored people), list, or archives")] = "kb",
    reviewer_list: Annotated[str, Form(max_length=1_000_000, description="One reviewer per line: person id or name, optional e-mail")] = "",
    archives: Annotated[list[UploadFile] | None, File(description="OpenReview archives, ~<id>.jsonl per reviewer")] = None,
    loads: Annotated[UploadFile | None, File(description="CSV reviewer,max[,min]")] = None,
    bids: Annotated[UploadFile | None, File(description="CSV reviewer,paper,bid")] = None,
    conflicts: Annotated[UploadFile | None, File(description="Declared conflicts CSV: reviewer, author or domain, reason")] = None,
    years: Annotated[str, Form(pattern="^[0-9]{0,3}$", description="Co-authorship window in years (empty: the setting)")] = "",
    per_paper: Annotated[int, Form(ge=1, le=50)] = 3,
    min_load: Annotated[int, Form(ge=0, le=10_000)] = 0,
    max_load: Annotated[int, Form(ge=0, le=10_000)] = 6,
    objective: Annotated[str, Form(pattern="^(sum|fair)$")] = "sum",
    alternates: Annotated[int, Form(ge=0, le=20)] = 2,
) -> AssignForm:
    return AssignForm(
        _uploads(submissions), reviewers, reviewer_list, _uploads(archives), _one(loads), _one(bids), _one(conflicts),
        int(years) if years else None, per_paper, min_load, max_load, objective, alternates,
    )


def _archive(folder: FsPath, name: str, data: bytes) -> None:
    """An OpenReview archive keeps its ``~`` (the reviewer's id is the file's stem)."""
    base = re.split(r"[\\/]", name)[-1]
    safe = "~" + safe_filename(base[1:]) if base.startswith("~") else safe_filename(base)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with (folder / safe).open("xb") as fh:
            fh.write(data)
    except FileExistsError:
        raise InputError(f"two archives are named {safe}: one file per reviewer") from None


def assign_order(kb: KnowledgeBase, form: AssignForm, folder: FsPath, max_records: int) -> AssignOrder:
    """Parse the form's uploads (written under ``folder/input``, parsed, never executed) into an
    order for the job; bad input fails here, in the request, naming the upload and line."""
    inputs = folder / "input"
    try:
        return _order(kb, form, inputs, max_records)
    except ParseError as exc:
        if exc.source and exc.source.startswith(str(inputs)):
            exc.source = FsPath(exc.source).name
        raise
    except InputError as exc:
        raise type(exc)(str(exc).replace(str(inputs) + "/", "")) from None


def _order(kb: KnowledgeBase, form: AssignForm, inputs: FsPath, max_records: int) -> AssignOrder:
    if not form.submissions:
        raise InputError("choose the submissions: a file in any supported format, or an OpenReview submissions.json")
    subs = read_submissions([write_upload(inputs / "submissions", n, d) for n, d in form.submissions])
    if len(subs) > max_records:
        raise LimitExceeded(413, "Too many records", f"{len(subs)} submissions; this server takes at most {max_records} per request",
                            "SCHOLARLENS_WEB_MAX_RECORDS")
    archives = None
    if form.reviewers == "list":
        if not form.reviewer_list.strip():
            raise InputError("type the reviewers, one per line: a person id or name, optionally an e-mail after a comma")
        listed = inputs / "reviewers.csv"
        listed.write_text(form.reviewer_list, encoding="utf-8")
        reviewers, _ = kb.conference_reviewers(listed)
    elif form.reviewers == "archives":
        if not form.archives:
            raise InputError("choose the reviewers' OpenReview archives: one ~<id>.jsonl file per reviewer")
        for name, data in form.archives:
            _archive(inputs / "archives", name, data)
        reviewers, archives = kb.conference_reviewers(inputs / "archives")
    else:
        reviewers, _ = kb.conference_reviewers(None)

    def saved(upload: Upload | None, name: str) -> FsPath | None:
        return write_upload(inputs, name, upload[1]) if upload else None

    loads, bids, declared = saved(form.loads, "loads.csv"), saved(form.bids, "bids.csv"), saved(form.conflicts, "conflicts.csv")
    policy = ConflictPolicy.from_settings(years=form.years, declared=read_declared(declared) if declared else None)
    options = {
        "per_paper": form.per_paper, "min_load": form.min_load, "max_load": form.max_load, "objective": form.objective,
        "alternates": form.alternates, "policy": policy, "loads": read_loads(loads) if loads else None,
        "bids": read_bids(bids) if bids else None,
    }
    return AssignOrder(subs, reviewers, archives, options)
