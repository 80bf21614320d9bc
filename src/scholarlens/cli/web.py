"""``scholarlens serve``: the web UI and HTTP API (needs the ``scholarlens[web]`` extra)."""

from __future__ import annotations

import ipaddress

import typer
from rich.markup import escape

from .. import settings
from ._common import app, fail, open_kb


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default; others expose the server)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    allow_writes: bool = typer.Option(
        False, "--allow-writes", help="Allow ingest from the browser/API without a token (only sensible on loopback)."
    ),
    data_dir: str = typer.Option(None, "--data-dir", help="Where uploaded files are kept (default: <db>.uploads beside the database)."),
    max_upload_mb: int = typer.Option(
        None, "--max-upload-mb", min=1, help="Largest request body accepted, in MiB (default: setting web_max_upload_mb, 32)."
    ),
    open_browser: bool = typer.Option(False, "--open", help="Open the app in a web browser once it is up."),
) -> None:
    """Serve the web UI and JSON API (token for writes: SCHOLARLENS_TOKEN)."""
    try:
        import uvicorn

        from ..web import create_app
    except ImportError as exc:
        # fail() prints Rich markup: escape the brackets of the extra's name.
        fail(
            escape(f"the web server needs the web extra ({exc.name} is missing): install scholarlens[web]"),
            hint=escape('pip install "scholarlens[web]"'),
        )
        return
    token = settings.get("token")
    loopback = _is_loopback(host)
    if allow_writes and not token and not loopback:
        fail(
            f"--allow-writes without a token would let anyone who reaches {host} write",
            hint="set SCHOLARLENS_TOKEN, or bind to 127.0.0.1",
        )
    kb = open_kb(create=True)
    hosts = None if loopback else ["*"]
    web_app = create_app(
        kb, allow_writes=allow_writes, token=token, data_dir=data_dir, max_body=max_upload_mb * 1024 * 1024 if max_upload_mb else None, allowed_hosts=hosts
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    writes = "token required" if token else ("open" if allow_writes else "off")
    typer.echo(f"ScholarLens on {url} (writes: {writes}; Ctrl+C stops)", err=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        kb.close()
