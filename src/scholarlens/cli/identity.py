"""Identity commands: whois (who wrote these abstracts), person (a researcher's page), similar."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .. import whois as whois_core
from ..formats import format_names
from ..researchers import person_view, similar_people
from ._common import app, console, guarded, open_kb, print_json

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
    result = whois_core(open_kb(), profile, format=format, limit=limit)
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
            ev = "; ".join(f"{e['query'][:40]} ~ {e['paper'][:40]} ({e['similarity']:.2f})" for e in c["evidence"][:2])
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


@app.command()
@guarded
def person(
    ref: str = typer.Argument(..., help="A person id or name (any spelling: 'R. Schapire', 'Schapire, Robert')."),
    similar: int = typer.Option(8, "--similar", help="Similar people to list (0 skips the embedding model)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A researcher's page: papers by year, topics over time, co-authors, organisations, similar people."""
    view = person_view(open_kb(), ref, similar=similar)
    if as_json:
        print_json(view)
        return
    p = view["person"]
    aliases = ", ".join(a["alias"] for a in p["aliases"])
    console.print(f"[bold]{p['name']}[/] (person {p['id']}) · {p['papers']} papers" + (f" · also: {aliases}" if aliases else ""), highlight=False)
    if view["papers_by_year"]:
        console.print("papers by year: " + ", ".join(f"{y}: {n}" for y, n in view["papers_by_year"].items()), highlight=False)
    if view["topics"]:
        t = Table("topic", "weight", "by year")
        for topic in view["topics"]:
            t.add_row(topic["label"], f"{topic['weight']:.2f}", " ".join(f"{y}:{w:.2f}" for y, w in topic["by_year"].items()))
        console.print(t)
    if view["coauthors"]:
        console.print("co-authors: " + ", ".join(f"{c['name']} ({c['papers']})" for c in view["coauthors"]), highlight=False)
    if view["organisations"]:
        console.print("organisations: " + ", ".join(f"{o['name']} ({o['papers']})" for o in view["organisations"]), highlight=False)
    if view["similar"]:
        _similar_table(view["similar"])


def _similar_table(rows: list[dict]) -> None:
    t = Table("person", "id", "score", "co-author", "closest papers")
    for r in rows:
        ev = r["evidence"][0] if r["evidence"] else None
        t.add_row(
            r["name"],
            str(r["person_id"]),
            f"{r['score']:.3f}",
            "yes" if r["coauthor"] else "",
            f"{ev['query'][:45]} ~ {ev['paper'][:45]} ({ev['similarity']:.2f})" if ev else "",
        )
    console.print(t)


@app.command()
@guarded
def similar(
    ref: str = typer.Argument(..., help="A person id or name, or a profile file whose abstracts describe the work you care about."),
    limit: int = typer.Option(10, "--limit", "-n", help="People to list."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Researchers whose work is closest to a person's (shared papers left out) or to a file of abstracts."""
    target: str | Path = Path(ref) if Path(ref).is_file() else ref
    rows = similar_people(open_kb(), target, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nobody to compare with")
        return
    _similar_table(rows)
