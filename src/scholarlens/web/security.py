"""What keeps the web front end safe: write permission, body limits, headers, upload names.

* Writes (ingest, delete) are off unless the server was started with ``allow_writes`` or a
  token; with a token every write must carry it (``Authorization: Bearer …`` for the API, or
  the cookie the ``/login`` page sets for the browser).
* Request bodies above a limit are refused with 413 before they are read in full.
* Every response carries a Content-Security-Policy without inline scripts or ``eval``: even
  if some profile text escaped the templates' autoescaping it could not run.
* Uploaded file names are reduced to a safe basename inside the data directory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "scholarlens_session"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class WriteDenied(Exception):
    """A write was asked for and is not allowed (``status`` 401 or 403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Guard:
    """Who may write: decided once from the server's flags and token."""

    def __init__(self, allow_writes: bool = False, token: str | None = None) -> None:
        self.allow_writes = allow_writes
        self.token = token or None

    @property
    def writes_enabled(self) -> bool:
        return self.allow_writes or self.token is not None

    @property
    def needs_token(self) -> bool:
        return self.token is not None

    def session_value(self) -> str:
        """Cookie value: an HMAC of the token, so the token itself never sits in the browser."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"scholarlens-session", hashlib.sha256).hexdigest()

    def token_ok(self, given: str | None) -> bool:
        return self.token is not None and given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def authorised(self, headers: Any, cookies: dict[str, str]) -> bool:
        """True when this request may write."""
        if not self.writes_enabled:
            return False
        if self.token is None:
            return True
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and self.token_ok(auth[7:].strip()):
            return True
        if self.token_ok(headers.get("x-scholarlens-token")):
            return True
        cookie = cookies.get(COOKIE)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.session_value().encode())

    def check(self, headers: Any, cookies: dict[str, str]) -> None:
        """Raise :class:`WriteDenied` unless this request may write."""
        if not self.writes_enabled:
            raise WriteDenied(
                403,
                "writes are disabled on this server; start it with --allow-writes or set SCHOLARLENS_TOKEN",
            )
        if not self.authorised(headers, cookies):
            raise WriteDenied(401, "this server needs its token for writes (Authorization: Bearer TOKEN, or log in)")


def same_origin(headers: Any) -> bool:
    """False when a browser says the request comes from another site (CSRF defence).

    Requests without an ``Origin`` header (curl, scripts, old browsers on GET forms) pass:
    they carry no ambient browser credentials that another site could abuse, and the session
    cookie is ``SameSite=Strict`` besides.
    """
    origin = headers.get("origin")
    if not origin:
        return True
    host = headers.get("host", "")
    return re.sub(r"^[a-z]+://", "", origin.lower()).rstrip("/") == host.lower()


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str | None, default: str = "upload.txt") -> str:
    """A basename made of ``[A-Za-z0-9._-]``, no leading dot, at most 100 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _SAFE.sub("_", base).lstrip("._-")[:100]
    return base or default


def write_upload(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/safe(name)``, never following a link, never outside it,
    never over another upload: a name taken by different bytes gets a ``-2``, ``-3``… suffix
    (the same bytes under the same name are the same upload, kept once)."""
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    safe = safe_filename(name)
    stem, dot, ext = safe.rpartition(".") if "." in safe else (safe, "", "")
    for n in range(1, 10_000):
        candidate = safe if n == 1 else f"{stem}-{n}{dot}{ext}"
        dest = (root / candidate).resolve()
        if dest.parent != root:  # pragma: no cover - safe_filename already prevents it
            raise ValueError(f"refusing to write {name!r} outside {root}")
        if dest.is_symlink() or (dest.exists() and not dest.is_file()):
            continue  # not ours to touch
        if dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
            return dest
        if _create_exclusive(root, dest, data):
            return dest
    raise ValueError(f"too many uploads named {safe!r} in {root}")


def _create_exclusive(root: Path, dest: Path, data: bytes) -> bool:
    """Write ``data`` to a private temporary file, then link it to ``dest`` only if that name
    is still free (atomic: a concurrent writer of the same name gets False, nothing is lost)."""
    tmp = root / f".{dest.name}.{uuid.uuid4().hex}.part"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.link(tmp, dest)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def problem_bytes(status: int, title: str, detail: str, instance: str) -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance}
    ).encode()


class BodyLimitMiddleware:
    """Refuse request bodies above ``max_body`` bytes with 413, counting what is streamed."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"request body larger than {self.max_body} bytes"
        if scope["path"].startswith("/api/"):
            body, ctype = problem_bytes(413, "Payload Too Large", detail, scope["path"]), b"application/problem+json"
        else:
            html = f'<!doctype html><title>Too large</title><div id="results"><p class="problem">{detail}</p></div>'
            body, ctype = html.encode(), b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    too_big = int(value) > self.max_body
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, send)
                    return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's own error response for the aborted read is replaced below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, send)


class _BodyTooLarge(Exception):
    pass


class SecurityHeadersMiddleware:
    """Add the CSP and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
