"""Conflicts of interest between reviewers and submission authors, each with its evidence.

The policy is declared once (settings ``SCHOLARLENS_CONFLICT_*``, see :meth:`ConflictPolicy.from_settings`)
and can be overridden per run. A conflict is ``hard`` (the assignment never makes the pair) or
``weak`` (listed for the chair, not enforced). Rules, in the order they are checked:

* **same person** — the reviewer *is* an author: the same ORCID, the same stored person (name
  or alias, through the store's people look-up), or the same folded name (hard); only
  compatible name forms (``L. Metz`` / ``Luke Metz``) without a stored link (weak).
* **co-author** — reviewer and author share a stored paper from the last ``years`` years.
  Authorship is the paper's author list *plus* the confirmed or inferred owner of a profile
  the paper came from (a scraped arXiv page truncates author lists, the owner is still an
  author). Papers with more than ``max_authors`` authors (system cards, 400-author benchmarks)
  give ``large_papers`` conflicts (weak by default); papers without a year give
  ``unknown_year`` conflicts (hard by default: the window cannot rule them out).
* **institution** — both have the same affiliation (folded) on a paper inside the window.
  The store keeps affiliations only inside each source record (``paper_sources.record``,
  per author, from OpenAlex today), not per authorship row: they are read from there and
  matched to people by name key. Affiliations given with a submission's authors count as
  current.
* **e-mail domain** — the reviewer's and an author's e-mail share a domain (public mail
  providers excluded). E-mails come from reviewer lists and OpenReview ``authorids``.
* **declared** — a conflicts CSV (``reviewer, author or domain, reason``), one declaration a line.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import settings
from .authorship import Graph, affiliations, authorships, lookup_people, orcid_people
from .errors import InputError, ParseError
from .models import ParsedPaper
from .names import family_key, names_compatible, person_key
from .stores import Store
from .text import fold

Progress = Callable[[str, int, int | None], None]

HARD, WEAK = "hard", "weak"
LEVELS = (HARD, WEAK, "ignore")
#: Mail providers whose domain says nothing about an employer.
PUBLIC_MAIL = frozenset(
    "gmail.com googlemail.com outlook.com hotmail.com live.com yahoo.com icloud.com me.com "
    "proton.me protonmail.com qq.com 163.com 126.com aol.com gmx.de gmx.net mail.ru yandex.ru "
    "web.de fastmail.com zoho.com".split()
)
DECLARED_FORMAT = "conflicts-csv"


@dataclass(frozen=True)
class Declaration:
    """One line of a declared-conflicts file."""

    reviewer: str
    target: str
    reason: str
    source: str
    line: int

    @property
    def is_domain(self) -> bool:
        t = self.target.strip()
        return t.startswith("@") or ("." in t and " " not in t and "@" not in t[1:])


@dataclass(frozen=True)
class ConflictPolicy:
    """What counts as a conflict. Build it with :meth:`from_settings` and override per run."""

    years: int = 5
    max_authors: int = 25
    large_papers: str = WEAK
    unknown_year: str = HARD
    institutions: bool = True
    domains: bool = True
    reference_year: int | None = None
    """The year the window counts back from (default: this year)."""
    declared: tuple[Declaration, ...] = ()

    @classmethod
    def from_settings(cls, **overrides: Any) -> ConflictPolicy:
        """The policy declared in settings, with ``overrides`` (``None`` values are ignored)."""
        def num(name: str) -> int:
            raw = settings.get(name)
            try:
                return int(str(raw))
            except ValueError:
                raise InputError(f"setting {name} must be a whole number (got {raw!r})") from None

        policy = cls(
            years=num("conflict_years"),
            max_authors=num("conflict_max_authors"),
            large_papers=str(settings.get("conflict_large_papers")),
            unknown_year=str(settings.get("conflict_unknown_year")),
        )
        path = settings.get("conflicts_file")
        if path:
            policy = replace(policy, declared=read_declared(path))
        policy = replace(policy, **{k: v for k, v in overrides.items() if v is not None})
        policy.check()
        return policy

    def check(self) -> None:
        if self.years < 0:
            raise InputError(f"the conflict window must be 0 or more years (got {self.years})")
        if self.max_authors < 1:
            raise InputError(f"the author cap must be at least 1 (got {self.max_authors})")
        for name in ("large_papers", "unknown_year"):
            if getattr(self, name) not in LEVELS:
                raise InputError(f"{name} must be one of {', '.join(LEVELS)} (got {getattr(self, name)!r})")

    @property
    def first_year(self) -> int:
        return (self.reference_year or _dt.date.today().year) - self.years

    def describe(self) -> dict[str, Any]:
        return {
            "years": self.years,
            "since": self.first_year,
            "max_authors": self.max_authors,
            "large_papers": self.large_papers,
            "unknown_year": self.unknown_year,
            "institutions": self.institutions,
            "domains": self.domains,
            "declared": len(self.declared),
        }


@dataclass(frozen=True)
class Author:
    """A submission author as the submission gives it."""

    name: str
    email: str | None = None
    orcid: str | None = None
    affiliations: tuple[str, ...] = ()
    source: str | None = None
    """Where the author comes from when not the submission's own list (its stored copy)."""


@dataclass(frozen=True)
class ExternalPaper:
    """A reviewer's paper that is not in the store (an OpenReview archive line)."""

    id: str
    title: str | None
    year: int | None
    authors: tuple[str, ...]


@dataclass(frozen=True)
class Reviewer:
    """A reviewer: an exported id, a name, the stored people they are, optional e-mail/ORCID."""

    id: str
    name: str | None = None
    person_ids: frozenset[int] = frozenset()
    email: str | None = None
    orcid: str | None = None
    papers: tuple[ExternalPaper, ...] = ()


@dataclass
class Conflict:
    """One reason why ``reviewer`` should not review a paper by ``author``."""

    reviewer: str
    author: str
    kind: str
    """``same-person``, ``coauthor``, ``institution``, ``domain`` or ``declared``."""
    strength: str
    evidence: dict[str, Any] = field(default_factory=dict)
    reviewer_name: str | None = None

    @property
    def hard(self) -> bool:
        return self.strength == HARD

    def describe(self) -> str:
        e = self.evidence
        if self.kind == "coauthor":
            year = e.get("year") or "year unknown"
            size = f", {e['n_authors']} authors" if e.get("n_authors") else ""
            via = f", via {e['via']}" if e.get("via") and e["via"] != "author list" else ""
            return f"co-authored \u201c{e.get('title') or e.get('paper_id')}\u201d ({year}{size}{via})"
        if self.kind == "same-person":
            return f"same person ({e.get('match')})"
        if self.kind == "institution":
            return f"both at {e.get('institution')} ({e.get('reviewer_year') or '?'} / {e.get('author_year') or '?'})"
        if self.kind == "domain":
            return f"same e-mail domain {e.get('domain')}"
        return f"declared: {e.get('reason') or 'no reason given'} ({e.get('source')}, line {e.get('line')})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer,
            "reviewer_name": self.reviewer_name,
            "author": self.author,
            "kind": self.kind,
            "strength": self.strength,
            "evidence": self.evidence,
            "explanation": self.describe(),
        }


# -- inputs ----------------------------------------------------------------------------------


def read_declared(path: str | Path) -> tuple[Declaration, ...]:
    """Declared conflicts: CSV rows ``reviewer, author or domain, reason`` (header optional)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read conflicts file {path}: {exc.strerror}") from exc
    out: list[Declaration] = []
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line_no == 1 and fold(cells[0]) in {"reviewer", "reviewer id", "user"}:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ParseError(
                "a declared conflict needs a reviewer and an author or domain",
                source=str(path),
                format=DECLARED_FORMAT,
                line=line_no,
                expected="reviewer, author name or e-mail domain, reason",
            )
        out.append(Declaration(cells[0], cells[1], cells[2] if len(cells) > 2 else "", str(path), line_no))
    return tuple(out)


def _domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    d = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    return d or None


# -- authorship, with profile owners ----------------------------------------------------------

def _level_for(paper_year: int | None, n_authors: int, complete: bool, policy: ConflictPolicy) -> str | None:
    """hard / weak / None (no conflict) for one shared paper under the policy."""
    if paper_year is None:
        level = policy.unknown_year
    elif paper_year < policy.first_year:
        return None
    else:
        level = HARD
    if n_authors > policy.max_authors:
        level = _weaker(level, policy.large_papers)
    return None if level == "ignore" else level


def _weaker(a: str, b: str) -> str:
    order = {HARD: 0, WEAK: 1, "ignore": 2}
    return a if order[a] >= order[b] else b


@dataclass
class _Resolved:
    author: Author
    key: str
    family: str
    people: set[int]


def _normalise_reviewers(store: Store, reviewers: Sequence[Reviewer | str | int]) -> list[Reviewer]:
    out: list[Reviewer] = []
    for r in reviewers:
        if isinstance(r, Reviewer):
            if not r.person_ids and r.name:
                ids = lookup_people(store, r.name) | (orcid_people(store, r.orcid) if r.orcid else set())
                r = replace(r, person_ids=frozenset(ids))
            out.append(r)
        elif isinstance(r, int) or (isinstance(r, str) and r.strip().isdigit()):
            row = store.one("SELECT id, name FROM people WHERE id = ?", (int(r),))
            if row is None:
                raise InputError(f"reviewer {r}: no stored person has this id")
            out.append(Reviewer(str(row["id"]), row["name"], frozenset({int(row["id"])})))
        else:
            out.append(Reviewer(str(r), str(r), frozenset(lookup_people(store, str(r)))))
    return out


def _resolve_authors(store: Store, submissions: dict[str, Sequence[Author | str]]) -> dict[str, list[_Resolved]]:
    cache: dict[tuple[str, str | None], set[int]] = {}
    out: dict[str, list[_Resolved]] = {}
    for sid, authors in submissions.items():
        rows = []
        for a in authors:
            a = a if isinstance(a, Author) else Author(str(a))
            if not a.name.strip() and not a.email:
                continue
            ck = (person_key(a.name), a.orcid)
            if ck not in cache:
                cache[ck] = lookup_people(store, a.name) | (orcid_people(store, a.orcid) if a.orcid else set())
            rows.append(_Resolved(a, ck[0], family_key(a.name) if a.name.strip() else "", cache[ck]))
        out[sid] = rows
    return out


def _ev(a: _Resolved, ev: dict[str, Any]) -> dict[str, Any]:
    if a.author.source:
        ev["author_from"] = a.author.source
        ev["match"] = f"{ev['match']}; an author of {a.author.source}"
    return ev


def stored_authors(store: Store, paper: ParsedPaper) -> list[Author]:
    """Authors of the stored copies of a submission (an arXiv preprint already in the knowledge
    base): its full author list and profile owners, where the submission's own list may be
    truncated (``et al.``). Matching is the ingest's same-work rule."""
    from .papers import find_matches, keys_of

    ids = sorted(find_matches(store, keys_of(paper)))
    out: dict[int, Author] = {}
    for r in authorships(store, "paper_id", ids):
        pid = int(r["person_id"])
        if pid not in out:
            row = store.one("SELECT name FROM people WHERE id = ?", (pid,))
            if row:
                out[pid] = Author(row["name"], source=f"the stored copy of the submission (paper {r['paper_id']}, {r['via']})")
    return list(out.values())


class _Index:
    """Reviewers indexed every way an author can meet them."""

    def __init__(self, store: Store, reviewers: list[Reviewer], authors: list[_Resolved], policy: ConflictPolicy) -> None:
        self.policy = policy
        self.by_key: dict[str, list[Reviewer]] = {}
        self.by_family: dict[str, list[Reviewer]] = {}
        self.by_person: dict[int, list[Reviewer]] = {}
        self.by_orcid: dict[str, list[Reviewer]] = {}
        self.by_domain: dict[str, list[Reviewer]] = {}
        self.external: dict[str, list[tuple[Reviewer, ExternalPaper]]] = {}
        for r in reviewers:
            if r.name:
                self.by_key.setdefault(person_key(r.name), []).append(r)
                self.by_family.setdefault(family_key(r.name), []).append(r)
            for pid in r.person_ids:
                self.by_person.setdefault(pid, []).append(r)
            if r.orcid:
                self.by_orcid.setdefault(r.orcid.strip().upper(), []).append(r)
            d = _domain(r.email)
            if d and d not in PUBLIC_MAIL:
                self.by_domain.setdefault(d, []).append(r)
            own = person_key(r.name or "")
            for p in r.papers:
                for k in {person_key(a) for a in p.authors} - {own, ""}:
                    self.external.setdefault(k, []).append((r, p))
        author_people = {pid for a in authors for pid in a.people}
        self.graph = Graph(store, author_people)
        self._co_cache: dict[int, dict[str, tuple[tuple[bool, int], int, int]]] = {}
        self.inst: dict[str, list[tuple[Reviewer, str, int, int | None]]] = {}
        self.author_inst: dict[int, dict[str, tuple[str, int, int | None]]] = {}
        if policy.institutions:
            affs = affiliations(store, author_people | set(self.by_person), policy.first_year)
            for pid, insts in affs.items():
                for f, (disp, paper, year) in insts.items():
                    for r in self.by_person.get(pid, []):
                        self.inst.setdefault(f, []).append((r, disp, paper, year))
            self.author_inst = {pid: affs[pid] for pid in author_people if pid in affs}

    def same_person(self, a: _Resolved) -> list[Conflict]:
        out: dict[str, Conflict] = {}
        if a.author.orcid:
            for r in self.by_orcid.get(a.author.orcid.strip().upper(), []):
                out[r.id] = Conflict(r.id, a.author.name, "same-person", HARD, _ev(a, {"match": f"ORCID {a.author.orcid}"}), r.name)
        for pid in sorted(a.people):
            for r in self.by_person.get(pid, []):
                out.setdefault(r.id, Conflict(r.id, a.author.name, "same-person", HARD, _ev(a, {"match": f"stored person {pid}", "person_id": pid}), r.name))
        for r in self.by_key.get(a.key, []) if a.key else []:
            out.setdefault(r.id, Conflict(r.id, a.author.name, "same-person", HARD, _ev(a, {"match": "the same name"}), r.name))
        for r in self.by_family.get(a.family, []) if a.family else []:
            if r.id not in out and r.name and names_compatible(a.author.name, r.name):
                out[r.id] = Conflict(
                    r.id, a.author.name, "same-person", WEAK, {"match": f"compatible name forms ({r.name} / {a.author.name})"}, r.name
                )
        return list(out.values())

    def _person_coauthors(self, apid: int) -> dict[str, tuple[tuple[bool, int], int, int]]:
        """reviewer id → (rank, paper id, reviewer person) of the best shared paper, cached per person."""
        hit = self._co_cache.get(apid)
        if hit is not None:
            return hit
        g = self.graph
        best: dict[str, tuple[tuple[bool, int], int, int]] = {}
        for paper_id in g.of_person.get(apid, ()):
            members = g.by_paper.get(paper_id, {})
            p = g.papers.get(paper_id)
            n, complete = g.size(paper_id)
            level = _level_for(p.year if p else None, n, complete, self.policy)
            if level is None:
                continue
            rank = (level == HARD, (p.year if p else None) or 0)
            for pid in members:
                if pid == apid or pid not in self.by_person:
                    continue
                for r in self.by_person[pid]:
                    if apid in r.person_ids:
                        continue  # the reviewer is this author: a same-person conflict
                    old = best.get(r.id)
                    if old is None or rank > old[0]:
                        best[r.id] = (rank, paper_id, pid)
        self._co_cache[apid] = best
        return best

    def coauthors(self, authors: Sequence[_Resolved]) -> list[Conflict]:
        """One co-author conflict per reviewer for a submission's authors: the strongest, most
        recent shared paper (compared as plain tuples: big author lists make millions of pairs)."""
        best: dict[str, tuple[tuple[bool, int], int, int, int, str]] = {}
        for a in authors:
            for apid in sorted(a.people):
                for rid, (rank, paper_id, pid) in self._person_coauthors(apid).items():
                    old = best.get(rid)
                    if old is None or rank > old[0]:
                        best[rid] = (rank, paper_id, pid, apid, a.author.name)
        out = {rid: self._coauthor_conflict(rid, *v) for rid, v in best.items()}
        for a in authors:
            for r, ep in self.external.get(a.key, []) if a.key else []:
                level = _level_for(ep.year, len(ep.authors), True, self.policy)
                old_c = out.get(r.id)
                if level is not None and (old_c is None or (level == HARD and not old_c.hard)):
                    ev = {"paper_id": ep.id, "title": ep.title, "year": ep.year, "n_authors": len(ep.authors), "via": "reviewer archive"}
                    out[r.id] = Conflict(r.id, a.author.name, "coauthor", level, ev, r.name)
        return list(out.values())

    def _coauthor_conflict(self, rid: str, rank: tuple[bool, int], paper_id: int, pid: int, apid: int, author: str) -> Conflict:
        g = self.graph
        p = g.papers.get(paper_id)
        n, complete = g.size(paper_id)
        members = g.by_paper.get(paper_id, {})
        owner = [
            f"{'author' if k == apid else 'reviewer'} is the profile owner (confidence {v[1]:.2f})"
            for k, v in ((apid, members.get(apid)), (pid, members.get(pid)))
            if v and v[0] == "profile owner" and v[1] is not None
        ]
        ev = {"paper_id": paper_id, "title": p.title if p else None, "year": p.year if p else None,
              "n_authors": n, "authors_complete": complete, "via": "; ".join(owner) if owner else "author list"}
        r = next(x for x in self.by_person[pid] if x.id == rid)
        return Conflict(rid, author, "coauthor", HARD if rank[0] else WEAK, ev, r.name)

    def institutions(self, a: _Resolved) -> list[Conflict]:
        if not self.policy.institutions:
            return []
        mine: dict[str, tuple[str, Any, int | None]] = {fold(x): (x, "submission", None) for x in a.author.affiliations if fold(x)}
        for pid in a.people:
            for f, v in self.author_inst.get(pid, {}).items():
                mine.setdefault(f, v)
        out: dict[str, Conflict] = {}
        for f, (_disp, paper, year) in sorted(mine.items()):
            for r, rdisp, rpaper, ryear in self.inst.get(f, []):
                if r.person_ids & a.people:
                    continue
                level = HARD if (year is not None or paper == "submission") and ryear is not None else WEAK
                ev = {"institution": rdisp, "reviewer_paper": rpaper, "reviewer_year": ryear, "author_paper": paper, "author_year": year}
                if r.id not in out or (level == HARD and not out[r.id].hard):
                    out[r.id] = Conflict(r.id, a.author.name, "institution", level, ev, r.name)
        return list(out.values())

    def domains(self, a: _Resolved) -> list[Conflict]:
        d = _domain(a.author.email)
        if not self.policy.domains or not d or d in PUBLIC_MAIL:
            return []
        return [Conflict(r.id, a.author.name, "domain", HARD, {"domain": d, "author_email": a.author.email, "reviewer_email": r.email}, r.name) for r in self.by_domain.get(d, [])]


def _declared(policy: ConflictPolicy, reviewers: list[Reviewer], subs: dict[str, list[_Resolved]]) -> dict[str, list[Conflict]]:
    out: dict[str, list[Conflict]] = {}
    if not policy.declared:
        return out
    for d in policy.declared:
        who = [r for r in reviewers if d.reviewer in (r.id, r.email) or (r.name and person_key(r.name) == person_key(d.reviewer))]
        target = d.target.strip().lstrip("@").lower()
        tkey = person_key(d.target)
        for sid, authors in subs.items():
            for a in authors:
                if d.is_domain:
                    dom = _domain(a.author.email)
                    hit = dom is not None and (dom == target or dom.endswith("." + target))
                else:
                    hit = bool(a.key) and (a.key == tkey or names_compatible(a.author.name, d.target))
                if hit:
                    ev = {"reason": d.reason, "source": d.source, "line": d.line, "declared": d.target}
                    out.setdefault(sid, []).extend(Conflict(r.id, a.author.name, "declared", HARD, ev, r.name) for r in who)
    return out


def _merge(best: dict[tuple[str, str], Conflict], c: Conflict) -> None:
    """One conflict per (reviewer, kind) and submission: the strongest, naming the other authors."""
    key = (c.reviewer, c.kind)
    old = best.get(key)
    if old is None:
        best[key] = c
        return
    if (c.hard, c.evidence.get("year") or 0) > (old.hard, old.evidence.get("year") or 0):
        c, old = old, c
        best[key] = old
    others = old.evidence.setdefault("also_with", [])
    if c.author != old.author and c.author not in others and len(others) < 10:
        others.append(c.author)


def submission_conflicts(
    store: Store,
    reviewers: Sequence[Reviewer | str | int],
    submissions: dict[str, Sequence[Author | str]],
    policy: ConflictPolicy | None = None,
    progress: Progress | None = None,
) -> dict[str, list[Conflict]]:
    """Conflicts per submission id (``{id: [authors]}``) with every reviewer, hard and weak."""
    policy = policy or ConflictPolicy.from_settings()
    revs = _normalise_reviewers(store, reviewers)
    subs = _resolve_authors(store, submissions)
    if progress:
        progress("conflicts: reading co-authorship", 0, None)
    index = _Index(store, revs, [a for rows in subs.values() for a in rows], policy)
    found: dict[str, list[Conflict]] = {sid: [] for sid in subs}
    for i, (sid, authors) in enumerate(subs.items(), start=1):
        best: dict[tuple[str, str], Conflict] = {}
        for c in index.coauthors(authors):
            best[(c.reviewer, c.kind)] = c
        for a in authors:
            for c in (*index.same_person(a), *index.institutions(a), *index.domains(a)):
                _merge(best, c)
        found[sid] = list(best.values())
        if progress and (i % 200 == 0 or i == len(subs)):
            progress("conflicts", i, len(subs))
    for sid, extra in _declared(policy, revs, subs).items():
        found[sid].extend(extra)
    for rows in found.values():
        rows.sort(key=lambda c: (not c.hard, c.reviewer, c.kind, c.author))
    return found


def find_conflicts(
    store: Store,
    reviewers: Sequence[Reviewer | str | int],
    authors: Sequence[Author | str],
    policy: ConflictPolicy | None = None,
) -> list[Conflict]:
    """Conflicts of ``reviewers`` (person ids, names or :class:`Reviewer`) with one paper's authors."""
    return submission_conflicts(store, reviewers, {"": authors}, policy)[""]


def hard_pairs(found: dict[str, list[Conflict]]) -> set[tuple[str, str]]:
    """``(submission id, reviewer id)`` pairs that must never be assigned."""
    return {(sid, c.reviewer) for sid, rows in found.items() for c in rows if c.hard}


def person_conflicts(store: Store, authors: Sequence[str], policy: ConflictPolicy | None = None) -> dict[int, list[Conflict]]:
    """Stored people in conflict with ``authors`` (for marking a reviewer ranking): the authors
    themselves (exact or compatible names) and everyone sharing a paper with them, judged by
    the policy. person id → conflicts, hard first."""
    from .catalog import find_people

    ids: set[int] = set()
    for name in authors:
        ids |= {int(p["id"]) for p in find_people(store, name)}
    papers = sorted({int(r["paper_id"]) for r in authorships(store, "person_id", sorted(ids))})
    around = ids | {int(r["person_id"]) for r in authorships(store, "paper_id", papers)}
    names = {int(r["id"]): r["name"] for r in store.query_in("SELECT id, name FROM people WHERE id IN ({marks})", sorted(around))}
    reviewers = [Reviewer(str(pid), names.get(pid), frozenset({pid})) for pid in sorted(around)]
    out: dict[int, list[Conflict]] = {}
    for c in find_conflicts(store, reviewers, list(authors), policy):
        out.setdefault(int(c.reviewer), []).append(c)
    return out
