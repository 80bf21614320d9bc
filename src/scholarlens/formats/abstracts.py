"""A name line, then one ``Abstract:`` line per paper.

The name may be a placeholder (``Tony``, ``Anonymous``). Lines without the prefix that
follow an abstract continue it (re-wrapped text).
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..models import ParsedPaper, ParsedProfile
from ..text import clean_text, strip_abstract_prefix
from ._io import numbered_lines

NAME = "abstracts"
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
        declared = clean_text(lines[0][1]) or None
        start = 1
    papers: list[ParsedPaper] = []
    for lineno, line in lines[start:]:
        if _PREFIX.match(line):
            abstract = clean_text(strip_abstract_prefix(line))
            papers.append(ParsedPaper(abstract=abstract or None, line=lineno))
        elif papers:
            papers[-1].abstract = clean_text(f"{papers[-1].abstract or ''} {line}")
        else:
            raise ParseError(
                f"unexpected text {line[:40]!r}",
                source=source,
                format=NAME,
                line=lineno,
                expected="a line starting with 'Abstract:'",
            )
    papers = [p for p in papers if p.abstract]
    return ParsedProfile(source=source, format=NAME, papers=papers, declared_name=declared)
