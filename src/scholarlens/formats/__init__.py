"""Input formats, registered in one table.

Each :class:`Format` has a name, a ``sniff`` function (how sure it is that a text is in this
format, 0–1) and a ``parse`` function (text → :class:`~scholarlens.models.ParsedProfile`).
Auto-detection, the CLI's ``--format`` choices, the docs and the tests all read
:data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import ParseError, UnknownFormatError
from ..models import ParsedPaper, ParsedProfile
from . import abstracts, arxiv_profile, scholar_export, semantic_scholar
from ._io import read_text

SniffFn = Callable[[str, str], float]
ParseFn = Callable[[str, str], ParsedProfile]
StreamFn = Callable[[IO[str], str], Iterator[ParsedPaper]]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    sniff: SniffFn
    parse: ParseFn
    stream: StreamFn | None = None
    """For record formats that can be read incrementally (large files)."""


FORMATS: tuple[Format, ...] = (
    Format(
        "arxiv-profile",
        "Scraped arXiv listing: category+date line, title glued to authors, abstract",
        arxiv_profile.sniff,
        arxiv_profile.parse,
    ),
    Format(
        "scholar-export",
        "Owner as 'Last, First', then per paper: title, 'Last, First' author pairs, abstract",
        scholar_export.sniff,
        scholar_export.parse,
    ),
    Format(
        "abstracts",
        "A name line, then one 'Abstract:' line per paper",
        abstracts.sniff,
        abstracts.parse,
    ),
    Format(
        "s2-paper",
        "Semantic Scholar paper record(s): JSON object, list or JSON lines",
        semantic_scholar.sniff_paper,
        semantic_scholar.parse_paper,
    ),
    Format(
        "s2-author",
        "Semantic Scholar author record: authorId, name, papers",
        semantic_scholar.sniff_author,
        semantic_scholar.parse_author,
    ),
)

#: Below this sniff score a format does not claim a file.
MIN_CONFIDENCE = 0.5


def format_names() -> list[str]:
    return [f.name for f in FORMATS]


def get_format(name: str) -> Format:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UnknownFormatError(f"unknown format {name!r}; choose one of: {', '.join(format_names())}")


def detect(text: str, source: str) -> Format:
    """The registered format that claims ``text`` most strongly."""
    scored = sorted(((f.sniff(text, source), i, f) for i, f in enumerate(FORMATS)), key=lambda t: (-t[0], t[1]))
    best_score, _, best = scored[0]
    if best_score < MIN_CONFIDENCE:
        raise UnknownFormatError(
            f"{source}: not a recognised format (tried {', '.join(format_names())}); "
            "pass --format NAME to force one"
        )
    return best


def parse_text(text: str, source: str, format: str | None = None) -> ParsedProfile:
    fmt = get_format(format) if format else detect(text, source)
    profile = fmt.parse(text, source)
    if not profile.papers:
        raise ParseError("no papers found", source=source, format=fmt.name, expected="at least one paper record")
    return profile


def parse_file(path: str | Path, format: str | None = None) -> ParsedProfile:
    """Read and parse one file (BOM, CRLF and encoding handled), detecting its format."""
    text, digest = read_text(path)
    profile = parse_text(text, str(path), format)
    profile.sha256 = digest
    return profile


__all__ = ["FORMATS", "Format", "detect", "format_names", "get_format", "parse_file", "parse_text"]
