"""Plain records passed between pipeline stages.

Parsers produce :class:`ParsedProfile` objects made of :class:`ParsedPaper` and
:class:`ParsedAuthor`; the store turns them into papers, people and authorships.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
