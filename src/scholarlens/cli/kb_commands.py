"""Knowledge-base commands: ingest, profiles, papers, people, show, summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..formats import format_names, get_format
from ..ingest import FileReport
from ._common import (
    app,
    console,
    err_console,
    guarded,
    open_kb,
    print_json,
    progress_bar,
    short_source,
    shorten,
    when,
)
from .index import describe as describe_index

JSON_HELP = "Print JSON instead of a table."


@app.command()
@guarded
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories (every file inside is ingested)."),
    format: str = typer.Option(None, "--format", "-f", help=f"Force a format: {', '.join(format_names())}."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    limit: int = typer.Option(None, "--limit", min=1, help="Store at most this many records per file (a dump continues on the next run)."),
    since: int = typer.Option(None, "--since", help="Only records from this year on."),
    category: list[str] = typer.Option(None, "--category", help="Only records in these categories (globs, e.g. 'cs.*'; repeat or comma-separate)."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip bad records instead of failing the file; write them to --reject-file."),
    reject_file: Path = typer.Option(None, "--reject-file", help="Where --skip-bad writes bad records with reasons (JSON lines)."),
    resume: bool = typer.Option(True, "--resume/--restart", help="Continue an interrupted dump ingest (default) or start it over."),
) -> None:
    """Ingest profiles into the knowledge base (one transaction per file; re-ingest changes nothing)."""
    if format:
        get_format(format)  # an unknown name is refused once, before any file is read
    kb = open_kb(create=True)
    options = {"limit": limit, "since": since, "category": category or None, "skip_bad": skip_bad,
               "reject_file": reject_file, "resume": resume}  # fmt: skip

    def on_file(fr: FileReport) -> None:
        if as_json:
            return
        name = short_source(fr.source)
        if fr.status == "failed":
            err_console.print(f"[red]failed[/]    {name}: {fr.error}", highlight=False)
        else:
            console.print(
                f"[green]{fr.status:<9}[/] {name} [dim]{fr.format}[/] {fr.records} records: "
                f"{fr.new_papers} new papers, {fr.merged_papers} merged into known papers"
                + (f", {fr.rejected} bad records skipped" if fr.rejected else ""),
                highlight=False,
            )
            for note in fr.notes:
                console.print(f"          [dim]{note}[/]", highlight=False)

    with progress_bar(not as_json) as progress:
        report = kb.ingest(paths, format=format, progress=progress, on_file=on_file, **options)
    if as_json:
        print_json(report.to_dict())
    else:
        t = report.totals()
        console.print(
            f"{t['files']} files: {t['added']} added, {t['replaced']} replaced, {t['unchanged']} unchanged, "
            f"{t['failed']} failed · {kb.count('papers')} papers, {kb.count('people')} people in the knowledge base"
        )
    if not report.ok:
        raise typer.Exit(1)


def _owner_text(p: dict) -> str:
    if p["owner"]:
        return f"{p['owner']['name']} ({p['owner']['confidence']:.2f}, {p['owner_status']})"
    return f"[yellow]{p['owner_status']}[/]"


@app.command()
@guarded
def profiles(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List ingested profiles: declared name, owner with confidence, format, papers."""
    rows = open_kb().profiles()
    if as_json:
        print_json(rows)
        return
    table = Table("id", "source", "format", "declared", "owner", "papers", "ingested (UTC)")
    for p in rows:
        declared = p["declared_name"] or "—"
        if p["declared_name_supported"] is False:
            declared += " [red](not supported)[/]"
        table.add_row(
            p["id"], short_source(p["source"]), p["format"], declared, _owner_text(p), str(p["papers"]), when(p["ingested_at"])
        )
    console.print(table)


@app.command()
@guarded
def papers(
    q: str = typer.Option(None, "--search", "-q", help="Only papers whose title or abstract contains this text."),
    limit: int = typer.Option(None, "--limit", "-n", help="At most this many."),
    offset: int = typer.Option(0, "--offset", help="Skip this many."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List the deduplicated papers with their authors and source profiles."""
    rows = open_kb().papers(limit=limit, offset=offset, q=q)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "year", "title", "authors", "profiles")
    for p in rows:
        authors = ", ".join(p["authors"][:3]) + (f" +{len(p['authors']) - 3}" if len(p["authors"]) > 3 else "")
        title = p["title"] or f"[dim](no title) {shorten(p['abstract'], 60)}[/]"
        table.add_row(str(p["id"]), str(p["year"] or ""), title, authors, str(len(p["profiles"])))
    console.print(table)


@app.command()
@guarded
def people(
    q: str = typer.Option(None, "--search", "-q", help="Only people whose name or alias contains this text."),
    limit: int = typer.Option(50, "--limit", "-n", help="At most this many."),
    offset: int = typer.Option(0, "--offset", help="Skip this many."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List people, most papers first, with the other spellings they were found under."""
    rows = open_kb().people(limit=limit, offset=offset, q=q)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "papers", "also written")
    for p in rows:
        name = p["name"] + (" [dim](letter guessed)[/]" if p["name_guessed"] else "")
        table.add_row(str(p["id"]), name, str(p["papers"]), "; ".join(a["alias"] for a in p["aliases"]))
    console.print(table)


@app.command()
@guarded
def show(
    profile_id: str = typer.Argument(..., help="A profile id (or unique prefix, or file name)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show one profile: owner and evidence, papers, co-authors."""
    p = open_kb().profile(profile_id)
    if as_json:
        print_json(p)
        return
    console.print(f"[bold]{p['id']}[/]  {p['source']}  [dim]{p['format']}[/]", highlight=False)
    declared = p["declared_name"] or "—"
    if p["declared_name_supported"] is False:
        declared += " [red](no author list supports this name)[/]"
    console.print(f"declared name: {declared}", highlight=False)
    console.print(f"owner: {_owner_text(p)}", highlight=False)
    table = Table("year", "title", "authors")
    for paper in p["paper_list"]:
        authors = ", ".join(paper["authors"][:4]) + (f" +{len(paper['authors']) - 4}" if len(paper["authors"]) > 4 else "")
        table.add_row(str(paper["year"] or ""), paper["title"] or f"[dim]{shorten(paper['abstract'], 70)}[/]", authors)
    console.print(table)
    if p["coauthors"]:
        console.print("co-authors: " + ", ".join(f"{c['name']} ({c['papers']})" for c in p["coauthors"][:12]), highlight=False)


@app.command()
@guarded
def summary(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Summarise the knowledge base: counts and the owner of every profile."""
    s = open_kb().summary()
    if as_json:
        print_json(s)
        return
    console.print(
        f"[bold]Knowledge base[/]: {s['profiles']} profiles, {s['papers']} unique papers "
        f"({s['multi_source_papers']} seen in several profiles, {s['sources']} records), "
        f"{s['people']} people, {s['authorships']} authorships"
    )
    console.print(describe_index(s["index"]), highlight=False)
    table = Table("profile", "file", "format", "declared name", "owner", "papers")
    for p in s["profile_owners"]:
        declared = p["declared_name"] or "—"
        if p["declared_name_supported"] is False:
            declared += " [red]✗ unsupported[/]"
        elif p["declared_name_supported"]:
            declared += " [green]✓[/]"
        owner = f"{p['owner']} ({p['confidence']:.2f}, {p['owner_status']})" if p["owner"] else f"[yellow]{p['owner_status']}[/]"
        table.add_row(p["id"], p["source"], p["format"], declared, owner, str(p["papers"]))
    console.print(table)


@app.command()
@guarded
def remove(
    profile_id: str = typer.Argument(..., help="A profile id (or unique prefix, or file name)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Remove a profile: papers only it provided go, shared papers are recomputed."""
    result = open_kb().remove_profile(profile_id)
    if as_json:
        print_json(result)
    else:
        console.print(f"removed profile {result['removed']}: {result['papers_removed']} papers went, {result['papers']} remain")
