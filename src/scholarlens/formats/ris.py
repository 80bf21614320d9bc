"""RIS (Zotero, Mendeley, EndNote, Google Scholar "Import into RefMan").

Records are ``XX  - value`` lines from ``TY`` to ``ER``; a line without a tag continues the
previous value. Read: ``TI``/``T1``/``CT`` title, ``AU``/``A1``/``A2`` authors (``Last,
First`` or ``First Last``), ``AB``/``N2`` abstract, ``PY``/``Y1``/``DA`` date
(``2020/05/01/``), ``DO`` DOI, ``UR``/``L1``/``AN``/``M3`` (arxiv.org links and ``arXiv:``
ids), ``JO``/``JF``/``T2``/``BT`` venue, ``KW`` keywords. This small reader is used rather
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
_TAG = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*)|\s*)$")


def sniff(text: str, source: str) -> float:
    lines = [line for line in text[:20_000].split("\n") if line.strip()]
    if not lines:
        return 0.0
    if re.match(r"^TY  ?- ", lines[0].lstrip("\ufeff")):
        return 0.95
    tagged = sum(bool(_TAG.match(line)) for line in lines[:50])
    return 0.8 if tagged >= max(3, len(lines[:50]) // 2) and any(line.startswith("TY  -") for line in lines) else 0.0


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


def paper_from_record(rec: dict[str, list[str]], line: int) -> ParsedPaper | None:
    title, abstract = _first(rec, "TI", "T1", "CT"), _first(rec, "AB", "N2")
    if not title and not abstract:
        return None
    authors = [a for a in (_author(v) for tag in ("AU", "A1") for v in rec.get(tag, [])) if a]
    if not authors:
        authors = [a for a in (_author(v) for v in rec.get("A2", [])) if a]
    ids: dict[str, str] = {}
    doi = R.doi(_first(rec, "DO")) or next((R.doi(u) for u in rec.get("UR", []) if "doi.org" in u), None)
    if doi:
        ids["doi"] = doi
    for tag in ("UR", "L1", "L2", "AN", "M3", "N1", "JO", "JF", "T2"):
        for value in rec.get(tag, []):
            low = value.lower()
            if "arxiv" in low:
                arxiv = R.arxiv_id(low.split("arxiv", 1)[1])
                if arxiv:
                    ids.setdefault("arxiv", arxiv)
    year, month, day = R.parse_date(_first(rec, "PY", "Y1", "DA", "Y2"))
    if month is None and _first(rec, "DA"):
        _, month, day = R.parse_date(_first(rec, "DA"))
    venue = _first(rec, "JO", "JF", "T2", "BT", "JA", "PB")
    extra: dict[str, Any] = {"ris_type": (rec.get("TY") or [""])[0]}
    if rec.get("KW"):
        extra["keywords"] = [k for k in rec["KW"] if k]
    return ParsedPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        month=month,
        day=day,
        venue=venue if venue and not venue.lower().startswith("arxiv") else None,
        identifiers=ids,
        line=line,
        extra=extra,
    )


def parse(text: str, source: str, errors: list[ParseError] | None = None) -> ParsedProfile:
    papers = [p for p in (paper_from_record(rec, line) for line, rec in _records(text, source, errors)) if p]
    return ParsedProfile(source=source, format=NAME, papers=papers)
