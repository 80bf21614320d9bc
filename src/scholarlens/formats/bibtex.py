"""BibTeX / BibLaTeX files (Google Scholar, Zotero, Mendeley, DBLP, arXiv exports).

Parsed with bibtexparser 2 (v2 API): ``@string`` macros and month macros resolved, LaTeX
accents decoded (``{\\"u}`` → ü, ``{\\L}`` → Ł), protective braces dropped, ``and others``
marks the author list incomplete, a single-token author (``{OpenAI}``) is kept whole.
Identifiers: ``doi``; arXiv from ``eprint`` (+ ``archivePrefix``), ``journal = {arXiv
preprint arXiv:…}`` or an arxiv.org ``url``. A broken entry (an unbalanced brace) fails
alone: it is reported with its line, or skipped and rejected with ``--skip-bad``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from . import _records as R

NAME = "bibtex"
_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]\s*[^,\s{}()]*\s*,", re.MULTILINE)
OTHER_IDS = ("s2", "s2corpus", "openalex", "openreview", "pmid", "mag")
_SKIP_TYPES = {"comment", "preamble", "string"}
# bibtexparser logs every failed block itself; we report them as ParseErrors instead.
_bib_log = logging.getLogger("bibtexparser")
_bib_log.addHandler(logging.NullHandler())
_bib_log.propagate = False


def sniff(text: str, source: str) -> float:
    head = text[:20_000]
    return 0.9 if _ENTRY.search(head) else 0.0


def _name(parts: Any) -> str | None:
    if isinstance(parts, str):
        return R.clean(parts)
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
        if value not in (None, ""):
            return R.clean(str(value).replace("{", "").replace("}", ""))
    return None


def paper_from_entry(entry: Any, source: str) -> ParsedPaper | None:
    fields = {k.lower(): v for k, v in ((f.key, f.value) for f in entry.fields)}
    line = entry.start_line + 1
    title, abstract = _text(fields, "title"), _text(fields, "abstract")
    if not title and not abstract:
        return None
    authors, complete = _authors(fields.get("author") or fields.get("editor") or [])
    ids: dict[str, str] = {}
    doi = R.doi(fields.get("doi"))
    if doi:
        ids["doi"] = doi
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    journal = _text(fields, "journal", "journaltitle")
    arxiv = None
    if fields.get("eprint") and prefix in ("", "arxiv"):
        arxiv = R.arxiv_id(fields["eprint"])
    for candidate in (journal, _text(fields, "url"), _text(fields, "note"), _text(fields, "howpublished")):
        if arxiv is None and candidate and "arxiv" in candidate.lower():
            arxiv = R.arxiv_id(candidate.lower().split("arxiv", 1)[1])
    if arxiv:
        ids["arxiv"] = arxiv
    for scheme in OTHER_IDS:  # written by ScholarLens exports
        if fields.get(scheme):
            ids[scheme] = str(fields[scheme]).strip()
    year, _, _ = R.parse_date(fields.get("year") or fields.get("date"))
    month = R.month_number(fields.get("month"))
    if month is None and fields.get("date"):
        _, month, _ = R.parse_date(fields["date"])
    extra: dict[str, Any] = {"bibtex_key": entry.key, "bibtex_type": entry.entry_type.lower()}
    if fields.get("keywords"):
        extra["keywords"] = [k.strip() for k in re.split(r"[;,]", str(fields["keywords"])) if k.strip()]
    venue = journal if journal and not journal.lower().startswith("arxiv") else _text(fields, "booktitle", "publisher", "school", "institution")
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=complete,
        year=year,
        month=month,
        category=_text(fields, "primaryclass"),
        venue=venue,
        identifiers=ids,
        line=line,
        extra=extra,
    )


def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    import bibtexparser
    from bibtexparser import middlewares as mw

    try:
        library = bibtexparser.parse_string(
            text,
            append_middleware=[
                mw.LatexDecodingMiddleware(),
                mw.MonthIntMiddleware(True),
                mw.SeparateCoAuthors(),
                mw.SplitNameParts(),
            ],
        )
    except Exception as exc:  # the splitter itself gave up (rare): the whole file fails
        raise ParseError(f"unreadable BibTeX ({exc})", source=source, format=NAME, expected="@type{key, field = {value}, ...}") from exc
    failures = []
    for block in library.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        error = getattr(block, "error", None)
        reason = str(getattr(error, "abort_reason", "") or error or type(error).__name__).strip()
        failures.append(
            ParseError(
                f"broken entry ({reason})",
                source=source,
                format=NAME,
                line=line,
                expected="balanced braces and 'field = value' pairs",
            )
        )
    failures.sort(key=lambda e: e.line or 0)
    if failures and errors is None:
        raise failures[0]
    if errors is not None:
        errors.extend(failures)
    papers = []
    for entry in library.entries:
        if entry.entry_type.lower() in _SKIP_TYPES:
            continue
        paper = paper_from_entry(entry, source)
        if paper:
            papers.append(paper)
    return ParsedProfile(source=source, format=NAME, papers=papers)
