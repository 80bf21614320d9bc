"""The CLI's rough edges: no database conjured from nothing, "did you mean", readable help."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scholarlens.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "profiles"
runner = CliRunner()


def run(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args], env={"SCHOLARLENS_MODEL": "hashing"})


def test_a_query_in_an_empty_folder_does_not_create_a_database(tmp_path: Path) -> None:
    db = tmp_path / "nothing.db"
    for args in (["experts", "graph neural networks"], ["papers"], ["person", "Ada"], ["summary"]):
        result = run(db, *args)
        assert result.exit_code == 1, args
        assert f"no knowledge base at {db}" in result.output and "ingest" in result.output
    assert not db.exists()


def test_unknown_people_and_profiles_get_a_did_you_mean(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    assert run(db, "ingest", str(EXAMPLES)).exit_code == 0
    surname = run(db, "person", "Radford")
    assert surname.exit_code == 1 and "did you mean 'Alec Radford'?" in surname.output
    typo = run(db, "person", "Alek Radfrod")
    assert typo.exit_code == 1 and "did you mean 'Alec Radford'?" in typo.output
    profile = run(db, "show", "0001_b3b0f")
    assert profile.exit_code == 1 and "did you mean '001_b3b0fc69b9f7759d.txt'?" in profile.output
    hint = run(db, "person", "Zzyzx Qwerty")
    assert hint.exit_code == 1 and "did you mean" not in hint.output and "people -q NAME" in hint.output


def test_help_shows_no_type_next_to_flags() -> None:
    result = runner.invoke(app, ["experts", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "--json" in result.output and "<bool>" not in result.output and "<int>" in result.output


def test_loading_the_model_prints_nothing_of_its_own(tmp_path: Path) -> None:
    """The bundled model loads without a "Loading weights" bar on stderr; stdout is only the JSON."""
    import json
    import os
    import subprocess
    import sys

    db = tmp_path / "kb.db"
    assert run(db, "ingest", str(EXAMPLES / "001_b3b0fc69b9f7759d.txt")).exit_code == 0
    env = {**os.environ, "SCHOLARLENS_MODEL": "minilm"}
    cmd = [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db), "experts", "evolution strategies", "-n", "2", "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert [r["rank"] for r in json.loads(out.stdout)] == [1, 2]
    assert "Loading weights" not in out.stderr and "it/s" not in out.stderr
