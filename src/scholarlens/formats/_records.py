"""Helpers shared by the record-format parsers (JSON documents and lines, dates, names)."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

import orjson

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import looks_like_organisation
from ..text import clean_text
from . import _io

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

#: Characters of a field searched for an identifier (the regexes backtrack on long runs of letters).
_ID_TEXT = 500

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


#: Keys under which API responses wrap their list of records.
LIST_KEYS = ("data", "results", "items", "notes", "recommendedPapers")
#: Field names of a record: a dict keyed by these is one record, not a dict of records.
_RECORD_FIELDS = {"title", "abstract", "content", "authors", "author", "id", "paperId", "type", "display_name"}
_WRAPPED = re.compile(r'"(' + "|".join(LIST_KEYS) + r')"\s*:\s*\[')
_FAIL = object()


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _FAIL


def json_line(raw: bytes | str, source: str, line: int, fmt: str) -> Any:
    """One JSON-lines record; a cut or invalid line raises :class:`ParseError` naming the line."""
    if len(raw) > _io.limit("max_record_bytes"):
        raise _io.over_limit("max_record_bytes", f"line of {len(raw):,} bytes", source, line)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON line ({exc.msg})", source=source, format=fmt, line=line, expected="one complete JSON object per line"
        ) from None


def wrapper_key(doc: Any) -> str | None:
    """The key under which an API response wraps its records (``results``, ``data``...), if any."""
    if isinstance(doc, dict):
        for key in LIST_KEYS:
            if isinstance(doc.get(key), list):
                return key
    return None


def is_record_map(doc: Any) -> bool:
    """A dict of records keyed by id (openreview-expertise's ``submissions.json``)."""
    return (
        isinstance(doc, dict)
        and bool(doc)
        and not (_RECORD_FIELDS & set(doc))
        and all(isinstance(v, dict) and ("content" in v or "title" in v) for v in doc.values())
    )


def records_of(doc: Any) -> list[Any]:
    """The records a JSON value holds: a list's items, a wrapper's list, a record map's values,
    or the value itself. ``null`` items (a batch response's unknown ids) are dropped."""
    if isinstance(doc, list):
        items = doc
    elif (key := wrapper_key(doc)) is not None:
        items = doc[key]
    elif is_record_map(doc):
        items = list(doc.values())
    else:
        items = [doc]
    return [d for d in items if d is not None]


def _first_of_partial(text: str) -> Any:
    """The first record of a document cut short (a file head): parse only that record."""
    if text.startswith("["):
        start = 1
    else:
        m = _WRAPPED.search(text)
        if not m:
            return _FAIL
        start = m.end()
    decoder = json.JSONDecoder()
    n = len(text)
    while start < n:
        while start < n and text[start] in " \t\n\r,":
            start += 1
        if text.startswith("null", start):
            start += 4
            continue
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            return _FAIL
        return value
    return _FAIL


@dataclass(frozen=True)
class Layout:
    """How a JSON text is laid out, and its first record (for sniffers and the ingest)."""

    kind: str
    """``json-lines`` (one record per line), ``document`` (one JSON value), ``partial`` (a cut head)."""
    first: Any
    """The first record, or ``None``."""
    how: str
    """Where the first record came from, in words (``results[0] of a one-line document``)."""


@lru_cache(maxsize=4)
def layout(text: str) -> Layout | None:
    """The layout of a JSON text and its whole first record; ``None`` when it is not JSON.

    A first line that parses alone and is a record (not a wrapper of records) means JSON
    lines when more lines follow; a one-line API response (``{"meta", "results": [...]}``) is a
    document whatever its size. Nothing is read past the first record's end when the text is
    a cut head of a document.
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    first_line, _, rest = stripped.partition("\n")
    doc = _loads(first_line)
    if doc is not _FAIL and rest.strip() and isinstance(doc, dict) and wrapper_key(doc) is None and not is_record_map(doc):
        return Layout("json-lines", doc, "line 1 (JSON lines)")
    if doc is _FAIL or rest.strip():
        doc = _loads(stripped)
    if doc is not _FAIL:
        items = records_of(doc)
        key = wrapper_key(doc)
        where = f"{key}[0]" if key else "item 1" if isinstance(doc, list) else "the first value" if is_record_map(doc) else "the document"
        lines = "one-line" if "\n" not in stripped else "multi-line"
        return Layout("document", items[0] if items else None, f"{where} of a {lines} JSON document")
    first = _first_of_partial(stripped)
    if first is _FAIL:
        return Layout("partial", None, "no complete first record")
    return Layout("partial", first, "the first record of a JSON document head")


def is_json_lines(head: str) -> bool:
    """Whether a file's head is JSON lines (one record per line), so that it can stream.
    A one-line API response that wraps its records is a document, never JSON lines."""
    lay = layout(head)
    if lay is None:
        return False
    if lay.kind == "json-lines":
        return True
    first_line = head.strip().partition("\n")[0]
    doc = _loads(first_line)
    return isinstance(doc, dict) and wrapper_key(doc) is None and not is_record_map(doc) and lay.kind == "document"


def json_records(
    text: str,
    source: str,
    fmt: str,
    errors: list[ParseError] | None = None,
    list_keys: tuple[str, ...] = LIST_KEYS,
) -> Iterator[tuple[int, Any]]:
    """``(line or record number, object)`` pairs from a JSON document, a list, a wrapped list,
    a map of records, or JSON lines (whose lines may themselves be wrapped pages).

    A bad JSON line raises :class:`ParseError`, or is appended to ``errors`` and skipped.
    ``null`` records (unknown ids in a batch response) are skipped.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty file", source=source, format=fmt, expected="JSON")
    lay = layout(text)
    if lay is not None and lay.kind == "document":
        doc = orjson.loads(stripped)
        if isinstance(doc, dict) and wrapper_key(doc) not in (None, *list_keys):
            yield 1, doc
            return
        yield from enumerate(records_of(doc), 1)
        return
    if lay is None or lay.kind != "json-lines":
        try:
            orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise ParseError(
                f"invalid JSON ({exc.msg})", source=source, format=fmt, line=exc.lineno, expected="a JSON document or JSON lines"
            ) from None
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
        for rec in records_of(obj):
            yield lineno, rec


def first_record(text: str) -> Any:
    """The whole first record of a document or of JSON lines (for sniffers); ``None`` if unreadable."""
    lay = layout(text)
    return lay.first if lay is not None else None


def number(value: Any) -> int | None:
    """A finite whole number from an int, float or digit string (``None`` otherwise, never an error)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and abs(value) < 1e15 else None
    if isinstance(value, int):
        return value if abs(value) < 10**15 else None
    s = str(value).strip()
    return int(s) if s.isascii() and s.isdigit() and len(s) < 16 else None  # '¹'.isdigit() is True


def parse_date(value: Any) -> tuple[int | None, int | None, int | None]:
    """``(year, month, day)`` from ISO dates, RFC 2822 dates, date-parts, ms epochs or bare years."""
    if value is None or value == "":
        return None, None, None
    if isinstance(value, bool):
        return None, None, None
    if isinstance(value, int | float):
        v = number(value)
        if v is None:
            return None, None, None
        if 1000 <= v <= 2999:
            return v, None, None
        if 10**11 < v < 32503680000000:  # milliseconds since the epoch (OpenReview), before 3000
            when = datetime.fromtimestamp(v / 1000, tz=UTC)
            return when.year, when.month, when.day
        return None, None, None
    if isinstance(value, list):
        nums: list[int | None] = [number(p) for p in value if isinstance(p, int | float | str) and not isinstance(p, bool)]
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
    if s.isascii() and s.isdigit():
        n = int(s) if len(s) <= 2 else 0
        return n if 1 <= n <= 12 else None
    return MONTHS.get(s) or MONTHS.get(s[:3])


_PERCENT = re.compile(r"(?<!\\)%")
_ACC = r"(?:['\"`^~=.]|[uvHckbdrt](?=[\s{]))\s*(?:\{[A-Za-z]\}|[A-Za-z])"
_SYM = r"(?:[lLoOij]|ss|ae|AE|oe|OE|aa|AA)"
_ACCENT = re.compile(rf"\{{\\{_ACC}\}}|\{{\\{_SYM}\}}|\\{_ACC}|\\{_SYM}(?:\{{\}}|(?![A-Za-z]))")


@cache
def latex_decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    db = get_default_latex_context_db()
    names = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "XeTeX": "XeTeX", "LuaTeX": "LuaTeX",
             "ConTeXt": "ConTeXt", "AmS": "AMS", "AmSTeX": "AMS-TeX", "slash": "/", "textbackslash": "\\",
             "textasciicircum": "^", "textasciitilde": "~"}  # fmt: skip
    macros = [MacroTextSpec(n, simplify_repl=r) for n, r in names.items()]
    macros += [MacroTextSpec(n, simplify_repl="%s") for n in ("url", "mbox", "hbox", "textsc", "textnormal", "ensuremath")]
    db.add_context_category("scholarlens-bibtex", macros=macros, prepend=True)
    return LatexNodes2Text(latex_context=db, math_mode="verbatim", strict_latex_spaces=True)


def latex_text(value: str) -> str:
    """LaTeX markup to Unicode text (pylatexenc; math kept verbatim, ``%`` a percent sign, ``\\TeX``
    → TeX); markup pylatexenc cannot read keeps its letters."""
    if "\\" not in value and "{" not in value and "$" not in value:
        return value
    try:  # in a BibTeX value "%" is a percent sign, not a LaTeX comment
        return str(latex_decoder().latex_to_text(_PERCENT.sub(r"\\%", value)))
    except Exception:  # pylatexenc gives up on odd markup (or nests too deep): keep the letters
        return re.sub(r"\\[A-Za-z]+\*?|[{}\\]", "", value)


#: Longest value decoded by pylatexenc (~40 µs a token); longer ones get :func:`latex_light`.
LATEX_FULL_LIMIT = 5_000
_ESCAPED = re.compile(r"\\([%&#$_{}])")
#: What pylatexenc would change: macros, groups, math, ties, dash and quote ligatures.
_LATEX_MARKUP = re.compile(r"[\\{}$~]|--|``|''")


def latex_light(value: str) -> str:
    """Linear-time LaTeX clean-up for long values: accents decoded, escaped specials
    (``\\%``, ``\\&``...) unescaped, grouping braces dropped, math and other macros left."""
    text = latex_accents(value).replace("\\{", "\x01").replace("\\}", "\x02")
    text = _ESCAPED.sub(r"\1", text).replace("{", "").replace("}", "")
    return text.replace("\x01", "{").replace("\x02", "}")


def latex_value(value: str) -> str:
    """A BibTeX value as text: pylatexenc for ordinary values, :func:`latex_light` for long ones."""
    if _LATEX_MARKUP.search(value) is None:
        return value
    return latex_text(value) if len(value) <= LATEX_FULL_LIMIT else latex_light(value)


def latex_accents(value: str) -> str:
    """Only the accent macros of a text decoded (``Gr\\"obner`` → Gröbner), math and other
    markup left alone: cheap enough for every abstract of a dump."""
    if "\\" not in value:
        return value
    return _ACCENT.sub(lambda m: latex_text(m.group(0)), value)


_HTML = re.compile(r"<[A-Za-z/!][^<>]*>|&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});")


def html_text(value: Any) -> str | None:
    """Text of a value that may hold HTML markup (OpenAlex and CSL titles: ``<i>``, ``<sub>``,
    entities), read by a real HTML parser (selectolax/lexbor); plain text is returned as is."""
    if value is None:
        return None
    s = value if isinstance(value, str) else str(value)
    if _HTML.search(s) is None:
        return s
    from selectolax.lexbor import LexborHTMLParser

    return str(LexborHTMLParser(s).text(deep=True, separator="") or "")


def split_organisations(authors: list[ParsedAuthor]) -> tuple[list[ParsedAuthor], list[str]]:
    """People and organisations (``OpenAI``, ``ATLAS Collaboration``) among an author list:
    organisations are kept as the paper's organisations, never as people."""
    people: list[ParsedAuthor] = []
    orgs: list[str] = []
    for a in authors:
        if looks_like_organisation(a.name):
            if a.name not in orgs:
                orgs.append(a.name)
        else:
            people.append(a)
    return people, orgs


def orcid(value: Any) -> str | None:
    """The bare ORCID iD (``0000-0002-1825-0097``) from a URL or a bare id."""
    if not value:
        return None
    m = _ORCID.search(str(value)[:_ID_TEXT])
    return m.group(1).upper() if m else None


def doi(value: Any) -> str | None:
    """A bare, lower-cased DOI from a DOI, ``doi:`` or ``https://doi.org/`` form."""
    if not value:
        return None
    m = _DOI.search(str(value)[:_ID_TEXT].strip())
    return m.group(1).rstrip(".,;").lower() if m else None


def arxiv_id(value: Any) -> str | None:
    """A bare arXiv id without version (``2106.01234``, ``hep-th/9901001``)."""
    if not value:
        return None
    m = _ARXIV.search(str(value)[:_ID_TEXT].strip())
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


def refuse_wrapper(obj: Any, source: str, line: int, fmt: str) -> None:
    """A streamed line that wraps many records (a whole API response saved on one line) is an
    error, never a silent empty record: the file must be read as one document."""
    key = wrapper_key(obj)
    if key is not None or is_record_map(obj):
        what = f"a '{key}' list" if key else "a map of records"
        raise ParseError(
            f"line {line} is a whole response ({what}), not one record",
            source=source, format=fmt, line=line, expected="one record per line; read the file as one JSON document",
        )  # fmt: skip


def json_parsers(
    fmt: str, build: Callable[[Any, str, int], ParsedPaper | None]
) -> tuple[Callable[[bytes | str, str, int], ParsedPaper | None], Callable[..., ParsedProfile]]:
    """``(parse_line, parse)`` for a format of JSON records built by ``build(obj, source, n)``:
    one line for the streaming hook, and a whole document or JSON-lines file."""

    def parse_line(raw: bytes | str, source: str, line: int) -> ParsedPaper | None:
        obj = json_line(raw, source, line, fmt)
        refuse_wrapper(obj, source, line, fmt)
        return build(obj, source, line)

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


def citations(count: Any, source: str, as_of: Any = None) -> dict[str, Any] | None:
    """``{"count", "source", "as_of"}`` for a citation count a record carries (kept in a
    paper's ``extra``); None unless ``count`` is a non-negative integer."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    day = str(as_of)[:10] if isinstance(as_of, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", as_of) else None
    return {"count": count, "source": source, "as_of": day}


#: Identifier schemes that ScholarLens exports write where a format has no field of their own
#: (a BibTeX field, a RIS ``N1`` or CSL ``note`` line ``scheme: value``), read back on import.
OTHER_IDS = ("s2", "s2corpus", "openalex", "openreview", "pmid", "mag")


def read_export_notes(lines: Iterable[str], ids: dict[str, str]) -> tuple[str | None, bool]:
    """Read the ``key: value`` note lines a ScholarLens export writes: other identifiers go
    into ``ids`` (existing ones win); returns ``(category, authors_complete)``."""
    category, complete = None, True
    for note in lines:
        key, _, value = note.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key in OTHER_IDS and value:
            ids.setdefault(key, value)
        elif key == "category" and value:
            category = value
        elif key == "authors" and value == "incomplete":
            complete = False
    return category, complete
