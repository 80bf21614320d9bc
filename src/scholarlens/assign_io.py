"""The conference workflow's input files: submissions, reviewers, affinities, loads and bids.

* Submissions: any supported paper format (one file, several, or a folder), or an
  openreview-expertise ``submissions.json`` (``{paperId: {"id", "content": {...}}}``). A
  submission's id is its OpenReview id, else its DOI or arXiv id, else ``<file>#<n>``.
  OpenReview ``authorids`` that are e-mails give the authors' e-mail domains.
* Reviewers: the knowledge base's people with papers (profile owners included), a list file
  (CSV/TSV or one per line: person id or name, optional e-mail), or an OpenReview archives
  folder (``~Jane_Doe1.jsonl`` per reviewer, whose lines are the reviewer's papers).
* Affinity: ``paper_id,reviewer_id,score`` rows (openreview-expertise's output).
* Loads: ``reviewer,max[,min]`` (openreview-matcher's ``max_papers`` file, plus an optional min).
* Bids: ``reviewer,paper,bid`` (a number in [−1, 1] or an OpenReview label).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .authorship import lookup_people
from .conflicts import Author, ExternalPaper, Reviewer, stored_authors
from .errors import InputError, ParseError
from .formats import parse_file
from .formats.openreview import declared_name, paper_from_note
from .models import ParsedPaper
from .stores import Store

#: Bid labels (OpenReview's) as numbers; CONFLICT_BIDS make the pair a hard conflict.
BID_LABELS = {"very high": 1.0, "high": 0.5, "neutral": 0.0, "low": -0.5, "very low": -1.0}
CONFLICT_BIDS = {"conflict", "no"}


def bid_value(raw: float | str) -> float | None:
    """A bid as a number in [−1, 1]; ``None`` for a conflict bid."""
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = " ".join(str(raw).strip().lower().replace("_", " ").split())
        if text in CONFLICT_BIDS:
            return None
        if text in BID_LABELS:
            return BID_LABELS[text]
        try:
            value = float(text)
        except ValueError:
            raise InputError(
                f"unknown bid {raw!r}: use a number in [-1, 1] or one of {', '.join(BID_LABELS)}, conflict"
            ) from None
    if not -1.0 <= value <= 1.0:
        raise InputError(f"bid {raw!r} is outside [-1, 1]")
    return value


@dataclass
class Submission:
    """One submitted paper: an id, its text and its authors."""

    id: str
    title: str | None
    abstract: str | None
    authors: tuple[Author, ...] = ()
    source: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        t, a = " ".join((self.title or "").split()), " ".join((self.abstract or "").split())
        return f"{t}. {a}" if t and a else t or a

    def as_paper(self) -> ParsedPaper:
        from .models import ParsedAuthor

        return ParsedPaper(
            title=self.title, abstract=self.abstract, authors=[ParsedAuthor(a.name) for a in self.authors],
            identifiers=dict(self.identifiers),
        )

    def all_authors(self, store: Store | None) -> list[Author]:
        """The submission's authors, plus those of its stored copy (see :func:`conflicts.stored_authors`)."""
        own = list(self.authors)
        if store is None:
            return own
        known = {a.name for a in own}
        return own + [a for a in stored_authors(store, self.as_paper()) if a.name not in known]


def _authors(paper: ParsedPaper) -> tuple[Author, ...]:
    ids = paper.extra.get("authorids") or []
    out = []
    for i, a in enumerate(paper.authors):
        aid = ids[i] if i < len(ids) else None
        email = aid if isinstance(aid, str) and "@" in aid else None
        out.append(Author(a.name, email, a.orcid, tuple(a.affiliations)))
    return tuple(out)


def _submission(paper: ParsedPaper, fallback: str, source: str) -> Submission:
    ids = paper.identifiers
    sid = ids.get("openreview") or ids.get("doi") or ids.get("arxiv") or fallback
    return Submission(sid, paper.title, paper.abstract, _authors(paper), source, dict(ids))


def _expertise_json(path: Path) -> list[Submission] | None:
    """An openreview-expertise ``submissions.json`` (an object keyed by paper id), else None."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) and "content" in v for v in data.values()):
        return None
    out = []
    for n, (key, note) in enumerate(data.items(), start=1):
        # openreview-expertise submissions may carry an abstract only
        note = {"id": key, **note, "content": {"title": None, **note["content"]}}
        paper = paper_from_note(note, str(path), n, "openreview-submissions")
        if paper is None:
            raise ParseError("the submission has neither title nor abstract", source=str(path), format="openreview-submissions", record=key)
        out.append(Submission(str(key), paper.title, paper.abstract, _authors(paper), str(path), dict(paper.identifiers)))
    return out


def read_submissions(paths: Sequence[str | Path]) -> list[Submission]:
    """Submissions from files or folders (every file inside, sorted); ids must be unique."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"submissions: {p} does not exist")
    out: list[Submission] = []
    seen: dict[str, str] = {}
    for f in files:
        subs = _expertise_json(f)
        if subs is None:
            prof = parse_file(f)
            subs = [_submission(paper, f"{f.stem}#{n}", str(f)) for n, paper in enumerate(prof.papers, start=1)]
        for s in subs:
            if not s.text:
                raise ParseError(f"submission {s.id} has neither title nor abstract", source=s.source, record=s.id)
            if s.id in seen:
                raise ParseError(f"submission id {s.id} appears twice (also in {seen[s.id]})", source=s.source, record=s.id)
            seen[s.id] = s.source
            out.append(s)
    if not out:
        raise InputError("no submissions found in " + ", ".join(map(str, paths)))
    return out


def _rows(path: str | Path, what: str, expected: str) -> list[tuple[int, list[str]]]:
    """Non-empty CSV (or TSV) rows with their line numbers; a header line is skipped by the caller."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    out = []
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if any(cells) and not cells[0].startswith("#"):
            out.append((n, cells))
    if not out:
        raise ParseError(f"the {what} file is empty", source=str(path), format=what, expected=expected)
    return out


def _number(cell: str, path: str | Path, line: int, what: str, expected: str, kind: type = float) -> Any:
    try:
        return kind(cell)
    except ValueError:
        raise ParseError(f"{cell!r} is not a number", source=str(path), format=what, line=line, expected=expected) from None


def read_affinity(path: str | Path) -> list[tuple[str, str, float]]:
    """``paper_id,reviewer_id,score`` rows; a first line whose score is not a number is a header."""
    expected = "paper_id,reviewer_id,score"
    rows = _rows(path, "affinity", expected)
    out = []
    for i, (n, cells) in enumerate(rows):
        if len(cells) < 3:
            raise ParseError("expected three columns", source=str(path), format="affinity", line=n, expected=expected)
        if i == 0 and not _is_float(cells[2]):
            continue
        out.append((cells[0], cells[1], _number(cells[2], path, n, "affinity", expected)))
    return out


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_loads(path: str | Path) -> dict[str, tuple[int | None, int | None]]:
    """``reviewer,max[,min]`` → ``{reviewer: (min, max)}`` (openreview-matcher's max_papers file)."""
    expected = "reviewer,max_load[,min_load]"
    out: dict[str, tuple[int | None, int | None]] = {}
    for i, (n, cells) in enumerate(_rows(path, "loads", expected)):
        if len(cells) < 2 or (i == 0 and not cells[1].lstrip("-").isdigit()):
            if i == 0 and len(cells) >= 2:
                continue
            raise ParseError("expected a reviewer and a max load", source=str(path), format="loads", line=n, expected=expected)
        hi = _number(cells[1], path, n, "loads", expected, int)
        lo = _number(cells[2], path, n, "loads", expected, int) if len(cells) > 2 and cells[2] else None
        if hi < 0 or (lo is not None and lo < 0):
            raise ParseError("loads must be 0 or more", source=str(path), format="loads", line=n, expected=expected)
        out[cells[0]] = (lo, hi)
    return out


def read_bids(path: str | Path) -> dict[tuple[str, str], float | str]:
    """``reviewer,paper,bid`` → ``{(reviewer, paper): bid}`` (checked by :func:`bid_value`)."""
    expected = "reviewer,paper,bid"
    out: dict[tuple[str, str], float | str] = {}
    for i, (n, cells) in enumerate(_rows(path, "bids", expected)):
        if len(cells) < 3:
            raise ParseError("expected three columns", source=str(path), format="bids", line=n, expected=expected)
        if i == 0 and cells[2].lower() in {"bid", "label", "value"}:
            continue
        try:
            bid_value(cells[2])
        except InputError as exc:
            raise ParseError(str(exc), source=str(path), format="bids", line=n, expected=expected) from None
        out[(cells[0], cells[1])] = cells[2]
    return out


def read_reviewer_list(store: Store, path: str | Path) -> list[Reviewer]:
    """Reviewers from a list: a stored person id or a name per line, optional e-mail column."""
    out: list[Reviewer] = []
    for i, (n, cells) in enumerate(_rows(path, "reviewers", "person id or name[,email]")):
        if i == 0 and cells[0].lower() in {"reviewer", "name", "id", "person", "person_id"}:
            continue
        ref = cells[0]
        email = next((c for c in cells[1:] if "@" in c), None)
        if ref.isdigit():
            row = store.one("SELECT id, name FROM people WHERE id = ?", (int(ref),))
            if row is None:
                raise ParseError(f"no stored person has id {ref}", source=str(path), format="reviewers", line=n)
            out.append(Reviewer(ref, row["name"], frozenset({int(ref)}), email))
        else:
            ids = lookup_people(store, ref)
            rid = str(min(ids)) if len(ids) == 1 else ref
            out.append(Reviewer(rid, ref, frozenset(ids), email))
    return out


def kb_reviewers(store: Store) -> list[Reviewer]:
    """Every stored person with a paper: authors, and owners of profiles (confirmed or inferred)."""
    rows = store.query(
        "SELECT id, name FROM people WHERE id IN (SELECT person_id FROM authorships) OR id IN "
        "(SELECT owner_person_id FROM profiles WHERE owner_person_id IS NOT NULL AND owner_status IN ('confirmed', 'inferred')) "
        "ORDER BY id"
    )
    return [Reviewer(str(r["id"]), r["name"], frozenset({int(r["id"])})) for r in rows]


def archive_reviewers(folder: str | Path) -> list[Reviewer]:
    """Reviewers of an OpenReview archives folder, their archive lines kept as their papers."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.jsonl") if p.is_file()) if folder.is_dir() else []
    if not files:
        raise InputError(f"{folder}: expected a folder of ~<reviewerId>.jsonl archives")
    out = []
    for f in files:
        papers = []
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                paper = paper_from_note(json.loads(line), str(f), n, "openreview-archive")
            except json.JSONDecodeError as exc:
                raise ParseError(f"not valid JSON: {exc.msg}", source=str(f), format="openreview-archive", line=n) from None
            if paper is not None:
                pid = paper.identifiers.get("openreview") or f"{f.stem}#{n}"
                papers.append(ExternalPaper(pid, paper.title, paper.year, tuple(a.name for a in paper.authors)))
        out.append(Reviewer(f.stem, declared_name(str(f)) or f.stem, papers=tuple(papers)))
    return out
