"""Person commands: person (a researcher's page) and similar (closest researchers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ._common import app, console, guarded, open_kb, print_json, shorten

JSON_HELP = "Print JSON instead of tables."


@app.command()
@guarded
def person(
    ref: str = typer.Argument(..., help="A person id or name (any spelling: 'R. Schapire', 'Schapire, Robert')."),
    similar: int = typer.Option(8, "--similar", help="Similar people to list (0 skips the embedding model)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A researcher's page: papers by year, topics over time, co-authors, organisations, similar people."""
    view = open_kb().person(ref, similar=similar)
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


def _similar_table(rows: list[dict[str, Any]]) -> None:
    t = Table("person", "id", "score", "co-author", "closest papers")
    for r in rows:
        ev = r["evidence"][0] if r["evidence"] else None
        t.add_row(
            r["name"],
            str(r["person_id"]),
            f"{r['score']:.3f}",
            "yes" if r["coauthor"] else "",
            f"{shorten(ev['query'], 45)} ~ {shorten(ev['paper'], 45)} ({ev['similarity']:.2f})" if ev else "",
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
    rows = open_kb().similar(target, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nobody to compare with")
        return
    _similar_table(rows)
