"""Record commands: export the knowledge base, list the input formats."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from ..export import EXPORT_FORMATS
from ..formats import FORMATS
from ._common import app, console, err_console, guarded, open_kb, print_json


@app.command("export")
@guarded
def export_command(
    format: str = typer.Option("jsonl", "--format", "-f", help=f"Output format: {', '.join(EXPORT_FORMATS)}."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
    limit: int = typer.Option(None, "--limit", min=1, help="Export at most this many papers."),
) -> None:
    """Export the deduplicated papers as CSL-JSON, BibTeX or JSON lines (they ingest back as the same papers)."""
    kb = open_kb()
    if output is None:
        n = kb.export(format, sys.stdout, limit)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        with open(output, "w", encoding="utf-8") as fh:
            n = kb.export(format, fh, limit)
    err_console.print(f"exported {n} papers as {format}" + (f" to {output}" if output else ""), highlight=False)


@app.command("formats")
@guarded
def formats_command(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the input formats ScholarLens detects (and which ones stream large dumps)."""
    rows = [
        {"name": f.name, "description": f.description, "streams": f.stream is not None, "collection": f.collection}
        for f in FORMATS
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("format", "what it reads", "streams", "kind")
    for r in rows:
        table.add_row(str(r["name"]), str(r["description"]), "yes" if r["streams"] else "", "collection" if r["collection"] else "profile")
    console.print(table)
