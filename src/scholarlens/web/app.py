"""The application factory: one :class:`KnowledgeBase`, JSON API under ``/api``, pages elsewhere.

Design: server-rendered Jinja2 pages enhanced with htmx (vendored 2.0.x) and Vega-Lite charts
(vendored vega/vega-lite/vega-embed). Every page works as plain HTML forms and links; htmx only
swaps the result region in place and polls ingest progress. No build step, no CDN, one
language for the whole front end, and the same core calls as the JSON API.

Shared state lives in :mod:`.context`, error mapping in :mod:`.problems`; this module only
assembles them.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..kb import KnowledgeBase
from . import api, pages, problems
from .context import HERE, Limits, WebContext, make_env
from .jobs import JobRunner
from .security import BodyLimitMiddleware, Guard, SecurityHeadersMiddleware

#: Host headers a loopback server answers (anything else may be a DNS-rebinding page). Tests
#: use one of these explicitly; ``testserver`` is not among them.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def _default_data_dir(kb: KnowledgeBase) -> Path | None:
    path = getattr(kb.store, "path", None)
    if path and path != ":memory:" and not str(path).startswith(("postgresql://", "postgres://")):
        p = Path(path).resolve()
        return p.parent / (p.name + ".uploads")
    return None


def _writer(knowledge: KnowledgeBase) -> KnowledgeBase:
    """The knowledge base ingest jobs write through: a store object of its own for a SQLite
    file (its own connections), so queries keep running on WAL snapshots while a job writes."""
    db_file = getattr(knowledge.store, "path", None)
    if knowledge.store.dialect == "sqlite" and db_file not in (None, ":memory:"):
        return KnowledgeBase(db_file)
    return knowledge


def _serial(knowledge: KnowledgeBase) -> AbstractContextManager[Any]:
    """A lock only where every thread shares one connection (an in-memory or given SQLite
    connection); file and PostgreSQL stores give each thread its own."""
    shared = knowledge.store.dialect == "sqlite" and getattr(knowledge.store, "path", None) == ":memory:"
    return threading.RLock() if shared else nullcontext()


def create_app(
    kb: KnowledgeBase | str | Path | None = None,
    *,
    allow_writes: bool = False,
    token: str | None = None,
    data_dir: str | Path | None = None,
    max_body: int | None = None,
    allowed_hosts: list[str] | None = None,
    limits: Limits | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """A FastAPI app over ``kb`` (a :class:`KnowledgeBase`, a database path, or None for the default).

    Writes are off unless ``allow_writes`` or a ``token`` is given; with a token, writes need it.
    Uploads for ingest are stored under ``data_dir`` (default: ``<db>.uploads`` beside the
    database); uploads for *whois* and *reviewers* are parsed in memory and never stored.
    Per-request limits come from ``limits`` (default: the ``SCHOLARLENS_WEB_*`` settings;
    ``max_body`` overrides the upload size). With ``warm_up``, the model is loaded and papers
    not embedded yet are embedded in the background as the server starts.
    """
    own_kb = not isinstance(kb, KnowledgeBase)
    knowledge = kb if isinstance(kb, KnowledgeBase) else KnowledgeBase(kb)
    tmp = None if data_dir or _default_data_dir(knowledge) else tempfile.TemporaryDirectory(prefix="scholarlens-uploads-")
    data_path = Path(data_dir or _default_data_dir(knowledge) or tmp.name).resolve()  # type: ignore[union-attr]
    writer = _writer(knowledge)
    serial = _serial(knowledge)
    limits = limits or Limits.from_settings(max_body)
    jobs = JobRunner(writer, data_path / "uploads", lock=serial, reader=knowledge)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            jobs.warm_up()
        yield
        jobs.shutdown()
        if writer is not knowledge:
            writer.close()
        if own_kb:
            knowledge.close()
        if tmp is not None:
            tmp.cleanup()

    app = FastAPI(
        title="ScholarLens",
        summary="Who knows about X, who should review this paper, who wrote these abstracts.",
        version=_version(),
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's Swagger/ReDoc pages load from a CDN; /api lists the routes instead
        redoc_url=None,
        lifespan=lifespan,
    )
    guard = Guard(allow_writes=allow_writes, token=token)
    app.state.ctx = WebContext(knowledge, guard, data_path, jobs, make_env(), limits, serial)
    jobs.foreground = app.state.ctx.busy  # the warm-up pauses while a request computes
    problems.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Outermost last: headers on every response, then size limits, then the Host check
    # (a DNS-rebinding page cannot talk to a server bound to 127.0.0.1).
    app.add_middleware(BodyLimitMiddleware, max_body=limits.max_body)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("scholarlens")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "0"
