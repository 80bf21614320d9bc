"""``scholarlens serve``: defaults, the write guard for exposed hosts, the missing-extra message."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scholarlens.cli import app

runner = CliRunner()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace uvicorn.run: record what the command would serve instead of serving it."""
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app_: Any, **kwargs: Any) -> None:
        seen.update(kwargs, app=app_)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("SCHOLARLENS_TOKEN", raising=False)
    return seen


def test_serve_binds_to_loopback_with_writes_off_by_default(captured: dict[str, Any], web_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(web_db), "serve"])
    assert result.exit_code == 0, result.output
    assert captured["host"] == "127.0.0.1" and captured["port"] == 8000
    assert captured["app"].state.ctx.guard.writes_enabled is False
    assert "writes: off" in result.output


def test_serve_reads_the_token_from_the_environment(captured: dict[str, Any], web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOLARLENS_TOKEN", "tok")
    result = runner.invoke(app, ["--db", str(web_db), "serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert captured["port"] == 8123
    assert captured["app"].state.ctx.guard.needs_token is True
    assert "token required" in result.output


def test_open_writes_on_an_exposed_host_are_refused(captured: dict[str, Any], web_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(web_db), "serve", "--host", "0.0.0.0", "--allow-writes"])
    assert result.exit_code == 1
    assert "SCHOLARLENS_TOKEN" in result.output
    assert not captured


def test_serve_without_the_web_extra_says_what_to_install(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails like a missing package
    result = runner.invoke(app, ["--db", str(web_db), "serve"])
    assert result.exit_code == 1
    assert "install scholarlens[web]" in result.output


def test_the_core_does_not_import_the_web_stack() -> None:
    import subprocess

    code = (
        "import sys, scholarlens.kb, scholarlens.expertise, scholarlens.whois, scholarlens.similar, scholarlens.person, scholarlens.affinity, scholarlens.catalog, scholarlens.cli; "
        "bad = [m for m in ('fastapi', 'starlette', 'jinja2', 'uvicorn') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
