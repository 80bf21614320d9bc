"""A name line, then one ``Abstract:`` line per paper.

The name may be a placeholder (``Tony``, ``Anonymous``). Lines without the prefix that
follow an abstract continue it (re-wrapped text).
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..models import ParsedPaper, ParsedProfile
from ..text import strip_abstract_prefix
from ._io import numbered_lines
from ._records import clean

NAME = "abstracts"


def _clean(text: str) -> str:
    """:func:`~scholarlens.text.clean_text`\'s answer, by its fast path."""
    return clean(text) or ""
_PREFIX = re.compile(r"^\s*abstract\s*:", re.IGNORECASE)


def sniff(text: str, source: str) -> float:
    lines = [line for _, line in numbered_lines(text[:200_000])]
    if not lines:
        return 0.0
    body = lines[1:] if not _PREFIX.match(lines[0]) else lines
    if not body:
        return 0.0
    share = sum(bool(_PREFIX.match(line)) for line in body) / len(body)
    return 0.9 if share >= 0.5 and _PREFIX.match(body[0]) else 0.0


def parse(text: str, source: str) -> ParsedProfile:
    lines = numbered_lines(text)
    if not lines:
        raise ParseError("empty file", source=source, format=NAME, expected="a name line and 'Abstract:' lines")
    declared: str | None = None
    start = 0
    if not _PREFIX.match(lines[0][1]):
        declared = _clean(lines[0][1]) or None
        start = 1
    papers: list[ParsedPaper] = []
    parts: list[list[str]] = []  # each paper's lines, cleaned once at the end (linear time)
    for lineno, line in lines[start:]:
        if _PREFIX.match(line):
            papers.append(ParsedPaper(line=lineno))
            parts.append([strip_abstract_prefix(line)])
        elif papers:
            parts[-1].append(line)
        else:
            raise ParseError(
                f"unexpected text {line[:40]!r}",
                source=source,
                format=NAME,
                line=lineno,
                expected="a line starting with 'Abstract:'",
            )
    for paper, texts in zip(papers, parts, strict=True):
        paper.abstract = _clean(" ".join(texts)) or None
    papers = [p for p in papers if p.abstract]
    return ParsedProfile(source=source, format=NAME, papers=papers, declared_name=declared)
