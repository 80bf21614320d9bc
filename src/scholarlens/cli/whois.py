"""The whois command: who wrote these abstracts."""

from __future__ import annotations

import typer
from rich.table import Table

from ..formats import format_names
from ._common import app, console, guarded, open_kb, print_json, shorten

JSON_HELP = "Print JSON instead of tables."
STATUS_STYLE = {"identified": "green", "ambiguous": "yellow", "unknown": "red"}


@app.command()
@guarded
def whois(
    profile: str = typer.Argument(..., help="A profile file (any supported format, ingested or not) or a stored profile id."),
    format: str = typer.Option(None, "--format", "-f", help=f"Force a format: {', '.join(format_names())}."),
    limit: int = typer.Option(5, "--limit", "-n", help="Candidates to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Who wrote these papers? Ranked candidate owners with confidence and evidence."""
    result = open_kb().whois(profile, format=format, limit=limit)
    if as_json:
        print_json(result)
        return
    style = STATUS_STYLE.get(result["status"], "white")
    declared = result["declared_name"] or "—"
    sup = result["declared_name_supported"]
    declared += "" if sup is None else (" (supported)" if sup else " (not supported)")
    console.print(f"[bold {style}]{result['status']}[/] · declared name: {declared} · method: {result['method']}", highlight=False)
    console.print(result["explanation"], highlight=False)
    if not result["candidates"]:
        return
    table = Table("#", "candidate", "person", "confidence", "matched papers", "evidence")
    for i, c in enumerate(result["candidates"], 1):
        if result["method"] == "similarity":
            ev = "; ".join(f"{shorten(e['query'], 40)} ~ {shorten(e['paper'], 40)} ({e['similarity']:.2f})" for e in c["evidence"][:2])
        else:
            kinds: dict[str, int] = {}
            for e in c["evidence"]:
                kinds[e["match"]] = kinds.get(e["match"], 0) + 1
            ev = ", ".join(f"{n} {k}" for k, n in kinds.items())
            sizes = sorted(e["authors"] for e in c["evidence"])
            if sizes:
                ev += f" · author lists of {sizes[0]}–{sizes[-1]}" if len(sizes) > 1 else f" · author list of {sizes[0]}"
        table.add_row(str(i), c["name"], str(c["person_id"]), f"{c['confidence']:.3f}", f"{c['matched_papers']}/{result['matched_with_authors']}", ev)
    console.print(table)
