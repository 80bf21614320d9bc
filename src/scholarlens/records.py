"""Plain records passed between pipeline stages, and the ingest reports.

Parsers produce :class:`ParsedProfile` objects made of :class:`ParsedPaper` and
:class:`ParsedAuthor`; the store turns them into papers, people and authorships. Every
ingest (a profile file or a dump) reports one :class:`FileReport` per file, gathered in an
:class:`IngestReport`. Long operations report progress through one :data:`Progress` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

Progress = Callable[[str, int, int | None], None]
"""Callback ``(stage, done, total)`` that front ends use to draw progress bars (total may be unknown)."""


@dataclass
class ParsedAuthor:
    """One author entry as a source gives it, after text repair."""

    name: str
    """Display form, ``First Middle Last`` (repaired where mojibake was found)."""
    raw: str | None = None
    """The spelling as found in the file, when it differs from ``name``."""
    guessed: bool = False
    """True when a lost byte had to be guessed during mojibake repair."""
    given: str | None = None
    family: str | None = None
    orcid: str | None = None
    affiliations: list[str] = field(default_factory=list)


@dataclass
class ParsedPaper:
    """One paper record from a source."""

    title: str | None = None
    abstract: str | None = None
    authors: list[ParsedAuthor] = field(default_factory=list)
    authors_complete: bool = True
    """False when the source truncated the list (``et al.``)."""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    category: str | None = None
    has_code: bool = False
    organisations: list[str] = field(default_factory=list)
    venue: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    """Scheme → value, schemes: ``arxiv``, ``doi``, ``s2``, ``openalex``, ``openreview``."""
    line: int | None = None
    """1-based line (or record number) where the record starts in its source."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParsedPaper:
        data = dict(data)
        data["authors"] = [ParsedAuthor(**a) for a in data.get("authors", [])]
        return cls(**data)


@dataclass
class ParsedProfile:
    """What one file says: maybe an owner's name, and papers."""

    source: str
    format: str
    papers: list[ParsedPaper]
    declared_name: str | None = None
    sha256: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileReport:
    """What happened to one file."""

    source: str
    status: str
    """``added`` | ``unchanged`` | ``replaced`` | ``resumed`` | ``failed``."""
    profile_id: str | None = None
    format: str | None = None
    records: int = 0
    new_papers: int = 0
    merged_papers: int = 0
    error: str | None = None
    error_detail: dict[str, Any] | None = None
    rejected: int = 0
    """Bad records skipped (``skip_bad``) and written to the reject file."""
    complete: bool = True
    """False when a streamed file stopped early (``limit``, an error): a later run continues it."""
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """The reports of the files of one ingest call."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)

    def totals(self) -> dict[str, int]:
        out = {"files": len(self.files), "added": 0, "unchanged": 0, "replaced": 0, "failed": 0}
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        out["records"] = sum(f.records for f in self.files)
        out["new_papers"] = sum(f.new_papers for f in self.files)
        out["merged_papers"] = sum(f.merged_papers for f in self.files)
        out["rejected"] = sum(f.rejected for f in self.files)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "totals": self.totals(), "files": [asdict(f) for f in self.files]}
