"""What every route shares: the knowledge base, the write guard, the jobs, templates and limits.

:class:`WebContext` hangs on ``app.state.ctx``; routes get it with :func:`ctx_of`. Queries
run concurrently (each thread has its own store connection, readers see WAL snapshots);
:meth:`WebContext.compute` bounds them instead: at most ``workers`` at once, each answered
within the per-request time budget (see :class:`Limits`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from .. import settings
from ..errors import InputError
from ..kb import KnowledgeBase
from .jobs import JobRunner
from .problems import LimitExceeded
from .security import Guard

HERE = Path(__file__).parent
T = TypeVar("T")


def _int_setting(name: str, default: int) -> int:
    raw = settings.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 1:
        env = next(s.env for s in settings.SETTINGS if s.name == name)
        raise InputError(f"{env}={raw!r}: expected a whole number of at least 1")
    return value


@dataclass(frozen=True)
class Limits:
    """Per-request limits, declared in :mod:`scholarlens.settings` (``SCHOLARLENS_WEB_*``)."""

    max_body: int = 32 * 1024 * 1024
    max_records: int = 5000
    time_budget: float = 30.0
    workers: int = 4

    @classmethod
    def from_settings(cls, max_body: int | None = None) -> Limits:
        return cls(
            max_body=max_body or _int_setting("web_max_upload_mb", 32) * 1024 * 1024,
            max_records=_int_setting("web_max_records", 5000),
            time_budget=float(_int_setting("web_time_budget", 30)),
            workers=_int_setting("web_workers", max(2, os.cpu_count() or 2)),
        )


class Slots:
    """At most ``n`` computations at once; a slot is freed when its thread really finishes
    (an answer abandoned at the time budget keeps its slot until the work stops)."""

    def __init__(self, n: int) -> None:
        self._sem = threading.BoundedSemaphore(n)
        self._count = threading.Lock()
        self.in_use = 0

    async def acquire(self, deadline: float) -> bool:
        while not self._sem.acquire(blocking=False):
            if time.monotonic() >= deadline:
                return False
            await anyio.sleep(0.005)
        with self._count:
            self.in_use += 1
        return True

    def release(self) -> None:
        with self._count:
            self.in_use -= 1
        self._sem.release()


@dataclass
class WebContext:
    """What every route needs, hung on ``app.state.ctx``."""

    kb: KnowledgeBase
    guard: Guard
    data_dir: Path
    jobs: JobRunner
    env: jinja2.Environment
    limits: Limits = field(default_factory=Limits)
    #: Held around core calls only where threads share one connection (``:memory:``).
    serial: AbstractContextManager[Any] = field(default_factory=nullcontext)
    _slots: Slots | None = None

    @property
    def max_body(self) -> int:
        return self.limits.max_body

    def busy(self) -> bool:
        """A request is computing now (background work waits for it: :class:`JobRunner`)."""
        return self._slots is not None and self._slots.in_use > 0

    async def compute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on a worker thread, within the limits: a free slot and the
        time budget, else :class:`LimitExceeded` (503) naming the setting."""
        if self._slots is None:
            self._slots = Slots(self.limits.workers)
        budget = self.limits.time_budget
        deadline = time.monotonic() + budget
        if not await self._slots.acquire(deadline):
            raise LimitExceeded(
                503,
                "Server busy",
                f"all {self.limits.workers} query slots stayed busy for the whole time budget of {budget:g} s; retry later",
                "SCHOLARLENS_WEB_WORKERS",
            )
        slots = self._slots

        def run() -> T:
            try:
                with self.serial:
                    return fn(*args, **kwargs)
            finally:
                slots.release()

        try:
            with anyio.fail_after(max(deadline - time.monotonic(), 0.001)):
                return await anyio.to_thread.run_sync(partial(run), abandon_on_cancel=True)
        except TimeoutError:
            raise LimitExceeded(
                503,
                "Time budget exceeded",
                f"the request took longer than the per-request time budget of {budget:g} s",
                "SCHOLARLENS_WEB_TIME_BUDGET",
            ) from None

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        ctx = {
            "request": request,
            "path": request.url.path,
            "writes_enabled": self.guard.writes_enabled,
            "needs_token": self.guard.needs_token,
            "can_write": self.guard.authorised(request.headers, dict(request.cookies)),
            **context,
        }
        return HTMLResponse(self.env.get_template(template).render(ctx), status_code=status_code)


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def make_env() -> jinja2.Environment:
    """The Jinja2 environment: autoescaping on (every value from a profile is untrusted)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: f"{100 * float(x or 0):.0f}%"
    env.filters["num"] = lambda x, d=2: f"{float(x):.{d}f}" if x is not None else "–"
    env.filters["label"] = paper_label
    env.globals["match_note"] = KnowledgeBase.match
    return env


def paper_label(paper: Any, limit: int = 110) -> str:
    """A paper's title, or the start of its abstract for sources that give no title."""
    title = paper.get("title") if isinstance(paper, dict) else None
    if title:
        return str(title)
    abstract = (paper.get("abstract") if isinstance(paper, dict) else None) or ""
    if not abstract:
        return "untitled"
    head = abstract[:limit].rsplit(" ", 1)[0] if len(abstract) > limit else abstract
    return f"“{head}…”" if len(abstract) > limit else f"“{head}”"
