"""RIS (Zotero, Mendeley, EndNote, Google Scholar "Import into RefMan").

Records are ``XX  - value`` lines (one or two spaces before the dash) from ``TY`` to ``ER``;
a line without a tag continues the previous value. Read: ``TI``/``T1``/``CT`` title, else the
short (``ST``), translated (``TT``) or secondary (``T2``) title; ``AU``/``A1`` authors
(``Last, First`` or ``First Last``; organisations are the paper's organisations; ``A2``/``A3``
are editors and never authors), ``AB``/``N2`` abstract, ``PY``/``Y1``/``DA`` date
(``2020/05/01/``), ``DO`` DOI (else a DOI in ``M3``, as Mendeley and EndNote write it),
``UR``/``L1``/``AN``/``M3`` (arxiv.org links and ``arXiv:`` ids), ``JO``/``JF``/``T2``/``BT``
venue, ``KW`` keywords. This small reader is used rather
than rispy because errors must name the record's line: a record without ``ER`` (the next
``TY`` or the end of the file arrives first) is a :class:`ParseError` at its ``TY`` line.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ParseError
from ..models import ParsedAuthor, ParsedPaper, ParsedProfile
from ..names import from_last_first
from . import _records as R

NAME = "ris"
#: Identifier schemes read from ``N1`` notes (``openalex: W123``), as ScholarLens exports them.
_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")


def sniff(text: str, source: str) -> tuple[float, str]:
    lines = []
    for line in text.split("\n", 200)[:200]:
        if line.strip():
            lines.append(line[:200])
        if len(lines) >= 50:
            break
    if not lines:
        return 0.0, ""
    if re.match(r"^TY {1,2}- ", lines[0].lstrip("\ufeff")):
        return 0.95, "first line is a RIS 'TY  - ' tag"
    tagged = sum(bool(_TAG.match(line)) for line in lines)
    if tagged >= max(3, len(lines) // 2) and any(re.match(r"^TY {1,2}- ", line) for line in lines):
        return 0.8, f"{tagged} of the first {len(lines)} lines are RIS tags, one a 'TY  - '"
    return 0.0, ""


def _records(text: str, source: str, errors: list[ParseError] | None) -> list[tuple[int, dict[str, list[str]]]]:
    out: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    start = 0
    last_tag: str | None = None

    def fail(line: int, message: str) -> None:
        err = ParseError(message, source=source, format=NAME, line=line, expected="each record to end with 'ER  -'")
        if errors is None:
            raise err
        errors.append(err)

    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.lstrip("\ufeff").rstrip()
        if not line.strip():
            continue
        m = _TAG.match(line)
        if not m:
            if current is not None and last_tag:
                current[last_tag][-1] = f"{current[last_tag][-1]} {line.strip()}".strip()
                continue
            if current is None:
                continue  # text between records (export headers)
        assert m is not None
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                fail(start, f"record starting at line {start} has no ER before the next TY (line {lineno})")
            current, start, last_tag = {"TY": [value]}, lineno, "TY"
            continue
        if current is None:
            if tag == "ER":
                continue
            err = ParseError(f"tag {tag} outside a record", source=source, format=NAME, line=lineno, expected="'TY  - ' first")
            if errors is None:
                raise err
            errors.append(err)
            continue
        if tag == "ER":
            out.append((start, current))
            current, last_tag = None, None
            continue
        current.setdefault(tag, []).append(value)
        last_tag = tag
    if current is not None:
        fail(start, f"record starting at line {start} has no ER (the file ends first)")
    return out


def _first(rec: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in rec.get(tag, []):
            if value.strip():
                return R.clean(value)
    return None


def _author(value: str) -> ParsedAuthor | None:
    value = value.strip()
    if "," in value:
        last, first = value.split(",", 1)
        first = first.split(",")[0]  # "Last, First, Jr." → drop the suffix part
        display = from_last_first(last, first)
        return R.author(display, given=first.strip() or None, family=last.strip() or None)
    return R.author(value)


#: Title tags, best first: the title, then the short, translated and secondary titles.
_TITLES = ("TI", "T1", "CT", "ST", "TT", "T2")
#: Venue tags, best first.
_VENUES = ("JO", "JF", "T2", "BT", "JA", "J2", "PB")


def paper_from_record(rec: dict[str, list[str]], line: int) -> ParsedPaper | None:
    title_tag = next((t for t in _TITLES if any(v.strip() for v in rec.get(t, []))), None)
    title, abstract = (_first(rec, title_tag) if title_tag else None), _first(rec, "AB", "N2")
    if not title and not abstract:
        return None
    people = [a for a in (_author(v) for tag in ("AU", "A1") for v in rec.get(tag, [])) if a]
    authors, orgs = R.split_organisations(people)  # A2/A3 are editors: never authors
    ids: dict[str, str] = {}
    doi = R.doi(_first(rec, "DO")) or next(
        (R.doi(v) for tag in ("M3", "UR", "L2", "N1") for v in rec.get(tag, []) if "10." in v and (tag != "UR" or "doi" in v.lower())),
        None,
    )
    if doi:
        ids["doi"] = doi
    for tag in ("UR", "L1", "L2", "AN", "M3", "N1", "JO", "JF", "T2"):
        for value in rec.get(tag, []):
            low = value.lower()
            if "arxiv" in low:
                arxiv = R.arxiv_id(low.split("arxiv", 1)[1])
                if arxiv:
                    ids.setdefault("arxiv", arxiv)
    # ScholarLens exports keep other ids here ("openalex: W123")
    category, complete = R.read_export_notes(rec.get("N1", []), ids)
    year, month, day = R.parse_date(_first(rec, "PY", "Y1", "DA", "Y2"))
    if month is None and _first(rec, "DA"):
        _, month, day = R.parse_date(_first(rec, "DA"))
    venue = _first(rec, *(t for t in _VENUES if t != title_tag))
    extra: dict[str, Any] = {"ris_type": (rec.get("TY") or [""])[0]}
    if rec.get("KW"):
        extra["keywords"] = [k for k in rec["KW"] if k]
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_complete=complete,
        category=category,
        year=year,
        month=month,
        day=day,
        organisations=orgs,
        venue=venue if venue and not venue.lower().startswith("arxiv") else None,
        identifiers=ids,
        line=line,
        extra=extra,
    )


def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    papers = [p for p in (paper_from_record(rec, line) for line, rec in _records(text, source, errors)) if p]
    return ParsedProfile(source=source, format=NAME, papers=papers)
