"""Helpers shared by the record-format parsers (JSON documents and lines, dates, names)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..text import clean_text

# ASCII text that ftfy changes beyond white space: control characters, HTML entities.
_ASCII_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f&]")
# What else ftfy acts on besides quotes and normalisation: C1 characters, no-break spaces,
# ligatures, width forms, BOM/replacement characters, lone surrogates, and UTF-8 read as
# Latin-1/cp1252 (a lead byte Â..ô followed by a continuation-byte character).
_SUSPECT_CHAR = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f&\u00a0\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\u206a-\u206f\u3000"
    "\ufb00-\ufb06\ufeff\ufff9-\ufffd\uff00-\uffef\ud800-\udfff]"
)
_CP1252_CONT = "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_LEAD = re.compile("[\u00c2-\u00f4]")
_PAIR = re.compile(f"[\u00c2-\u00f4][ \u0080-\u00bf{_CP1252_CONT}]")  # "Â " is a lost no-break space
_QUOTE_PAIRS = (("\u02bc", "'"), ("\u2018", "'"), ("\u2019", "'"), ("\u201a", "'"), ("\u201b", "'"),
                ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'), ("\u201f", '"'))  # fmt: skip


def clean(text: Any) -> str | None:
    """:func:`~scholarlens.text.clean_text` (``None`` for empty), fast where ftfy has nothing to repair.

    Plain ASCII gives exactly clean_text's answer; other text without mojibake markers gets
    ftfy's quote straightening and NFC without its (slow) encoding detection — the same
    answer unless the text holds mojibake of an encoding other than Latin-1/cp1252.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    text = " ".join(text.split())  # as clean_text does first: markers are judged on this
    if text.isascii():
        out = text if _ASCII_SUSPECT.search(text) is None else clean_text(text)
    elif _SUSPECT_CHAR.search(text) is None and (_LEAD.search(text) is None or _PAIR.search(text) is None):
        out = text
        for q, straight in _QUOTE_PAIRS:
            if q in out:
                out = out.replace(q, straight)
        if not unicodedata.is_normalized("NFC", out):
            out = unicodedata.normalize("NFC", out)
        if _SUSPECT_CHAR.search(out) or (_LEAD.search(out) and _PAIR.search(out)):
            out = clean_text(text)  # normalising made a marker: take ftfy's full answer
    else:
        out = clean_text(text)
    return out or None


_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_ARXIV = re.compile(r"(?:arxiv[:/]|abs/|pdf/)?\s*((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v\d+)?", re.IGNORECASE)

MONTHS = {
    m: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        1,
    )
    for m in names
}  # fmt: skip


def json_line(raw: bytes | str, source: str, line: int, fmt: str) -> Any:
    """One JSON-lines record; a cut or invalid line raises :class:`ParseError` naming the line."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON line ({exc.msg})", source=source, format=fmt, line=line, expected="one complete JSON object per line"
        ) from None


def json_records(
    text: str,
    source: str,
    fmt: str,
    errors: list[ParseError] | None = None,
    list_keys: tuple[str, ...] = ("data", "results", "items", "notes"),
) -> Iterator[tuple[int, Any]]:
    """``(line or record number, object)`` pairs from a JSON document, a list, a wrapped list or JSON lines.

    A bad JSON line raises :class:`ParseError`, or is appended to ``errors`` and skipped.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty file", source=source, format=fmt, expected="JSON")
    try:
        doc = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        if "\n" not in stripped or not stripped.startswith("{"):
            raise ParseError(f"invalid JSON ({exc.msg})", source=source, format=fmt, line=exc.lineno, expected="a JSON document") from None
        for lineno, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                obj = json_line(line, source, lineno, fmt)
            except ParseError as bad:
                if errors is None:
                    raise
                errors.append(bad)
                continue
            yield lineno, obj
        return
    if isinstance(doc, list):
        yield from ((i, d) for i, d in enumerate(doc, 1))
        return
    if isinstance(doc, dict):
        for key in list_keys:
            if isinstance(doc.get(key), list):
                yield from ((i, d) for i, d in enumerate(doc[key], 1))
                return
    yield 1, doc


def first_record(text: str) -> Any:
    """The first JSON object of a document or of JSON lines (for sniffers); ``None`` if unreadable."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    first_line = stripped.split("\n", 1)[0]
    for candidate in (first_line, stripped):
        try:
            doc = orjson.loads(candidate)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, list):
            return doc[0] if doc else None
        if isinstance(doc, dict):
            for key in ("data", "results", "items", "notes"):
                if isinstance(doc.get(key), list) and doc[key]:
                    return doc[key][0]
        return doc
    return None


def parse_date(value: Any) -> tuple[int | None, int | None, int | None]:
    """``(year, month, day)`` from ISO dates, RFC 2822 dates, date-parts, ms epochs or bare years."""
    if value is None or value == "":
        return None, None, None
    if isinstance(value, bool):
        return None, None, None
    if isinstance(value, int | float):
        v = int(value)
        if 1000 <= v <= 2999:
            return v, None, None
        if v > 10**11:  # milliseconds since the epoch (OpenReview)
            when = datetime.fromtimestamp(v / 1000, tz=UTC)
            return when.year, when.month, when.day
        return None, None, None
    if isinstance(value, list):
        nums: list[int | None] = [int(p) for p in value if isinstance(p, int | str) and str(p).strip().lstrip("-").isdigit()]
        nums += [None] * (3 - len(nums))
        yy, mm, dd = nums[:3]
        return (
            yy if yy and 1000 <= yy <= 2999 else None,
            mm if mm and 1 <= mm <= 12 else None,
            dd if dd and 1 <= dd <= 31 else None,
        )
    s = str(value).strip()
    m = re.match(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", s)
    if m:
        y = int(m.group(1))
        mo = int(m.group(2)) if m.group(2) else None
        d = int(m.group(3)) if m.group(3) else None
        return y, (mo if mo and 1 <= mo <= 12 else None), (d if d and 1 <= d <= 31 else None)
    m = re.search(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})", s)  # "Mon, 2 Apr 2007 19:18:42 GMT"
    if m and m.group(2).lower() in MONTHS:
        return int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))
    m = re.search(r"\b(\d{4})\b", s)
    return (int(m.group(1)), None, None) if m and 1000 <= int(m.group(1)) <= 2999 else (None, None, None)


def month_number(value: Any) -> int | None:
    if value is None:
        return None
    s = str(value).strip().lower().rstrip(".")
    if s.isdigit():
        n = int(s)
        return n if 1 <= n <= 12 else None
    return MONTHS.get(s) or MONTHS.get(s[:3])


def orcid(value: Any) -> str | None:
    """The bare ORCID iD (``0000-0002-1825-0097``) from a URL or a bare id."""
    if not value:
        return None
    m = _ORCID.search(str(value))
    return m.group(1).upper() if m else None


def doi(value: Any) -> str | None:
    """A bare, lower-cased DOI from a DOI, ``doi:`` or ``https://doi.org/`` form."""
    if not value:
        return None
    m = _DOI.search(str(value).strip())
    return m.group(1).rstrip(".,;").lower() if m else None


def arxiv_id(value: Any) -> str | None:
    """A bare arXiv id without version (``2106.01234``, ``hep-th/9901001``)."""
    if not value:
        return None
    m = _ARXIV.search(str(value).strip())
    return m.group(1).lower() if m else None


def author(name: Any, given: Any = None, family: Any = None, orcid_value: Any = None, affiliations: list[str] | None = None) -> ParsedAuthor | None:
    """An author from a display name, or from given and family parts; ``None`` when empty."""
    given_s, family_s = clean(given), clean(family)
    display = clean(name) or " ".join(p for p in (given_s, family_s) if p)
    if not display:
        return None
    return ParsedAuthor(
        name=display,
        given=given_s,
        family=family_s,
        orcid=orcid(orcid_value),
        affiliations=[a for a in (affiliations or []) if a],
    )


def json_parsers(
    fmt: str, build: Callable[[Any, str, int], ParsedPaper | None]
) -> tuple[Callable[[bytes | str, str, int], ParsedPaper | None], Callable[..., ParsedProfile]]:
    """``(parse_line, parse)`` for a format of JSON records built by ``build(obj, source, n)``:
    one line for the streaming hook, and a whole document or JSON-lines file."""

    def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
        return build(json_line(raw, source, line, fmt), source, line)

    def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
        pairs = json_records(text, source, fmt, errors)
        return ParsedProfile(source=source, format=fmt, papers=collect_papers(pairs, lambda o, n: build(o, source, n), errors))

    return parse_line, parse


def collect_papers(
    pairs: Iterable[tuple[int, Any]],
    build: Callable[[Any, int], ParsedPaper | None],
    errors: list[ParseError] | None = None,
) -> list[ParsedPaper]:
    """Papers built from ``(record number, object)`` pairs; a bad record raises, or with
    ``errors`` given is appended there and skipped (``--skip-bad``)."""
    papers = []
    for n, obj in pairs:
        try:
            paper = build(obj, n)
        except ParseError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        if paper:
            papers.append(paper)
    return papers
