"""BibTeX / BibLaTeX files (Google Scholar, Zotero, Mendeley, DBLP, Scopus, Pure, arXiv exports).

Split by bibtexparser 2, then: ``@string`` macros resolved case-insensitively, with ``#``
concatenation (``"John " # mynamE``); LaTeX decoded to Unicode by pylatexenc (``{\\"u}`` → ü,
``{\\L}`` → Ł, ``\\TeX`` → TeX; ``%`` inside a value is a percent sign, not a comment);
protective braces dropped; ``crossref`` resolved (a child inherits its parent's missing
fields, the parent's title becoming its ``booktitle``). Works and containers are kept apart:
``@proceedings``, ``@collection``, ``@periodical`` and an editor-only ``@book`` are venues, not
papers by their editors, and editors are never stored as authors. ``and others`` marks the
author list incomplete; organisations (``{OpenAI}``, ``{ATLAS Collaboration}``) are the
paper's organisations, not people. Identifiers: ``doi``; arXiv from ``eprint`` (+
``archivePrefix``), ``journal = {arXiv preprint arXiv:…}`` or an arxiv.org ``url``. Scopus's
repeated fields keep their first value. A broken entry (an unbalanced brace) fails alone: it is
reported with its line, or skipped and rejected with ``--skip-bad``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from . import _records as R

NAME = "bibtex"
# Bounded runs only: a "^\s*" across 100k blank lines backtracked quadratically (73 s for 100 KB).
_ENTRY = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]{1,40}[ \t]*[{(]\s{0,40}[^,\s{}()]{0,300}\s{0,40},", re.MULTILINE)
_SKIP_TYPES = {"comment", "preamble", "string"}
#: Entry types that are containers (venues), never papers.
CONTAINERS = {"proceedings", "mvproceedings", "collection", "mvcollection", "periodical", "reference", "mvreference", "xdata", "set"}
#: Entry types that are a work when they have an author, a container when only editors.
_BOOKS = {"book", "mvbook", "bookinbook"}
_IDENT = re.compile(r"^[^\s\"{}#,=()]+$")
# bibtexparser logs every failed block itself; we report them as ParseErrors instead.
_bib_log = logging.getLogger("bibtexparser")
_bib_log.addHandler(logging.NullHandler())
_bib_log.propagate = False


def sniff(text: str, source: str) -> tuple[float, str]:
    m = _ENTRY.search(text, 0, min(len(text), 200_000))
    return (0.9, f"a BibTeX entry head {m.group(0).strip()[:40]!r}") if m else (0.0, "")


def _split_concat(raw: str) -> list[str]:
    """The parts of a ``"a" # macro # {b}`` value, split at top-level ``#`` signs."""
    parts: list[str] = []
    buf: list[str] = []
    depth, quoted = 0, False
    for ch in raw:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf).strip())
    return parts


def _resolve(raw: str, strings: dict[str, str]) -> str:
    """A field value with macros (case-insensitive) and ``#`` concatenation resolved, enclosed
    in braces; a lone unknown identifier (a month macro) is left for the month middleware."""
    parts = _split_concat(raw)
    if len(parts) == 1:
        only = parts[0]
        if _IDENT.match(only) and not (only.isascii() and only.isdigit()):
            return "{" + strings[only.lower()] + "}" if only.lower() in strings else only
        return raw
    out = []
    for part in parts:
        if len(part) >= 2 and part[0] == part[-1] == '"' or part.startswith("{") and part.endswith("}"):
            out.append(part[1:-1])
        else:
            out.append(strings.get(part.lower(), part))
    return "{" + "".join(out) + "}"


def _strip_enclosing(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and (value[0], value[-1]) in (('"', '"'), ("{", "}")):
        return value[1:-1]
    return value


def _middlewares() -> list[Any]:
    from bibtexparser import middlewares as mw
    from bibtexparser.library import Library
    from bibtexparser.middlewares.middleware import LibraryMiddleware

    class ResolveMacros(LibraryMiddleware):
        """``@string`` macros (case-insensitive, in file order) and ``#`` concatenation."""

        @classmethod
        def metadata_key(cls) -> str:
            return "scholarlens_macros"

        def transform(self, library: Library) -> Library:
            strings: dict[str, str] = {}
            for s in library.strings:
                strings[s.key.lower()] = _strip_enclosing(_resolve(str(s.value), strings))
            for entry in library.entries:
                for field in entry.fields:
                    if isinstance(field.value, str):
                        field.value = _resolve(field.value, strings)
            return library

    class DecodeLatex(LibraryMiddleware):
        """LaTeX to Unicode, only where a value holds markup, in bounded time (long values get a
        linear clean-up instead of pylatexenc: a 10 MB title took minutes)."""

        @classmethod
        def metadata_key(cls) -> str:
            return "scholarlens_latex"

        def transform(self, library: Library) -> Library:
            for entry in library.entries:
                for field in entry.fields:
                    if isinstance(field.value, str):
                        field.value = R.latex_value(field.value)
            return library

    return [
        ResolveMacros(),
        mw.RemoveEnclosingMiddleware(True),
        DecodeLatex(),
        mw.MonthIntMiddleware(True),
        mw.SeparateCoAuthors(),
        mw.SplitNameParts(),
    ]


def _name(parts: Any) -> str | None:
    if isinstance(parts, str):
        return R.clean(parts.replace("{", "").replace("}", ""))
    first = " ".join(getattr(parts, "first", []) or [])
    von = " ".join(getattr(parts, "von", []) or [])
    last = " ".join(getattr(parts, "last", []) or [])
    jr = " ".join(getattr(parts, "jr", []) or [])
    display = " ".join(p for p in (first, von, last) if p)
    if jr:
        display += f" {jr}"
    return R.clean(display.replace("{", "").replace("}", ""))


def _authors(value: Any) -> tuple[list[ParsedAuthor], bool]:
    out: list[ParsedAuthor] = []
    complete = True
    for parts in value if isinstance(value, list) else [value]:
        display = _name(parts)
        if not display:
            continue
        if display.lower() in {"others", "et al", "et al."}:
            complete = False
            continue
        given = " ".join(getattr(parts, "first", []) or []) or None
        family = " ".join([*(getattr(parts, "von", []) or []), *(getattr(parts, "last", []) or [])]) or None
        out.append(ParsedAuthor(name=display, given=R.clean(given), family=R.clean(family)))
    return out, complete


def _text(fields: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = fields.get(key)
        if value not in (None, "") and not isinstance(value, list):
            return R.clean(str(value))  # LaTeX decoding already dropped the protective braces
    return None


def _arxiv(fields: dict[str, Any], journal: str | None) -> str | None:
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    arxiv = R.arxiv_id(fields["eprint"]) if fields.get("eprint") and prefix in ("", "arxiv") else None
    for candidate in (journal, _text(fields, "url"), _text(fields, "note"), _text(fields, "howpublished")):
        if arxiv is None and candidate and "arxiv" in candidate.lower():
            arxiv = R.arxiv_id(candidate.lower().split("arxiv", 1)[1])
    return arxiv


def is_container(entry_type: str, fields: dict[str, Any]) -> bool:
    """Proceedings, collections, periodicals and editor-only books are venues, not papers."""
    return entry_type in CONTAINERS or (entry_type in _BOOKS and not fields.get("author"))


def paper_from_fields(fields: dict[str, Any], entry_type: str, key: str, line: int) -> ParsedPaper | None:
    """One paper from an entry's fields (lower-case keys, crossref already resolved)."""
    title, abstract = _text(fields, "title"), _text(fields, "abstract")
    if (not title and not abstract) or is_container(entry_type, fields):
        return None
    people, complete = _authors(fields.get("author") or [])
    authors, orgs = R.split_organisations(people)
    ids: dict[str, str] = {}
    doi = R.doi(fields.get("doi"))
    if doi:
        ids["doi"] = doi
    journal = _text(fields, "journal", "journaltitle")
    arxiv = _arxiv(fields, journal)
    if arxiv:
        ids["arxiv"] = arxiv
    for scheme in R.OTHER_IDS:  # written by ScholarLens exports
        if isinstance(fields.get(scheme), str) and fields[scheme].strip():
            ids[scheme] = fields[scheme].strip()
    year, _, _ = R.parse_date(fields.get("year") or fields.get("date"))
    month = R.month_number(fields.get("month"))
    if month is None and fields.get("date"):
        _, month, _ = R.parse_date(fields["date"])
    extra: dict[str, Any] = {"bibtex_key": key, "bibtex_type": entry_type}
    if isinstance(fields.get("keywords"), str):
        extra["keywords"] = [k.strip() for k in re.split(r"[;,]", fields["keywords"]) if k.strip()]
    venue = journal if journal and not journal.lower().startswith("arxiv") else _text(fields, "booktitle", "publisher", "school", "institution")
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=complete,
        year=year,
        month=month,
        category=_text(fields, "primaryclass"),
        organisations=orgs,
        venue=venue,
        identifiers=ids,
        line=line,
        extra=extra,
    )


def resolve_crossrefs(entries: list[tuple[str, str, dict[str, Any], int]]) -> None:
    """Fill each child's missing fields from the entry its ``crossref`` names (one level, as
    BibTeX does); the parent's ``title`` becomes the child's ``booktitle``."""
    by_key = {key.lower(): fields for _, key, fields, _ in entries}
    for _, _, fields, _ in entries:
        ref = fields.get("crossref")
        parent = by_key.get(ref.strip().lower()) if isinstance(ref, str) else None
        if parent is None or parent is fields:
            continue
        for k, v in parent.items():
            if k == "title":
                fields.setdefault("booktitle", v)
            elif k not in ("crossref", "ids", "entryset"):
                fields.setdefault(k, v)


def _recover_duplicates(library: Any) -> None:
    """Scopus writes a field twice (``funding_details``): keep the entry, with each key's first value."""
    from bibtexparser.model import DuplicateFieldKeyBlock, Field

    for block in list(library.failed_blocks):
        entry = getattr(block, "ignore_error_block", None)
        if isinstance(block, DuplicateFieldKeyBlock) and entry is not None:
            seen: set[str] = set()
            kept: list[Field] = []
            for f in entry.fields:
                if f.key.lower() not in seen:
                    seen.add(f.key.lower())
                    kept.append(f)
            entry.fields = kept
            library.replace(block, entry, fail_on_duplicate_key=False)


def _failures(library: Any, source: str) -> list[ParseError]:
    failures = []
    for block in library.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        error = getattr(block, "error", None)
        reason = str(getattr(error, "abort_reason", "") or error or type(error).__name__).strip()
        failures.append(
            ParseError(f"broken entry ({reason[:200]})", source=source, format=NAME, line=line, expected="balanced braces and 'field = value' pairs")
        )
    return sorted(failures, key=lambda e: e.line or 0)


def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    from bibtexparser.splitter import Splitter

    try:
        library = Splitter(bibstr=text).split()
        _recover_duplicates(library)
        for middleware in _middlewares():
            library = middleware.transform(library=library)
    except RecursionError:
        raise ParseError("BibTeX nested too deeply", source=source, format=NAME, expected="ordinary brace nesting") from None
    except Exception as exc:  # the splitter itself gave up (rare): the whole file fails
        raise ParseError(f"unreadable BibTeX ({str(exc)[:200]})", source=source, format=NAME, expected="@type{key, field = {value}, ...}") from None
    failures = _failures(library, source)
    if failures and errors is None:
        raise failures[0]
    if errors is not None:
        errors.extend(failures)
    entries = [
        (e.entry_type.lower(), str(e.key), {f.key.lower(): f.value for f in e.fields}, e.start_line + 1)
        for e in library.entries
        if e.entry_type.lower() not in _SKIP_TYPES
    ]
    resolve_crossrefs(entries)
    papers = [p for p in (paper_from_fields(fields, kind, key, line) for kind, key, fields, line in entries) if p]
    return ParsedProfile(source=source, format=NAME, papers=papers)
