"""Docs can't drift: every CLI command has help text and is documented in the README."""

from __future__ import annotations

import typer.main

from scholarlens.cli import app
from scholarlens.formats import FORMATS

from .conftest import ROOT


def _commands():
    group = typer.main.get_command(app)
    return group.commands  # type: ignore[attr-defined]


def test_every_command_has_help():
    for name, cmd in _commands().items():
        assert (cmd.help or "").strip(), f"command {name} has no help"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in _commands() if f"scholarlens {name}" not in readme]
    assert not missing, f"README does not document: {missing}"


def test_every_format_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert not [f.name for f in FORMATS if f"`{f.name}`" not in readme]


def test_every_setting_is_in_the_readme():
    from scholarlens.settings import SETTINGS

    readme = (ROOT / "README.md").read_text()
    assert not [s.env for s in SETTINGS if s.env not in readme]


def test_the_readme_python_api_example_runs(monkeypatch):
    """The README's Python API example, executed as written (with the fast test encoder)."""
    import re

    from scholarlens.embeddings import get_encoder

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python API") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.setenv("SCHOLARLENS_MODEL", "hashing")
    monkeypatch.chdir(ROOT)
    getattr(get_encoder, "cache_clear", lambda: None)()
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["report"].totals()["added"] == 5
    assert len(scope["experts"]) == 3 and scope["experts"][0]["evidence"]
    assert all(r["conflict"]["reason"] == "author" for r in scope["reviewers"] if r["name"] == "Luke Metz")
    assert scope["who"]["candidates"][0]["name"] == "Luke Metz"
    assert scope["page"]["person"]["name"] == "Luke Metz"
    assert {r for _, r, _ in scope["scores"]} == {"~Luke_Metz1", "~Alec_Radford1"}
    assert scope["exported"] == 53 and scope["buffer"].getvalue().startswith("@")
