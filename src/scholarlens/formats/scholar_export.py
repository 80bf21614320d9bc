"""Scholar-like export: owner as ``Last, First``; per paper a title line, an author line of
``Last, First`` pairs, and an abstract line.

Author lines carry organisation entries (``OpenAI, null``), a stray ``:, null`` and names
mis-decoded through the Thai code page, repaired by :mod:`scholarlens.mojibake` with the
file's clean names as evidence.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..mojibake import KnownWords, has_thai, repair_thai_mojibake
from ..names import from_last_first, looks_like_organisation
from ._io import numbered_lines
from ._records import clean

NAME = "scholar-export"


def _clean(text: str) -> str:
    """:func:`~scholarlens.text.clean_text`\'s answer, by its fast path."""
    return clean(text) or ""
_OWNER = re.compile(r"^[^,\d]{1,60},\s*[^,\d]{1,60}$")
_NULL = {"null", "none", ""}


def _tokens(line: str) -> list[str]:
    # Keep a trailing space after a Thai letter: it may be a lost byte (0x85/0xA0 → space).
    return [t.lstrip() if has_thai(t[-2:]) else t.strip() for t in line.split(",")]


def looks_like_authors(line: str) -> bool:
    toks = _tokens(line)
    if len(toks) < 2:
        return False
    short = sum(len(t) <= 40 and len(t.split()) <= 5 for t in toks)
    return short / len(toks) >= 0.9 and not line.rstrip().endswith(".") or (
        short / len(toks) >= 0.9 and len(toks) >= 6
    )


def sniff(text: str, source: str) -> float:
    lines = [line for _, line in numbered_lines(text[:400_000])]
    if len(lines) < 3 or not _OWNER.match(lines[0]):
        return 0.0
    if looks_like_authors(lines[2]):
        return 0.85
    # Owner line and a short title line: claim it weakly so the parser can say what is wrong.
    return 0.55 if len(lines[1]) < 300 and not lines[1].endswith(".") else 0.0


def _is_title_at(lines: list[tuple[int, str]], k: int) -> bool:
    """Whether line k starts a new paper (a short line followed by an author line)."""
    if k + 1 >= len(lines):
        return False
    text = lines[k][1]
    return looks_like_authors(lines[k + 1][1]) and len(text) < 300 and not text.endswith(".")


def _authors(line: str, lineno: int, source: str, known: KnownWords) -> tuple[list[ParsedAuthor], list[str]]:
    toks = _tokens(line)
    authors: list[ParsedAuthor] = []
    orgs: list[str] = []
    k = 0
    while k < len(toks):
        last = toks[k]
        first = toks[k + 1] if k + 1 < len(toks) else ""
        k += 2
        if first.lower() in _NULL:
            label = last.strip(" :;")
            if not label or label.lower() in _NULL:
                continue  # the stray ":, null"
            if looks_like_organisation(label):
                orgs.append(_clean(label))
                continue
            # "Shuaiqi, null, Xia, null": one person exported as two name-only entries.
            parts = [label]
            while k + 1 < len(toks) and toks[k + 1].lower() in _NULL and toks[k].strip(" :;"):
                nxt = toks[k].strip()
                if looks_like_organisation(nxt):
                    break
                parts.append(nxt)
                k += 2
            if len(parts) == 1:
                orgs.append(_clean(label))
                continue
            last, first = parts[-1], " ".join(parts[:-1])
        if not last or last.lower() in _NULL:
            continue
        raw = f"{_clean(first)} {_clean(last)}".strip()
        rep_last = repair_thai_mojibake(last, known) if has_thai(last) else None
        rep_first = repair_thai_mojibake(first, known) if has_thai(first) else None
        fam = _clean(rep_last.text if rep_last else last)
        giv = _clean(rep_first.text if rep_first else first)
        name = f"{giv} {fam}".strip()
        guessed = bool((rep_last and rep_last.guessed) or (rep_first and rep_first.guessed))
        authors.append(
            ParsedAuthor(
                name=name,
                raw=raw if raw != name else None,
                guessed=guessed,
                given=giv or None,
                family=fam or None,
            )
        )
    return authors, orgs


def parse(text: str, source: str) -> ParsedProfile:
    lines = numbered_lines(text)
    if not lines or not _OWNER.match(lines[0][1]):
        raise ParseError(
            "first line is not an owner name",
            source=source,
            format=NAME,
            line=lines[0][0] if lines else 1,
            expected="'Last, First'",
        )
    last, first = (t.strip() for t in lines[0][1].split(",", 1))
    declared = from_last_first(last, first)
    # Cleanly spelled words anywhere in the file are evidence for repairing lost bytes.
    words = {w for w in re.findall(r"[^\W\d_]+", text) if not has_thai(w) and not w.isascii()}
    known = KnownWords.of(words | set(re.findall(r"[A-Za-z]{3,}", text)))
    papers: list[ParsedPaper] = []
    k = 1
    while k < len(lines):
        t_no, title = lines[k]
        if k + 1 >= len(lines) or not looks_like_authors(lines[k + 1][1]):
            where = lines[k + 1][0] if k + 1 < len(lines) else t_no
            raise ParseError(
                "missing author line",
                source=source,
                format=NAME,
                line=where,
                expected="an author line of 'Last, First' pairs after the title",
            )
        a_no, a_line = lines[k + 1]
        authors, orgs = _authors(a_line, a_no, source, known)
        abstract = None
        k += 2
        if k < len(lines) and not _is_title_at(lines, k):
            abstract = _clean(lines[k][1])
            k += 1
        papers.append(
            ParsedPaper(
                title=_clean(title),
                abstract=abstract,
                authors=authors,
                organisations=orgs,
                line=t_no,
            )
        )
    return ParsedProfile(source=source, format=NAME, papers=papers, declared_name=declared)
