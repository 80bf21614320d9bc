"""Shared CLI plumbing: the Typer app, opening the knowledge base, errors, JSON, progress."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from typer.core import TyperOption

from ..errors import NotFoundError, ScholarLensError
from ..kb import KnowledgeBase
from ..records import Progress as ProgressFn
from ..settings import SETTINGS, Setting
from ..settings import get as get_setting

# Typer shows a `<bool>` type next to every on/off flag (--json, --help); a flag takes no value,
# so show none.
_display_type = TyperOption.display_type_rich


def _flag_type(self: TyperOption, ctx: Any) -> Any:
    return None if self.is_flag else _display_type(self, ctx)


TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

app = typer.Typer(
    name="scholarlens",
    help="Understand researchers from their publications: ingest profiles, find experts, identify authors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Off a terminal (pipes, `make run` logs, CI) Rich would wrap at 80 columns; tables need more.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
F = TypeVar("F", bound=Callable[..., Any])


class _State:
    db: str | None = None


state = _State()


def setting(name: str) -> Setting:
    """A declared setting (name, environment variable, default, help): options read these."""
    return next(s for s in SETTINGS if s.name == name)


@app.callback()
def _root(
    db: str = typer.Option(
        None, "--db", envvar=setting("db").env, help=f"{setting('db').help} Default: ./{setting('db').default}."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what the core does."),
) -> None:
    """ScholarLens: who knows about X, who should review this, who wrote these abstracts."""
    state.db = db
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def db_target() -> str:
    """``--db``, else the ``db`` setting (its environment variable, else its default)."""
    return state.db or get_setting("db") or "scholarlens.db"


def open_kb(model: str | None = None, *, create: bool = False) -> KnowledgeBase:
    """The knowledge base of ``--db`` (setting ``db``); ``model`` overrides setting ``model``.

    Only commands that write (``create``) may start a new database file: a query against a
    path where there is none fails with the next step instead of answering from an empty one.
    """
    target = db_target()
    is_file = target != ":memory:" and "://" not in target
    if is_file and not create and not Path(target).exists():
        raise NotFoundError(
            f"no knowledge base at {target}: ingest files first (`scholarlens --db {target} ingest PATH`) "
            "or point --db / SCHOLARLENS_DB at an existing one"
        )
    return KnowledgeBase(target, encoder=model)


def shorten(text: str | None, width: int, empty: str = "(untitled)") -> str:
    """``text`` cut at a word boundary to at most ``width`` characters, with an ellipsis."""
    return textwrap.shorten(" ".join((text or "").split()), width, placeholder="…") or empty


def when(iso: str | None) -> str:
    """A stored ISO timestamp as ``YYYY-MM-DD HH:MM`` (UTC)."""
    return (iso or "").replace("T", " ")[:16]


def fail(message: str, hint: str | None = None, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    if hint:
        err_console.print(f"[dim]{hint}[/]")
    raise typer.Exit(code)


def guarded(fn: F) -> F:
    """Turn domain errors into one red line and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScholarLensError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressFn]:
    """A Rich progress bar (counts, rate, ETA) fed by the core's ``(stage, done, total)`` callback."""
    if not enabled or not err_console.is_terminal:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("[dim]{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=total, rate="")
            task = prog.tasks[tasks[stage]]
            speed = task.speed
            prog.update(tasks[stage], completed=done, total=total, rate=f"{speed:,.0f}/s" if speed else "")

        yield update


def short_source(source: str) -> str:
    return Path(source).name if "/" in source else source
