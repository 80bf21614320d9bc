"""Conference commands: ``assign`` (reviewers to submissions under loads) and ``conflicts``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..errors import InputError
from ._common import app, console, err_console, guarded, open_kb, print_json, progress_bar

SUBMISSIONS_HELP = "Submissions: files or folders in any supported format, or an OpenReview submissions.json (repeat)."
REVIEWERS_HELP = (
    "Reviewers: 'kb' (every stored person with papers, the default), a list file (person id or name per line, "
    "optional e-mail column), or a folder of OpenReview ~<id>.jsonl archives."
)


def _policy(conflicts: Path | None, years: int | None, max_authors: int | None, large: str | None) -> Any:
    from ..conflicts import ConflictPolicy, read_declared

    declared = read_declared(conflicts) if conflicts else None
    return ConflictPolicy.from_settings(years=years, max_authors=max_authors, large_papers=large, declared=declared)


def _open(reviewers: str) -> Any:
    """The knowledge base; without one, reviewers from a list or archives still work (an empty
    in-memory store: conflicts then come from e-mails, archives and declarations only)."""
    from ..errors import NotFoundError
    from ..kb import KnowledgeBase

    try:
        return open_kb()
    except NotFoundError:
        if reviewers == "kb":
            raise
        return KnowledgeBase(":memory:")


def _reviewers(kb: Any, spec: str) -> tuple[list[Any], Path | None]:
    """The reviewer list, and the archives folder when reviewers come from OpenReview archives."""
    try:
        return kb.conference_reviewers(spec)  # type: ignore[no-any-return]
    except InputError as exc:
        if str(exc).startswith("reviewers "):  # name the option the user typed
            raise InputError(f"--{exc}") from None
        raise


def _print_assignment(rows: list[dict[str, Any]], summary: dict[str, Any], limit: int) -> None:
    table = Table("paper", "reviewer", "score", "evidence")
    for row in rows[:limit]:
        for r in row["reviewers"]:
            ev = r["evidence"]
            text = "\n".join(f"{(e.get('title') or '')[:50]} [dim]{e.get('similarity', '')}[/]" for e in ev) if isinstance(ev, list) else str(ev)
            if r["weak_conflicts"]:
                text += "\n[yellow]weak conflict: " + "; ".join(r["weak_conflicts"]) + "[/]"
            table.add_row(f"{row['paper_id']}\n[dim]{(row['title'] or '')[:40]}[/]" if r["rank"] == 1 else "",
                          r["reviewer_name"] or r["reviewer_id"], f"{r['score']:.3f}", text)
    console.print(table)
    if len(rows) > limit:
        console.print(f"[dim]… {len(rows) - limit} more papers in the output files[/]")
    s = summary
    console.print(
        f"{s['objective']}: {s['assigned']} assignments for {s['papers']} papers, {s['reviewers']} reviewers; "
        f"total affinity {s['total_affinity']:.4f}, worst paper {s['worst_paper_score']}, lowest pair {s['lowest_pair_score']}; "
        f"loads {s['load']['min']}–{s['load']['max']}; {s['hard_conflicts']} hard conflicts excluded"
        + (f"; LP bound {s['lp_bound']} (gap {s['gap']})" if s["lp_bound"] is not None else ""),
        highlight=False,
    )


@app.command()
@guarded
def assign(
    submissions: list[Path] = typer.Option(..., "--submissions", "-s", help=SUBMISSIONS_HELP),
    reviewers: str = typer.Option("kb", "--reviewers", "-r", help=REVIEWERS_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the exports (CSV, JSON, OpenReview, CMT)."),
    per_paper: int = typer.Option(3, "--per-paper", help="Reviewers per paper."),
    min_load: int = typer.Option(0, "--min-load", help="Fewest papers per reviewer."),
    max_load: int = typer.Option(6, "--max-load", help="Most papers per reviewer."),
    loads: Path = typer.Option(None, "--loads", help="CSV reviewer,max[,min]: per-reviewer loads."),
    bids: Path = typer.Option(None, "--bids", help="CSV reviewer,paper,bid (number in [-1, 1] or very high/high/neutral/low/very low/conflict)."),
    bid_weight: float = typer.Option(0.25, "--bid-weight", help="Affinity added per unit of bid."),
    conflicts: Path = typer.Option(None, "--conflicts", help="Declared conflicts CSV: reviewer, author or domain, reason."),
    years: int = typer.Option(None, "--years", help="Co-authorship window in years (default: SCHOLARLENS_CONFLICT_YEARS)."),
    max_authors: int = typer.Option(None, "--max-authors", help="Author cap for hard co-author conflicts (default: SCHOLARLENS_CONFLICT_MAX_AUTHORS)."),
    large_papers: str = typer.Option(None, "--large-papers", help="Co-authorship on papers above the cap: weak, hard or ignore."),
    objective: str = typer.Option("sum", "--objective", help="sum (max total affinity) or fair (raise the worst pair first)."),
    alternates: int = typer.Option(2, "--alternates", help="Next-best non-conflicted reviewers listed per paper."),
    affinity: Path = typer.Option(None, "--affinity", help="CSV paper_id,reviewer_id,score instead of the expertise engine."),
    top_k: int = typer.Option(200, "--top-k", help="Candidate reviewers kept per paper."),
    method: str = typer.Option(None, "--method", "-m", help="Engine scoring method (see `scholarlens reviewers`)."),
    lp_bound: bool = typer.Option(False, "--lp-bound", help="Also solve the LP relaxation (GLOP) and report the gap (small and medium sizes)."),
    limit: int = typer.Option(20, "--limit", "-n", help="Papers shown in the table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (summary, per-paper reviewers, notes)."),
) -> None:
    """Assign reviewers to submissions: loads, bids, hard conflicts, exports for OpenReview and CMT."""
    from ..assign_io import read_submissions

    policy = _policy(conflicts, years, max_authors, large_papers)
    subs = read_submissions(submissions)
    kb = _open(reviewers)
    revs, archives = _reviewers(kb, reviewers)
    with progress_bar(not as_json) as progress:
        done = kb.assign(
            subs, revs, archives=archives, affinity=affinity, policy=policy, per_paper=per_paper, min_load=min_load,
            max_load=max_load, loads=loads, bids=bids, bid_weight=bid_weight, objective=objective, alternates=alternates,
            top_k=top_k, method=method, lp_bound=lp_bound, progress=progress,
        )
    done.write(out)
    if as_json:
        print_json({"summary": done.summary(), "papers": done.papers, "loads": done.loads(), "files": done.files, "notes": done.notes})
        return
    _print_assignment(done.papers, done.summary(), limit)
    for note in done.notes:
        err_console.print(f"[yellow]{note}[/]", highlight=False)
    err_console.print(f"wrote {len(done.files)} files under {out}", highlight=False)


@app.command()
@guarded
def conflicts(
    submissions: list[Path] = typer.Option(..., "--submissions", "-s", help=SUBMISSIONS_HELP),
    reviewers: str = typer.Option("kb", "--reviewers", "-r", help=REVIEWERS_HELP),
    declared: Path = typer.Option(None, "--conflicts", help="Declared conflicts CSV: reviewer, author or domain, reason."),
    years: int = typer.Option(None, "--years", help="Co-authorship window in years (default: SCHOLARLENS_CONFLICT_YEARS)."),
    max_authors: int = typer.Option(None, "--max-authors", help="Author cap for hard co-author conflicts."),
    large_papers: str = typer.Option(None, "--large-papers", help="Co-authorship on papers above the cap: weak, hard or ignore."),
    hard_only: bool = typer.Option(False, "--hard-only", help="List only hard conflicts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Conflicts of interest between reviewers and a submission set, each with its evidence."""
    from ..assign_io import read_submissions
    from ..conflicts import submission_conflicts

    policy = _policy(declared, years, max_authors, large_papers)
    subs = read_submissions(submissions)
    kb = _open(reviewers)
    revs, _ = _reviewers(kb, reviewers)
    with progress_bar(not as_json) as progress:
        found = submission_conflicts(kb.store, revs, {s.id: s.all_authors(kb.store) for s in subs}, policy, progress)
    rows = [{"paper_id": sid, **c.to_dict()} for sid, cs in found.items() for c in cs if c.hard or not hard_only]
    if as_json:
        print_json({"policy": policy.describe(), "conflicts": rows})
        return
    table = Table("paper", "reviewer", "author", "kind", "strength", "evidence")
    for r in rows:
        style = "red" if r["strength"] == "hard" else "yellow"
        table.add_row(r["paper_id"], r["reviewer_name"] or r["reviewer"], r["author"], r["kind"],
                      f"[{style}]{r['strength']}[/]", r["explanation"])
    console.print(table)
    hard = sum(r["strength"] == "hard" for r in rows)
    console.print(f"{hard} hard and {len(rows) - hard} weak conflicts for {len(subs)} submissions; policy {policy.describe()}", highlight=False)
