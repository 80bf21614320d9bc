"""`scholarlens index` and the index line of `summary`, through the real CLI runner."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from scholarlens.cli import app
from scholarlens.kb import KnowledgeBase

from ..conftest import SEEDS

runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args])


def test_index_builds_then_follows_ingest(seeded_db, tmp_path):
    db = tmp_path / "s.db"
    shutil.copy(seeded_db, db)
    out = run(db, "summary")
    assert out.exit_code == 0, out.output
    assert "index: not built yet" in out.output
    out = run(db, "index", "--json")
    assert out.exit_code == 0, out.output
    status = json.loads(out.stdout)
    assert status["built"] and status["papers"] == 53 and status["stale_papers"] == 0
    assert status["models"] == ["hashing-256"] and (tmp_path / "s.db.index" / "meta.json").is_file()
    with KnowledgeBase(db) as kb:
        profile = next(p for p in kb.profiles() if p["source"].endswith(SEEDS[1].name))
        kb.remove_profile(profile["id"])
        papers = kb.count("papers")
    index = json.loads(run(db, "summary", "--json").stdout)["index"]
    assert index["stale_papers"] > 0
    assert "changed papers to apply" in run(db, "summary").output
    out = run(db, "index")
    assert out.exit_code == 0 and "up to date" in out.output and f"{papers} papers" in out.output, (
        out.output
    )
    out = run(db, "index", "--rebuild", "--json")
    assert json.loads(out.stdout)["stale_papers"] == 0


def test_index_without_a_database_is_one_clear_error(tmp_path):
    out = run(tmp_path / "none.db", "index")
    assert out.exit_code == 1 and "no knowledge base" in out.output
