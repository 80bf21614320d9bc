"""Writing an assignment out: per-paper rows with evidence, and the formats chairs upload.

Files written under the output folder (what each follows, and where it was looked up):

* ``assignments.csv`` — plain CSV, one row per assigned pair, with score and evidence.
* ``assignments.json`` — summary, per-paper reviewers with scores and evidence (weak
  conflicts on the pairs they concern), alternates, per-reviewer loads, the hard conflicts.
* ``conflicts.csv`` — every conflict found, hard and weak, with its explanation.
* ``openreview/assignments.json`` and ``openreview/alternates.json`` — openreview-matcher's
  output files (``matcher/core.py`` writes ``{paper_id: [{"aggregate_score", "user"}]}`` via
  ``Encoder.decode_assignments`` / ``decode_alternates``; github.com/openreview/openreview-matcher).
* ``openreview/assignment_edges.jsonl`` — one OpenReview edge per line, ``{"head": paper id,
  "tail": reviewer id, "weight": score, "label": label}`` (what the matcher's OpenReview
  interface posts as Assignment / Aggregate_Score edges).
* ``openreview/affinity_scores.csv`` (``paper_id,reviewer_id,score``, the openreview-expertise
  output and the matcher's ``--scores`` input), ``openreview/constraints.csv``
  (``paper_id,reviewer_id,-1`` for each hard conflict: the matcher's ``--constraints`` input),
  ``openreview/conflict_edges.jsonl`` (``{"head", "tail", "weight": -1, "label": "Conflict"}``)
  and ``openreview/max_papers.csv`` (``reviewer_id,max``: the matcher's ``--max_papers``).
* ``cmt/assignments.xml`` — Microsoft CMT's *Import Assignments (Reviewer)* file:
  ``<assignments><submission submissionId="…"><user email="…"/>…</submission></assignments>``
  (CMT's chair help page "CHAIR HOW-TO: Import Assignments (Reviewer)",
  cmt3.research.microsoft.com/docs/help/chair/import-reviewer-assignments.html: one
  ``submission`` element per paper with its ``submissionId``, one ``user`` element per reviewer
  with the reviewer's CMT account ``email``; the page's text does not name the root element:
  ``<assignments>`` is an assumption to check against the template CMT offers for download).
  ``cmt/quotas.txt`` — the *Import Reviewer Quotas*
  file (same help site, import-reviewer-quotas.html): a ``# Email<TAB>Quota`` line, then one
  ``email<TAB>max papers`` line per reviewer. CMT identifies users by e-mail only: without an
  e-mail for every assigned reviewer the CMT files are not written (the summary says why).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np

from .assign import Result
from .assign_io import Submission
from .conflicts import Conflict, Reviewer

LABEL = "scholarlens"


def _evidence_text(ev: Any) -> str:
    if not ev:
        return ""
    if isinstance(ev, list):
        return " | ".join(f"{e.get('title') or e.get('paper_id')} ({e.get('similarity', '')})" for e in ev if isinstance(e, dict))
    return str(ev)


def assignment_rows(
    result: Result,
    submissions: dict[str, Submission] | None = None,
    reviewers: dict[str, Reviewer] | None = None,
    weak: dict[tuple[str, str], list[Conflict]] | None = None,
) -> list[dict[str, Any]]:
    """Per paper: its assigned reviewers (score, bid, evidence, weak conflicts) and alternates."""
    prob, aff = result.problem, result.problem.affinity
    loads = result.loads()
    subs, revs, weak = submissions or {}, reviewers or {}, weak or {}

    def pair(e: int, rank: int) -> dict[str, Any]:
        p, r = int(aff.paper[e]), int(aff.reviewer[e])
        pid, rid = aff.papers[p], aff.reviewers[r]
        return {
            "reviewer_id": rid,
            "reviewer_name": revs[rid].name if rid in revs else None,
            "rank": rank,
            "score": round(float(aff.score[e]), 6),
            "bid": float(prob.bid[e]),
            "adjusted_score": round(float(prob.adjusted[e]), 6),
            "reviewer_load": int(loads[r]),
            "evidence": aff.evidence.get((p, r)) or "affinity score only (no evidence given with it)",
            "weak_conflicts": [c.describe() for c in weak.get((pid, rid), [])],
        }

    chosen = result.by_paper()
    out = []
    for p, pid in enumerate(aff.papers):
        sub = subs.get(pid)
        out.append({
            "paper_id": pid,
            "title": sub.title if sub else None,
            "demand": int(prob.demand[p]),
            "reviewers": [pair(e, i) for i, e in enumerate(chosen.get(p, []), start=1)],
            "alternates": [pair(e, i) for i, e in enumerate(result.alternates.get(p, []), start=1)],
        })
    return out


def _edges_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_openreview(result: Result, out: Path, label: str = LABEL) -> list[str]:
    aff, prob = result.problem.affinity, result.problem
    folder = out / "openreview"
    folder.mkdir(parents=True, exist_ok=True)
    matcher: dict[str, list[dict[str, Any]]] = {}
    edges = []
    for p, es in result.by_paper().items():
        for e in es:
            pid, rid, score = aff.papers[p], aff.reviewers[int(aff.reviewer[e])], float(prob.adjusted[e])
            matcher.setdefault(pid, []).append({"aggregate_score": score, "user": rid})
            edges.append({"head": pid, "tail": rid, "weight": score, "label": label})
    alternates = {
        aff.papers[p]: [{"aggregate_score": float(prob.adjusted[e]), "user": aff.reviewers[int(aff.reviewer[e])]} for e in es]
        for p, es in result.alternates.items()
    }
    (folder / "assignments.json").write_text(json.dumps(matcher, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "alternates.json").write_text(json.dumps(alternates, indent=2, ensure_ascii=False), encoding="utf-8")
    _edges_jsonl(folder / "assignment_edges.jsonl", edges)
    with (folder / "affinity_scores.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for k in np.flatnonzero(prob.allowed):
            w.writerow([aff.papers[int(aff.paper[k])], aff.reviewers[int(aff.reviewer[k])], f"{float(aff.score[k]):.6g}"])
    conflicts = sorted(prob.conflicts)
    with (folder / "constraints.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for p, r in conflicts:
            w.writerow([aff.papers[p], aff.reviewers[r], -1])
    _edges_jsonl(folder / "conflict_edges.jsonl", [
        {"head": aff.papers[p], "tail": aff.reviewers[r], "weight": -1, "label": "Conflict"} for p, r in conflicts
    ])
    with (folder / "max_papers.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for r, rid in enumerate(aff.reviewers):
            w.writerow([rid, int(prob.max_load[r])])
    return [str(folder / n) for n in ("assignments.json", "alternates.json", "assignment_edges.jsonl",
                                      "affinity_scores.csv", "constraints.csv", "conflict_edges.jsonl", "max_papers.csv")]


def _email(rid: str, reviewers: dict[str, Reviewer]) -> str | None:
    r = reviewers.get(rid)
    if r is not None and r.email:
        return r.email
    return rid if "@" in rid else None


def write_cmt(result: Result, out: Path, reviewers: dict[str, Reviewer]) -> tuple[list[str], str | None]:
    """CMT's assignment XML and quota file; ``(files, None)`` or ``([], why not)``."""
    aff = result.problem.affinity
    assigned = sorted({aff.reviewers[int(r)] for r in aff.reviewer[result.edges]})
    missing = [rid for rid in assigned if _email(rid, reviewers) is None]
    if missing:
        return [], (
            f"CMT files not written: {len(missing)} assigned reviewer(s) have no e-mail (e.g. {', '.join(missing[:3])}); "
            "CMT identifies users by e-mail: give the reviewers as a list with an e-mail column"
        )
    folder = out / "cmt"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<assignments>"]
    for p, es in sorted(result.by_paper().items()):
        lines.append(f"  <submission submissionId={quoteattr(aff.papers[p])}>")
        for e in es:
            lines.append(f"    <user email={quoteattr(str(_email(aff.reviewers[int(aff.reviewer[e])], reviewers)))} />")
        lines.append("  </submission>")
    lines.append("</assignments>")
    (folder / "assignments.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    quota = ["# Email\tQuota"]
    for r, rid in enumerate(aff.reviewers):
        email = _email(rid, reviewers)
        if email:
            quota.append(f"{email}\t{int(result.problem.max_load[r])}")
    (folder / "quotas.txt").write_text("\n".join(quota) + "\n", encoding="utf-8")
    return [str(folder / "assignments.xml"), str(folder / "quotas.txt")], None


def write_all(
    result: Result,
    out: str | Path,
    rows: list[dict[str, Any]],
    reviewers: dict[str, Reviewer] | None = None,
    conflicts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write every export under ``out``; returns ``{"files": [...], "notes": [...]}``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files, notes = [], []
    with (out / "assignments.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["paper_id", "paper_title", "reviewer_id", "reviewer_name", "rank", "score", "bid", "evidence", "weak_conflicts"])
        for row in rows:
            for r in row["reviewers"]:
                w.writerow([row["paper_id"], row["title"] or "", r["reviewer_id"], r["reviewer_name"] or "", r["rank"],
                            r["score"], r["bid"], _evidence_text(r["evidence"]), " | ".join(r["weak_conflicts"])])
    files.append(str(out / "assignments.csv"))
    files += write_openreview(result, out)
    cmt, why = write_cmt(result, out, reviewers or {})
    files += cmt
    if why:
        notes.append(why)
    listed = conflicts or []
    with (out / "conflicts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["paper_id", "reviewer_id", "reviewer_name", "author", "kind", "strength", "explanation"])
        for c in listed:
            w.writerow([c["paper_id"], c["reviewer"], c["reviewer_name"] or "", c["author"], c["kind"], c["strength"], c["explanation"]])
    files.append(str(out / "conflicts.csv"))
    hard = [c for c in listed if c["strength"] == "hard"]
    doc = {"summary": {**result.summary(), "weak_conflicts": len(listed) - len(hard)}, "papers": rows,
           "loads": _loads(result, reviewers or {}), "hard_conflicts": hard, "notes": notes}
    (out / "assignments.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    files.append(str(out / "assignments.json"))
    return {"files": files, "notes": notes}


def _loads(result: Result, reviewers: dict[str, Reviewer]) -> list[dict[str, Any]]:
    prob, loads = result.problem, result.loads()
    return [
        {"reviewer_id": rid, "name": reviewers[rid].name if rid in reviewers else None, "load": int(loads[r]),
         "min": int(prob.min_load[r]), "max": int(prob.max_load[r])}
        for r, rid in enumerate(prob.affinity.reviewers)
    ]


@dataclass
class Assignment:
    """One conference's assignment: the solver's result, per-paper rows with evidence, every
    conflict found (hard and weak), and — once :meth:`write` ran — the export files."""

    result: Result
    papers: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    reviewers: dict[str, Reviewer] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {**self.result.summary(), "weak_conflicts": sum(c["strength"] != "hard" for c in self.conflicts)}

    def loads(self) -> list[dict[str, Any]]:
        """Per reviewer: ``{"reviewer_id", "name", "load", "min", "max"}``."""
        return _loads(self.result, self.reviewers)

    def write(self, out: str | Path) -> list[str]:
        """Write every export under ``out`` (see the module docstring); returns the files."""
        written = write_all(self.result, out, self.papers, self.reviewers, self.conflicts)
        self.files, self.notes = written["files"], written["notes"]
        return self.files

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "papers": self.papers, "loads": self.loads(),
                "conflicts": self.conflicts, "files": self.files, "notes": self.notes}


def assign_conference(
    store: Any,
    submissions: list[Submission],
    reviewers: list[Reviewer],
    affinity: Any,
    *,
    top_k: int | None = None,
    policy: Any = None,
    per_paper: int = 3,
    min_load: int = 0,
    max_load: int = 6,
    loads: dict[str, tuple[int | None, int | None]] | None = None,
    bids: dict[tuple[str, str], float | str] | None = None,
    bid_weight: float = 0.25,
    objective: str = "sum",
    alternates: int = 0,
    lp_bound: bool = False,
    progress: Any = None,
) -> tuple[Result, list[dict[str, Any]], list[dict[str, Any]]]:
    """Conflicts → problem → solution for one conference; returns (result, per-paper rows, conflicts).

    ``affinity`` is an :class:`~scholarlens.assign.Affinity` over these submission and reviewer
    ids, or a function of the hard-conflict pairs that returns one (so candidates are ranked
    *after* conflicts are removed: a paper's own authors would otherwise fill its top-K). The
    top ``top_k`` non-conflicted candidates per paper are kept. Hard conflicts are never
    assigned; weak ones are listed on the pairs they concern.
    """
    from .assign import build_problem, solve, top_candidates
    from .conflicts import submission_conflicts

    found = submission_conflicts(store, reviewers, {s.id: s.all_authors(store) for s in submissions}, policy, progress)
    hard: dict[tuple[str, str], Any] = {}
    weak: dict[tuple[str, str], list[Conflict]] = {}
    listed: list[dict[str, Any]] = []
    for sid, cs in found.items():
        for c in cs:
            listed.append({"paper_id": sid, **c.to_dict()})
            if c.hard:
                hard.setdefault((sid, c.reviewer), c.to_dict())
            else:
                weak.setdefault((sid, c.reviewer), []).append(c)
    aff = affinity(set(hard)) if callable(affinity) else affinity
    if top_k is not None:
        aff = top_candidates(aff, top_k, set(hard))
    problem = build_problem(aff, per_paper, min_load, max_load, loads, hard, bids, bid_weight)
    result = solve(problem, objective, alternates=alternates, lp_bound=lp_bound, progress=progress)
    rows = assignment_rows(result, {s.id: s for s in submissions}, {r.id: r for r in reviewers}, weak)
    return result, rows, listed
