"""The index command: build or bring up to date the persistent expertise indexes."""

from __future__ import annotations

import time

import typer

from ._common import app, console, db_target, guarded, open_kb, print_json, progress_bar, setting


def describe(status: dict) -> str:
    """One line about the index (also used by ``summary``)."""
    if not status.get("built"):
        return "index: not built yet (the first query builds it, or run `scholarlens index`)"
    stale = status.get("stale_papers", 0)
    where = f" in {status['path']}" if status.get("path") else " (in memory)"
    models = ", ".join(status.get("models") or []) or "no dense model yet"
    state = (
        f"{stale:,} changed papers to apply (the next query applies them)"
        if stale
        else "up to date"
    )
    return f"index: {status.get('papers', 0):,} papers{where}; dense: {models}; {state}"


@app.command("index")
@guarded
def index_command(
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="Build every index from scratch instead of applying the changes since the last build.",
    ),
    model: str = typer.Option(
        None, "--model", envvar="SCHOLARLENS_MODEL", help=setting("model").help
    ),
    ray: str = typer.Option(
        None,
        "--ray",
        help="Embed the missing paper vectors on a Ray cluster first: 'auto' (a running cluster), "
        "'local' (start one here) or HOST:PORT (see docs/deploy.md).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the index status as JSON."),
) -> None:
    """Build the expertise indexes (dense, TF-IDF, person × paper) or bring them up to date."""
    kb = open_kb(model)
    engine = kb.engine
    start = time.perf_counter()
    embedded = None
    with progress_bar(not as_json) as progress:
        if ray:
            from ..distributed import embed_store_with_ray  # Ray is an optional extra

            embedded = embed_store_with_ray(db_target(), model, ray, progress).to_dict()
        if rebuild:
            engine.rebuild(kb.encoder, progress=progress)
        else:
            engine.snapshot(kb.encoder, progress=progress)
            engine.save()
    status = engine.status() | {"seconds": round(time.perf_counter() - start, 2)}
    if embedded is not None:
        status["ray"] = embedded
    if as_json:
        print_json(status)
        return
    if embedded is not None:
        console.print(
            f"ray: embedded {embedded['embedded']:,} of {embedded['texts']:,} paper texts "
            f"({embedded['cached']:,} already cached) on {embedded['workers']} worker(s)",
            highlight=False,
        )
    console.print(describe(status) + f" ({status['seconds']:.1f} s)", highlight=False)
