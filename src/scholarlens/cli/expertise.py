"""Expertise commands: experts, reviewers, affinity (OpenReview batch)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..affinity import affinity_scores
from ..embeddings import get_encoder
from ..errors import InputError, UnknownFormatError
from ..kb import KnowledgeBase
from ..records import ParsedPaper
from ..scoring import DEFAULT_METHOD, METHODS, get_method
from ._common import (
    app,
    console,
    err_console,
    guarded,
    open_kb,
    print_json,
    progress_bar,
    setting,
    shorten,
)

JSON_HELP = "Print JSON instead of a table."
METHOD_HELP = f"Scoring method: {', '.join(METHODS)} (default {DEFAULT_METHOD}), with optional overrides like 'top5,k=3'."
MODEL_HELP = setting("model").help


def _print_people(
    rows: list[dict[str, Any]], method: str | None, with_conflicts: bool = False
) -> None:
    if not rows:
        console.print(
            "[yellow]no one in the knowledge base has a paper with a title or abstract[/]"
        )
        return
    note = KnowledgeBase.match(rows, method)
    if note["message"]:
        console.print(f"[bold yellow]{note['message']}[/]", highlight=False)
    table = Table(
        "#",
        "name",
        "score",
        "match",
        "evidence",
        *(["conflict"] if with_conflicts else []),
    )
    for r in rows:
        ev = [e for e in r["evidence"] if e["weight"] > 0][:3]
        full = max((e["weight"] for e in ev), default=0.0)
        evidence = "\n".join(
            f"{shorten(e['title'], 60)} {('(' + str(e['year']) + ')') if e['year'] else ''} "
            f"[dim]similarity {e['similarity']:.3f}"
            + (f", discounted ×{e['weight'] / full:.2f}" if full and e["weight"] < full - 1e-9 else "")
            + "[/]"
            for e in ev
        )
        extra = []
        if with_conflicts:
            c = r.get("conflict")
            extra = [f"[red]{c['reason']}[/] ({', '.join(c['with'])})" if c else ""]
        p = r.get("probability")
        match = f"{r['strength']}\n[dim]P(expert) {p:.2f}[/]" if p is not None else "[dim]uncalibrated[/]"
        table.add_row(str(r["rank"]), r["name"], f"{r['score']:.3f}", match, evidence, *extra)
    console.print(table)
    console.print(f"[dim]{get_method(method).describe()}[/]", highlight=False)


@app.command()
@guarded
def experts(
    query: str = typer.Argument(..., help="A topic, or a title and abstract."),
    limit: int = typer.Option(10, "--limit", "-n", help="At most this many people."),
    method: str = typer.Option(None, "--method", "-m", help=METHOD_HELP),
    model: str = typer.Option(None, "--model", envvar="SCHOLARLENS_MODEL", help=MODEL_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Who knows about X: people ranked by their papers' similarity to a topic, with evidence."""
    kb = open_kb(model)
    with progress_bar(not as_json) as progress:
        rows = kb.experts(query, limit, method=method, progress=progress)
    if as_json:
        print_json(rows)
    else:
        _print_people(rows, method)


def _read_submission(path: Path) -> str | ParsedPaper:
    """A file holding one submission: any supported format with one paper, or plain text
    (first line the title, the rest the abstract)."""
    from ..formats import parse_file

    if str(path) == "-":
        return sys.stdin.read()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        profile = parse_file(path)
    except UnknownFormatError:
        return path.read_text(encoding="utf-8", errors="replace")
    papers = [p for p in profile.papers if p.title or p.abstract]
    if len(papers) != 1:
        raise InputError(
            f"{path}: found {len(papers)} papers ({profile.format}); reviewers takes a file with one submission"
        )
    return papers[0]


@app.command()
@guarded
def reviewers(
    submission: Path = typer.Argument(
        ...,
        help="A file with the submission's title and abstract (plain text or any supported format; - for stdin).",
    ),
    author: list[str] = typer.Option(
        None,
        "--author",
        "-a",
        help="An author of the submission (repeat); marks conflicts. Default: the authors in the file.",
    ),
    limit: int = typer.Option(10, "--limit", "-n", help="At most this many people."),
    hide_conflicts: bool = typer.Option(
        False,
        "--hide-conflicts",
        help="Leave out authors and their co-authors instead of marking them.",
    ),
    method: str = typer.Option(None, "--method", "-m", help=METHOD_HELP),
    model: str = typer.Option(None, "--model", envvar="SCHOLARLENS_MODEL", help=MODEL_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Who should review this paper: people ranked for a submission, conflicts of interest marked."""
    paper = _read_submission(submission)
    kb = open_kb(model)
    with progress_bar(not as_json) as progress:
        rows = kb.reviewers(
            paper,
            authors=list(author) if author else None,
            limit=limit,
            method=method,
            exclude_conflicts=hide_conflicts,
            progress=progress,
        )
    if as_json:
        print_json(rows)
    else:
        _print_people(rows, method, with_conflicts=True)


@app.command()
@guarded
def affinity(
    archives: Path = typer.Option(
        ...,
        "--archives",
        help="Folder of ~<reviewerId>.jsonl files, one {id, content: {title, abstract}} per line.",
    ),
    submissions: Path = typer.Option(
        ...,
        "--submissions",
        help='JSON object {paperId: {"id", "content": {...}}}, a list of notes, or a folder of them.',
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="CSV to write (paper_id,reviewer_id,score); default stdout."
    ),
    cache: Path = typer.Option(
        None,
        "--cache",
        help="SQLite file that keeps embeddings between runs (default: none, a temporary store).",
    ),
    method: str = typer.Option(None, "--method", "-m", help=METHOD_HELP),
    model: str = typer.Option(None, "--model", envvar="SCHOLARLENS_MODEL", help=MODEL_HELP),
    ray: str = typer.Option(
        None,
        "--ray",
        help="Embed on a Ray cluster first: auto (a running cluster), local (start one here) or HOST:PORT.",
    ),
) -> None:
    """OpenReview-compatible batch affinity: a score for every submission × reviewer (no ingest needed)."""
    with progress_bar(True) as progress:
        rows = affinity_scores(
            archives,
            submissions,
            encoder=get_encoder(model),
            method=method,
            progress=progress,
            cache=cache,
            ray=ray,
            model=model,
        )
    fh = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.writer(fh)
        for paper_id, reviewer_id, score in rows:
            writer.writerow([paper_id, reviewer_id, f"{score:.6f}"])
    finally:
        if out:
            fh.close()
    if out:
        n_papers = len({r[0] for r in rows})
        n_reviewers = len({r[1] for r in rows})
        err_console.print(
            f"wrote {len(rows)} scores ({n_papers} submissions × {n_reviewers} reviewers) to {out}",
            highlight=False,
        )
