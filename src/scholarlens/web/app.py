"""The application factory: one :class:`KnowledgeBase`, JSON API under ``/api``, pages elsewhere.

Design: server-rendered Jinja2 pages enhanced with htmx (vendored 2.0.x) and Vega-Lite charts
(vendored vega/vega-lite/vega-embed). Every page works as plain HTML forms and links; htmx only
swaps the result region in place and polls ingest progress. No build step, no CDN, one
language for the whole front end, and the same core calls as the JSON API.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..errors import (
    InputError,
    ModelError,
    NotFoundError,
    ParseError,
    QueryError,
    ScholarLensError,
    StoreError,
    UnknownFormatError,
)
from ..kb import KnowledgeBase
from .jobs import JobRunner
from .security import BodyLimitMiddleware, Guard, SecurityHeadersMiddleware, WriteDenied

log = logging.getLogger("scholarlens")
HERE = Path(__file__).parent
DEFAULT_MAX_BODY = 32 * 1024 * 1024
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]", "testserver"]

#: Held around the core calls that may write (expert search, whois and person views fill the
#: embedding cache). The store's transaction bookkeeping is per store object, not per thread,
#: so two threads must not be inside ``store.transaction()`` of the same store at once.
CORE_LOCK = threading.RLock()

#: Domain errors → (HTTP status, short title). Order matters: the first matching class wins.
ERROR_STATUS: tuple[tuple[type[ScholarLensError], int, str], ...] = (
    (ParseError, 422, "Unparseable input"),
    (UnknownFormatError, 422, "Unknown format"),
    (QueryError, 400, "Bad query"),
    (InputError, 400, "Bad input"),
    (NotFoundError, 404, "Not found"),
    (ModelError, 503, "Model unavailable"),
    (StoreError, 500, "Store error"),
    (ScholarLensError, 500, "Error"),
)


@dataclass
class WebContext:
    """What every route needs, hung on ``app.state.ctx``."""

    kb: KnowledgeBase
    guard: Guard
    data_dir: Path
    jobs: JobRunner
    env: jinja2.Environment
    max_body: int

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


def problem(status: int, detail: str, request: Request, title: str | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 ``application/problem+json`` response."""
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error_response(request: Request, status: int, title: str, detail: str, **extra: Any) -> Response:
    if _wants_json(request):
        return problem(status, detail, request, title=title, **extra)
    ctx = ctx_of(request)
    return ctx.render(request, "error.html", status_code=status, status=status, title=title, detail=detail)


def _make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value from a profile is untrusted text
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: f"{100 * float(x or 0):.0f}%"
    env.filters["num"] = lambda x, d=2: f"{float(x):.{d}f}" if x is not None else "–"
    env.filters["label"] = paper_label
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


def _default_data_dir(kb: KnowledgeBase) -> Path | None:
    path = getattr(kb.store, "path", None)
    if path and path != ":memory:":
        p = Path(path).resolve()
        return p.parent / (p.name + ".uploads")
    return None


def create_app(
    kb: KnowledgeBase | str | Path | None = None,
    *,
    allow_writes: bool = False,
    token: str | None = None,
    data_dir: str | Path | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """A FastAPI app over ``kb`` (a :class:`KnowledgeBase`, a database path, or None for the default).

    Writes are off unless ``allow_writes`` or a ``token`` is given; with a token, writes need it.
    Uploads for ingest are stored under ``data_dir`` (default: ``<db>.uploads`` beside the
    database); uploads for *whois* and *reviewers* are parsed in memory and never stored.
    """
    own_kb = not isinstance(kb, KnowledgeBase)
    knowledge = kb if isinstance(kb, KnowledgeBase) else KnowledgeBase(kb)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if data_dir is None:
        data_dir = _default_data_dir(knowledge)
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="scholarlens-uploads-")
        data_dir = tmp.name
    data_path = Path(data_dir).resolve()
    # Ingest jobs write through a store object of their own (its own connection and
    # transaction state), so searches keep running, on WAL snapshots, while a job writes.
    db_file = getattr(knowledge.store, "path", None)
    separate = knowledge.store.dialect == "sqlite" and db_file not in (None, ":memory:")
    writer = KnowledgeBase(db_file) if separate else knowledge
    jobs = JobRunner(writer, data_path / "uploads", lock=None if separate else CORE_LOCK)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
    app.state.ctx = WebContext(
        kb=knowledge,
        guard=Guard(allow_writes=allow_writes, token=token),
        data_dir=data_path,
        jobs=jobs,
        env=_make_env(),
        max_body=max_body,
    )

    @app.exception_handler(ScholarLensError)
    async def _domain_error(request: Request, exc: ScholarLensError) -> Response:
        status, title = next((s, t) for cls, s, t in ERROR_STATUS if isinstance(exc, cls))
        if status >= 500:
            log.exception("%s on %s", type(exc).__name__, request.url.path, exc_info=exc)
        extra: dict[str, Any] = {"error": type(exc).__name__}
        if isinstance(exc, ParseError):
            extra.update({k: v for k, v in exc.to_dict().items() if k not in ("error", "message")})
        return _error_response(request, status, title, str(exc), **extra)

    @app.exception_handler(WriteDenied)
    async def _write_denied(request: Request, exc: WriteDenied) -> Response:
        return _error_response(request, exc.status, "Writes not allowed" if exc.status == 403 else "Token required", exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(map(str, e.get("loc", ()))), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0] if e['loc'] else 'request'}: {e['msg']}" for e in errors)
        return _error_response(request, 422, "Invalid request", detail or "invalid request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path}"
        response = _error_response(request, exc.status_code, HTTPStatus(exc.status_code).phrase, detail)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return _error_response(request, 500, "Internal Server Error", "the server hit an unexpected error; see its log")

    from . import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Outermost last: headers on every response, then size limits, then the Host check
    # (a DNS-rebinding page cannot talk to a server bound to 127.0.0.1).
    app.add_middleware(BodyLimitMiddleware, max_body=max_body)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("scholarlens")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "0"
