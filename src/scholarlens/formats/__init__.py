"""Input formats, registered in one table.

Each :class:`Format` has a name, a ``sniff`` function (how sure it is that a text is in this
format, 0–1) and a ``parse`` function (text → :class:`~scholarlens.models.ParsedProfile`).
Auto-detection, the CLI's ``--format`` choices, the docs and the tests all read
:data:`FORMATS`. :func:`explain` says which format claimed a text and why (JSON formats judge
the whole first record); :func:`is_json_lines` tells a dump that can stream from a one-line
document that must not (an API response saved by ``curl``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import ParseError, UnknownFormatError
from ..models import ParsedPaper, ParsedProfile
from . import (
    abstracts,
    arxiv_profile,
    arxiv_snapshot,
    bibtex,
    csl_json,
    openalex,
    openreview,
    ris,
    scholar_export,
    scholarlens_jsonl,
    semantic_scholar,
)
from ._io import read_file
from ._records import is_json_lines

SniffFn = Callable[[str, str], "float | tuple[float, str]"]
"""``(text, source) → score`` (0–1), or ``(score, reason)`` saying what in the text decided it."""
ParseFn = Callable[[str, str], ParsedProfile]
StreamFn = Callable[[bytes, str, int], ParsedPaper | None]
"""``(raw line, source, line number) → paper`` (``None``: a record with nothing to keep)."""


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    sniff: SniffFn
    parse: ParseFn
    stream: StreamFn | None = None
    """For JSON-lines dumps: parses one line, so large files stream in bounded memory."""
    collection: bool = False
    """Records of many people's papers (a dump, a venue, a library), not one person's profile."""


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
        stream=semantic_scholar.parse_line,
        collection=True,
    ),
    Format(
        "s2-author",
        "Semantic Scholar author record: authorId, name, papers",
        semantic_scholar.sniff_author,
        semantic_scholar.parse_author,
    ),
    Format(
        "bibtex",
        "BibTeX/BibLaTeX (Google Scholar, Zotero, Mendeley, DBLP): @type{key, field = {value}}",
        bibtex.sniff,
        bibtex.parse,
    ),
    Format(
        "ris",
        "RIS (Zotero, Mendeley, EndNote, Google Scholar): 'TY  - ' ... 'ER  - ' records",
        ris.sniff,
        ris.parse,
    ),
    Format(
        "csl-json",
        "CSL-JSON items (Zotero, Mendeley, citeproc): type, title, author, issued",
        csl_json.sniff,
        csl_json.parse,
    ),
    Format(
        "openalex",
        "OpenAlex works (API pages, lists, snapshot JSON lines): authorships, inverted abstracts",
        openalex.sniff,
        openalex.parse,
        stream=openalex.parse_line,
        collection=True,
    ),
    Format(
        "openreview-archive",
        "An OpenReview profile's notes (~Jane_Doe1.jsonl): the owner is the profile id",
        openreview.sniff_archive,
        openreview.parse_archive,
    ),
    Format(
        "openreview",
        "OpenReview submissions (notes list, API response or JSON lines; API v1 and v2)",
        openreview.sniff_submissions,
        openreview.parse_submissions,
        stream=openreview.parse_line,
        collection=True,
    ),
    Format(
        "arxiv-snapshot",
        "The arXiv metadata snapshot (JSON lines: id, title, abstract, authors_parsed, categories, versions)",
        arxiv_snapshot.sniff,
        arxiv_snapshot.parse,
        stream=arxiv_snapshot.parse_line,
        collection=True,
    ),
    Format(
        "scholarlens-jsonl",
        "ScholarLens's own JSON-lines export (scholarlens export --format jsonl)",
        scholarlens_jsonl.sniff,
        scholarlens_jsonl.parse,
        stream=scholarlens_jsonl.parse_line,
        collection=True,
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


@dataclass(frozen=True)
class Detection:
    """Which format claims a text, how strongly, and why."""

    format: Format
    score: float
    reason: str
    runner_up: tuple[str, float] | None = None

    def __str__(self) -> str:
        other = f"; next best {self.runner_up[0]} ({self.runner_up[1]:.2f})" if self.runner_up else ""
        return f"{self.format.name} ({self.score:.2f}): {self.reason}{other}"


def _sniff(fmt: Format, text: str, source: str) -> tuple[float, str]:
    got = fmt.sniff(text, source)
    if isinstance(got, tuple):
        return float(got[0]), got[1]
    return float(got), fmt.description


def explain(text: str, source: str) -> Detection:
    """The registered format that claims ``text`` most strongly, with the reason it gave.

    JSON formats judge the whole first record (never a fixed byte window); an empty file
    is a :class:`ParseError` saying so, not an unknown format.
    """
    if not text.strip():
        raise ParseError("the file is empty", source=source, expected="at least one record")
    scored = sorted(
        ((*_sniff(f, text, source), i, f) for i, f in enumerate(FORMATS)), key=lambda t: (-t[0], t[2])
    )
    best_score, reason, _, best = scored[0]
    if best_score < MIN_CONFIDENCE:
        raise UnknownFormatError(
            f"{source}: not a recognised format (tried {', '.join(format_names())}); "
            "pass --format NAME to force one"
        )
    runner = scored[1] if len(scored) > 1 and scored[1][0] > 0 else None
    return Detection(best, best_score, reason, (runner[3].name, runner[0]) if runner else None)


def detect(text: str, source: str) -> Format:
    """The registered format that claims ``text`` most strongly (see :func:`explain` for why)."""
    return explain(text, source).format


@cache
def accepts_errors(fmt: Format) -> bool:
    """Whether a format's parser can skip bad records (``errors=`` keyword) instead of failing."""
    return "errors" in inspect.signature(fmt.parse).parameters


def parse_text(text: str, source: str, format: str | None = None, errors: list[ParseError] | None = None) -> ParsedProfile:
    """Parse ``text``; with an ``errors`` list, bad records are appended there and skipped
    (formats that cannot skip records raise as usual)."""
    if format:
        fmt, why = get_format(format), "forced with --format"
    else:
        found = explain(text, source)
        fmt, why = found.format, f"detected: {found.reason}"
    if not text.strip():
        raise ParseError("the file is empty", source=source, format=fmt.name, expected="at least one record")
    if errors is not None and accepts_errors(fmt):
        profile = fmt.parse(text, source, errors=errors)  # type: ignore[call-arg]
    else:
        profile = fmt.parse(text, source)
    if not profile.papers:
        skipped = f"; {len(errors)} bad records skipped" if errors else ""
        raise ParseError(
            f"no papers found: no record has a title or an abstract ({why}{skipped})",
            source=source,
            format=fmt.name,
            expected="at least one paper record",
        )
    return profile


def parse_file(path: str | Path, format: str | None = None, errors: list[ParseError] | None = None) -> ParsedProfile:
    """Read and parse one file (gzip, BOM, CRLF and encoding handled), detecting its format."""
    text, digest = read_file(path)
    profile = parse_text(text, str(path), format, errors)
    profile.sha256 = digest
    return profile


__all__ = [
    "FORMATS",
    "Detection",
    "Format",
    "accepts_errors",
    "detect",
    "explain",
    "format_names",
    "get_format",
    "is_json_lines",
    "parse_file",
    "parse_text",
    "read_file",
]
