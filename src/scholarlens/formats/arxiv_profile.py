"""Scraped arXiv profile page (no owner name).

Per paper::

    CLOct 25, 2024            category glued to a date; year optional; 'Code' tag optional
    GPT-4o System CardAaron Hurst, Adam Lerer, Adam P. Goucher et al. · openai
    GPT-4o is an autoregressive omni model ...   (abstract, may wrap over several lines)

The title is glued to the first author. We try every place where a capital letter follows a
non-space character and keep the first one after which the rest parses as a list of names
(so ``...for NLPJohn Doe`` splits before ``John``, ``GPT-4o System CardAaron`` before ``Aaron``).
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import parse_name
from ._io import numbered_lines
from ._records import clean

NAME = "arxiv-profile"


def _clean(text: str) -> str:
    """:func:`~scholarlens.text.clean_text`\'s answer, by its fast path."""
    return clean(text) or ""
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
DATE_LINE = re.compile(
    r"^(?P<cat>[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?)??"
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?(?P<tags>(?:Code|Data|Video|Slides|Project|Blog)*)\s*$"
)
_PARTICLES = {
    "de", "da", "del", "della", "der", "den", "di", "du", "la", "le", "van", "von", "bin",
    "al", "dos", "das", "y", "el", "ten", "ter", "zu", "st.", "mac", "mc",
}  # fmt: skip
_CAMEL_PREFIXES = ("Mc", "Mac", "O'", "O’", "De", "Di", "Da", "La", "Le", "Van", "Von", "Du")
_ET_AL = re.compile(r"\s*,?\s*et\s+al\.?\s*$", re.IGNORECASE)


def sniff(text: str, source: str) -> float:
    lines = [line for _, line in numbered_lines(text[:50_000])]
    if not lines:
        return 0.0
    dates = sum(bool(DATE_LINE.match(line)) for line in lines[:30])
    return 0.95 if DATE_LINE.match(lines[0]) and dates >= 1 else 0.0


def _name_part_ok(part: str) -> bool:
    if not part:
        return False
    if not all(c.isalpha() for c in part):
        return False
    if part.isupper():
        return len(part) <= 2  # initials glued together: "AJ", "JB"
    if not part[0].isupper():
        return False
    rest = part[1:]
    if any(c.isupper() for c in rest):
        return part.startswith(_CAMEL_PREFIXES) and not any(
            c.isupper() for c in part[len(next(p for p in _CAMEL_PREFIXES if part.startswith(p))) + 1 :]
        )
    return True


def _token_ok(tok: str) -> bool:
    if tok.lower() in _PARTICLES:
        return True
    core = tok.rstrip(".")
    # "A.J." / "J." initials
    if re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?", tok) or re.fullmatch(r"[A-Z]\.?", tok):
        return True
    parts = re.split(r"[-'’]", core)
    return all(_name_part_ok(p) for p in parts)


def is_author_list(text: str) -> bool:
    """Whether ``text`` is a comma-separated list of personal names."""
    names = [n.strip() for n in text.split(",")]
    if not names or any(not n or len(n) > 100 for n in names):  # no name is 100 characters long
        return False
    for n in names:
        toks = n.split()
        if not 1 <= len(toks) <= 7 or not all(_token_ok(t) for t in toks):
            return False
        if toks[0].lower() in _PARTICLES:
            return False
    return len(names[0].split()) >= 2 or len(names) > 1


#: Longest title tried when splitting a title from its glued authors (each try reads the rest
#: of the line: trying every capital of a 100 KB line took ~10 s).
MAX_TITLE_CHARS = 1_000


def split_title_authors(line: str) -> tuple[str, str] | None:
    """Split ``TitleFirst Author, ...`` at the first glue point where names follow."""
    for i in range(1, min(len(line), MAX_TITLE_CHARS)):
        if line[i].isupper() and not line[i - 1].isspace():
            title, rest = line[:i].strip(), line[i:].strip()
            if title and is_author_list(rest):
                return title, rest
    return None


def _parse_authors_tail(rest: str) -> tuple[list[str], bool, list[str]]:
    orgs: list[str] = []
    if "·" in rest:
        rest, _, tail = rest.partition("·")
        orgs = [o.strip() for o in tail.split(",") if o.strip()]
    rest = rest.strip()
    complete = True
    if _ET_AL.search(rest):
        rest = _ET_AL.sub("", rest)
        complete = False
    names = [_clean(n) for n in rest.split(",") if n.strip()]
    return names, complete, orgs


def parse(text: str, source: str) -> ParsedProfile:
    lines = numbered_lines(text)
    papers: list[ParsedPaper] = []
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        m = DATE_LINE.match(line)
        if not m:
            raise ParseError(
                f"unexpected line {line[:50]!r}",
                source=source,
                format=NAME,
                line=lineno,
                expected="a category+date line such as 'CLOct 25, 2024'",
            )
        if i + 1 >= len(lines):
            raise ParseError(
                "date line without a paper",
                source=source,
                format=NAME,
                line=lineno,
                expected="a title+authors line after the date line",
            )
        tl_no, tl = lines[i + 1]
        body, _, _ = tl.partition("·")
        body = _ET_AL.sub("", body.strip())
        split = split_title_authors(body)
        if split is None:
            raise ParseError(
                f"cannot separate title from authors in {tl[:60]!r}",
                source=source,
                format=NAME,
                line=tl_no,
                expected="a title immediately followed by 'First Last, First Last ...'",
            )
        title, _ = split
        names, complete, orgs = _parse_authors_tail(tl[len(tl) - len(tl.lstrip()) :][tl.find(title) + len(title) :])
        abstract_parts: list[str] = []
        j = i + 2
        while j < len(lines) and not DATE_LINE.match(lines[j][1]):
            abstract_parts.append(lines[j][1])
            j += 1
        authors = []
        for n in names:
            parsed = parse_name(n)
            authors.append(ParsedAuthor(name=n, given=" ".join(parsed.given) or None, family=parsed.family))
        papers.append(
            ParsedPaper(
                title=_clean(title),
                abstract=_clean(" ".join(abstract_parts)) or None,
                authors=authors,
                authors_complete=complete,
                year=int(m["year"]) if m["year"] else None,
                month=_MONTHS[m["mon"]],
                day=int(m["day"]),
                category=m["cat"] or None,
                has_code="Code" in (m["tags"] or ""),
                organisations=orgs,
                line=lineno,
            )
        )
        i = j
    return ParsedProfile(source=source, format=NAME, papers=papers, declared_name=None)
