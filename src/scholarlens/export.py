"""Export the deduplicated papers as CSL-JSON, BibTeX, RIS or JSON lines.

Each export reads back with the matching parser (``csl-json``, ``bibtex``, ``ris``,
``scholarlens-jsonl``) into the same papers: titles, abstracts, author lists (with ``and
others`` / incomplete lists), dates, venues, categories and every identifier (arXiv, DOI,
Semantic Scholar, OpenAlex, OpenReview...). A paper keeps the kind of work its first source
gave (``@inproceedings``, ``paper-conference``, ``CONF``...), mapped between the three
vocabularies; BibTeX values escape LaTeX's special characters (``%``, ``&``, ``\\``, ``{``...)
so a re-import reads them back as they were. Papers are read page by page, so exporting a
dump-sized knowledge base runs in bounded memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from .errors import InputError
from .names import parse_name
from .stores import Store
from .text import fold

EXPORT_FORMATS = ("jsonl", "csl-json", "bibtex", "ris")
#: Identifier schemes written in upper case (stored folded to lower case).
_UPPER = {"openalex"}
PAGE = 1000


def iter_papers(store: Store, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Every paper with its authors (position order, with ORCIDs), identifiers and organisations."""
    last, sent = 0, 0
    while limit is None or sent < limit:
        page = PAGE if limit is None else min(PAGE, limit - sent)
        rows = store.query("SELECT * FROM papers WHERE id > ? ORDER BY id LIMIT ?", (last, page))
        if not rows:
            return
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        authors: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        people: set[int] = set()
        for a in store.query(
            f"SELECT paper_id, position, person_id, name FROM authorships WHERE provenance = 'author list' AND paper_id IN ({marks}) ORDER BY paper_id, position",
            ids,
        ):
            authors[a["paper_id"]].append({"name": a["name"], "person_id": a["person_id"]})
            people.add(a["person_id"])
        orcid: dict[int, str] = {}
        plist = sorted(people)
        for i in range(0, len(plist), 900):
            chunk = plist[i : i + 900]
            for r in store.query(
                f"SELECT person_id, MIN(alias) AS alias FROM person_aliases WHERE kind = 'orcid' AND person_id IN ({','.join('?' * len(chunk))}) GROUP BY person_id",
                chunk,
            ):
                orcid[r["person_id"]] = r["alias"].split(":", 1)[1].upper()
        idents: dict[int, dict[str, str]] = {i: {} for i in ids}
        for r in store.query(f"SELECT paper_id, scheme, value FROM identifiers WHERE paper_id IN ({marks}) ORDER BY scheme", ids):
            idents[r["paper_id"]][r["scheme"]] = r["value"].upper() if r["scheme"] in _UPPER else r["value"]
        kinds: dict[int, str] = {}
        for r in store.query(
            f"SELECT paper_id, record FROM paper_sources WHERE paper_id IN ({marks}) ORDER BY paper_id, id DESC", ids
        ):
            kind = work_type(json.loads(r["record"]).get("extra") or {})
            if kind:
                kinds[r["paper_id"]] = kind  # the last assignment is the first source
        orgs: dict[int, list[str]] = {i: [] for i in ids}
        for r in store.query(f"SELECT paper_id, name FROM paper_organisations WHERE paper_id IN ({marks}) ORDER BY name", ids):
            orgs[r["paper_id"]].append(r["name"])
        for r in rows:
            yield {
                "paper_id": r["id"],
                "title": r["title"],
                "abstract": r["abstract"],
                "authors": [
                    {"name": a["name"], **({"orcid": orcid[a["person_id"]]} if a["person_id"] in orcid else {})}
                    for a in authors[r["id"]]
                ],
                "authors_complete": bool(r["authors_complete"]),
                "year": r["year"],
                "month": r["month"],
                "day": r["day"],
                "category": r["category"],
                "venue": r["venue"],
                "has_code": bool(r["has_code"]),
                "organisations": orgs[r["id"]],
                "identifiers": idents[r["id"]],
                "type": kinds.get(r["id"]),
            }
        sent += len(rows)
        last = ids[-1]


# -- kinds of work -----------------------------------------------------------------------------
# One vocabulary (CSL's types) in between; each export maps to its own.
_BIBTEX_TO_CSL = {
    "article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
    "book": "book", "mvbook": "book", "inbook": "chapter", "incollection": "chapter", "bookinbook": "chapter",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
    "online": "webpage", "software": "software", "dataset": "dataset", "patent": "patent", "unpublished": "manuscript",
    "misc": "article", "manual": "book", "booklet": "book",
}
_RIS_TO_CSL = {
    "JOUR": "article-journal", "JFULL": "article-journal", "MGZN": "article-magazine", "NEWS": "article-newspaper",
    "CONF": "paper-conference", "CPAPER": "paper-conference", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "CHAP": "chapter", "ECHAP": "chapter", "THES": "thesis", "RPRT": "report", "DATA": "dataset", "PAT": "patent",
    "ELEC": "webpage", "COMP": "software", "UNPB": "manuscript", "GEN": "article",
}
_OPENALEX_TO_CSL = {
    "article": "article-journal", "book-chapter": "chapter", "book": "book", "dissertation": "thesis",
    "dataset": "dataset", "preprint": "article", "report": "report", "review": "article-journal",
}
_CSL_TO_BIBTEX = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "paper-conference": "inproceedings", "book": "book", "chapter": "incollection", "thesis": "phdthesis",
    "report": "techreport", "manuscript": "unpublished",
}
_CSL_TO_RIS = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS", "paper-conference": "CONF",
    "book": "BOOK", "chapter": "CHAP", "thesis": "THES", "report": "RPRT", "dataset": "DATA", "patent": "PAT",
    "webpage": "ELEC", "software": "COMP", "manuscript": "UNPB",
}  # fmt: skip
_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle", "phdthesis": "school",
                "techreport": "institution", "book": "publisher", "unpublished": "note"}  # fmt: skip
_BOOKS = {"book", "BOOK"}


def work_type(extra: dict[str, Any]) -> str | None:
    """A source record's kind of work as a CSL type (``None`` when the source gave none)."""
    if isinstance(extra.get("csl_type"), str) and extra["csl_type"]:
        return str(extra["csl_type"])
    if isinstance(extra.get("bibtex_type"), str):
        return _BIBTEX_TO_CSL.get(extra["bibtex_type"].lower(), "article")
    if isinstance(extra.get("ris_type"), str):
        return _RIS_TO_CSL.get(extra["ris_type"].upper(), "article")
    if isinstance(extra.get("type"), str):
        return _OPENALEX_TO_CSL.get(extra["type"])
    return None


def _csl_type(paper: dict[str, Any]) -> str:
    kind = paper.get("type") or ("article-journal" if paper["venue"] else "article")
    return "article" if kind == "book" and not paper["authors"] else kind


# -- CSL-JSON ---------------------------------------------------------------------------------
def to_csl(paper: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"paper-{paper['paper_id']}", "type": _csl_type(paper)}
    if paper["title"]:
        item["title"] = paper["title"]
    authors = []
    for a in paper["authors"]:
        n = parse_name(a["name"])
        given = " ".join(n.given)
        split = n.given and f"{given} {n.family}" == a["name"]  # else the parts would not read back as the name
        entry: dict[str, Any] = {"family": n.family, "given": given} if split else {"literal": a["name"]}
        if a.get("orcid"):
            entry["ORCID"] = f"https://orcid.org/{a['orcid']}"
        authors.append(entry)
    item["author"] = authors
    if paper["year"]:
        item["issued"] = {"date-parts": [[p for p in (paper["year"], paper["month"], paper["day"] if paper["month"] else None) if p]]}
    if paper["abstract"]:
        item["abstract"] = paper["abstract"]
    if paper["venue"]:
        item["container-title"] = paper["venue"]
    ids = paper["identifiers"]
    if ids.get("doi"):
        item["DOI"] = ids["doi"]
    if ids.get("arxiv"):
        item["URL"] = f"https://arxiv.org/abs/{ids['arxiv']}"
        item["number"] = f"arXiv:{ids['arxiv']}"
    item["note"] = "\n".join(_notes(paper)) or None
    if item["note"] is None:
        del item["note"]
    return item


def _notes(paper: dict[str, Any]) -> list[str]:
    """``scheme: value`` lines for what the format has no field for (read back by the parsers)."""
    notes = [f"{k}: {v}" for k, v in sorted(paper["identifiers"].items()) if k not in ("doi", "arxiv")]
    if paper["category"]:
        notes.append(f"category: {paper['category']}")
    if not paper["authors_complete"]:
        notes.append("authors: incomplete")
    return notes


# -- BibTeX -----------------------------------------------------------------------------------
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
                  "$": r"\$", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_SPECIAL = re.compile(r"[\\{}%&#$_~^]")
_LIGATURE = re.compile(r"-(?=-)|`(?=`)|'(?=')")


def _bib_value(text: str) -> str:
    """Text as a BibTeX value: LaTeX's special characters escaped (a ``%`` would cut the value
    on re-import, a ``{`` unbalance the entry), Unicode kept as it is (UTF-8 BibTeX)."""
    text = _SPECIAL.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)
    return _LIGATURE.sub(lambda m: m.group(0)[0] + "{}", text)  # "--" is an en dash to LaTeX


def _bib_name(name: str) -> str:
    value = _bib_value(name)
    if "," in name or " and " in f" {name.lower()} ":
        return "{" + value + "}"  # one name, kept whole
    return value


def _bib_key(paper: dict[str, Any], used: set[str]) -> str:
    first = paper["authors"][0]["name"] if paper["authors"] else "anon"
    family = fold(parse_name(first).family or first).replace(" ", "") or "anon"
    word = next((w for w in fold(paper["title"] or "").split() if len(w) > 3), "paper")
    base = f"{family}{paper['year'] or ''}{word}"
    key, n = base, 0
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 1) if n <= 26 else n}"
    used.add(key)
    return key


def to_bibtex(paper: dict[str, Any], used: set[str]) -> str:
    ids = paper["identifiers"]
    kind = _CSL_TO_BIBTEX.get(_csl_type(paper), "misc")
    if kind == "misc" and paper["venue"]:
        kind = "article"
    fields: list[tuple[str, str]] = []
    if paper["title"]:
        fields.append(("title", _bib_value(paper["title"])))
    names = [_bib_name(a["name"]) for a in paper["authors"]]
    if not paper["authors_complete"]:
        names.append("others")
    if names:
        fields.append(("author", " and ".join(names)))
    if paper["year"]:
        fields.append(("year", str(paper["year"])))
    if paper["month"]:
        fields.append(("month", str(paper["month"])))
    if paper["venue"]:
        fields.append((_VENUE_FIELD.get(kind, "journal"), _bib_value(paper["venue"])))
    if ids.get("doi"):
        fields.append(("doi", _bib_value(ids["doi"])))
    if ids.get("arxiv"):
        fields += [("eprint", _bib_value(ids["arxiv"])), ("archivePrefix", "arXiv")]
    if paper["category"]:
        fields.append(("primaryClass", _bib_value(paper["category"])))
    for scheme, value in sorted(ids.items()):
        if scheme not in ("doi", "arxiv"):
            fields.append((scheme, _bib_value(value)))
    if paper["abstract"]:
        fields.append(("abstract", _bib_value(paper["abstract"])))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{_bib_key(paper, used)},\n{body}\n}}\n"


# -- RIS --------------------------------------------------------------------------------------
def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}\n"


def to_ris(paper: dict[str, Any]) -> str:
    """One RIS record (``TY`` … ``ER``); identifiers without a RIS tag go to ``N1`` lines."""
    kind = _CSL_TO_RIS.get(_csl_type(paper), "JOUR" if paper["venue"] else "GEN")
    out = [_ris_line("TY", kind)]
    if paper["title"]:
        out.append(_ris_line("TI", paper["title"]))
    out += [_ris_line("AU", a["name"]) for a in paper["authors"]]
    if paper["year"]:
        parts = [str(paper["year"]), f"{paper['month']:02d}" if paper["month"] else "", f"{paper['day']:02d}" if paper["month"] and paper["day"] else ""]
        out.append(_ris_line("PY", "/".join(parts) + "/"))
    if paper["venue"]:
        out.append(_ris_line("T2" if kind in ("CONF", "CHAP") else "JO", paper["venue"]))
    ids = paper["identifiers"]
    if ids.get("doi"):
        out.append(_ris_line("DO", ids["doi"]))
    if ids.get("arxiv"):
        out.append(_ris_line("UR", f"https://arxiv.org/abs/{ids['arxiv']}"))
    out += [_ris_line("N1", note) for note in _notes(paper)]
    if paper["abstract"]:
        out.append(_ris_line("AB", paper["abstract"]))
    out.append("ER  - \n")
    return "".join(out)


def export(store: Store, format: str, out: IO[str], limit: int | None = None) -> int:
    """Write every paper to ``out`` in ``format``; returns how many were written."""
    if format not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {format!r}; choose one of: {', '.join(EXPORT_FORMATS)}")
    n = 0
    if format == "jsonl":
        for paper in iter_papers(store, limit):
            out.write(json.dumps(paper, ensure_ascii=False) + "\n")
            n += 1
    elif format == "csl-json":
        out.write("[")
        for paper in iter_papers(store, limit):
            out.write(("\n" if n == 0 else ",\n") + json.dumps(to_csl(paper), ensure_ascii=False))
            n += 1
        out.write("\n]\n")
    elif format == "ris":
        for paper in iter_papers(store, limit):
            out.write(to_ris(paper) + "\n")
            n += 1
    else:
        used: set[str] = set()
        for paper in iter_papers(store, limit):
            out.write(to_bibtex(paper, used) + "\n")
            n += 1
    return n
