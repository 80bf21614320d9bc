"""Errors → responses: ``application/problem+json`` (RFC 9457) under ``/api``, an error page elsewhere.

Domain errors map by class (:data:`ERROR_STATUS`); a limit of this server
(:class:`LimitExceeded`) names the setting that sets it; a database refusing a write (a
read-only file) is one line, never a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from .security import WriteDenied

log = logging.getLogger("scholarlens")

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


class LimitExceeded(Exception):
    """A request went over one of this server's limits; ``limit`` is the setting's variable."""

    def __init__(self, status: int, title: str, detail: str, limit: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.limit = limit


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


def error_response(request: Request, status: int, title: str, detail: str, **extra: Any) -> Response:
    """problem+json for the API, the error page for the HTML front end."""
    if _wants_json(request):
        return problem(status, detail, request, title=title, **extra)
    ctx = request.app.state.ctx
    return ctx.render(request, "error.html", status_code=status, status=status, title=title, detail=detail)  # type: ignore[no-any-return]


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScholarLensError)
    status, title = next((s, t) for cls, s, t in ERROR_STATUS if isinstance(exc, cls))
    if status >= 500:
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    extra: dict[str, Any] = {"error": type(exc).__name__}
    if isinstance(exc, ParseError):
        extra.update({k: v for k, v in exc.to_dict().items() if k not in ("error", "message")})
    return error_response(request, status, title, str(exc), **extra)


async def _write_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WriteDenied)
    title = "Writes not allowed" if exc.status == 403 else "Token required"
    return error_response(request, exc.status, title, exc.message)


async def _limit(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LimitExceeded)
    response = error_response(request, exc.status, exc.title, exc.detail, limit=exc.limit)
    if exc.status == 503:
        response.headers["retry-after"] = "5"
    return response


def _read_only(exc: Exception) -> bool:
    return "readonly" in str(exc).replace("-", "").replace(" ", "").lower()


def database_error_text(exc: Exception) -> str:
    """One line saying what the database refused (a read-only file, a locked or full disk...)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    detail = f"the database refused the operation: {text}"
    if _read_only(exc):
        detail += " (the database file or its folder is read-only: serve a writable copy, or keep the server read-only)"
    return detail


async def _database(request: Request, exc: Exception) -> Response:
    detail = database_error_text(exc)
    log.error("database error on %s: %s", request.url.path, detail)
    return error_response(request, 503 if _read_only(exc) else 500, "Store error", detail, error="StoreError")


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(map(str, e.get("loc", ()))), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0] if e['loc'] else 'request'}: {e['msg']}" for e in errors)
    return error_response(request, 422, "Invalid request", detail or "invalid request", errors=errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    response = error_response(request, exc.status_code, HTTPStatus(exc.status_code).phrase, detail)
    for k, v in (exc.headers or {}).items():
        response.headers[k] = v
    return response


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error_response(request, 500, "Internal Server Error", "the server hit an unexpected error; see its log")


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(ScholarLensError, _domain_error)
    app.add_exception_handler(WriteDenied, _write_denied)
    app.add_exception_handler(LimitExceeded, _limit)
    app.add_exception_handler(sqlite3.DatabaseError, _database)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _crash)
