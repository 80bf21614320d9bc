"""The foundation CLI through Typer's runner: exit codes, tables and the JSON contract."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scholarlens.cli import app

from ..conftest import EXAMPLES

runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args])


@pytest.fixture
def seeded(seeded_db, tmp_path):
    import shutil

    copy = tmp_path / "s.db"
    shutil.copy(seeded_db, copy)
    return copy


def test_ingest_reports_each_file_and_totals(db_path):
    result = run(db_path, "ingest", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.output.count("added") >= 5
    assert "53 papers" in result.output


def test_ingest_json_is_an_object_with_per_file_status(db_path):
    result = run(db_path, "ingest", str(EXAMPLES / "000_d4147f0f138fd69a.txt"), "--json")
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["totals"]["added"] == 1
    assert data["files"][0]["status"] == "added" and data["files"][0]["new_papers"] == 10
    again = json.loads(run(db_path, "ingest", str(EXAMPLES / "000_d4147f0f138fd69a.txt"), "--json").stdout)
    assert again["files"][0]["status"] == "unchanged"


def test_bad_file_exits_1_naming_file_and_line(db_path, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Doe, Jane\nA title\nNot an author line.\n")
    result = run(db_path, "ingest", str(bad))
    assert result.exit_code == 1
    assert "bad.txt, line 3" in result.output and "expected" in result.output


def test_unknown_format_name_is_refused(db_path):
    result = run(db_path, "ingest", "--format", "nope", str(EXAMPLES))
    assert result.exit_code == 1
    assert result.output.count("unknown format 'nope'") == 1 and "choose one of: arxiv-profile" in result.output


def test_papers_json_contract(seeded):
    data = json.loads(run(seeded, "papers", "--json").stdout)
    assert len(data) == 53
    for key in ("id", "title", "abstract", "year", "authors", "profiles", "sources"):
        assert key in data[0]
    card = next(p for p in data if p["title"] == "GPT-4o System Card")
    assert len(card["profiles"]) == 5 and len(card["authors"]) > 400


def test_profiles_json_contract(seeded):
    data = json.loads(run(seeded, "profiles", "--json").stdout)
    assert [p["papers"] for p in data] == [10, 10, 25, 10, 9]
    for p in data:
        assert {"id", "declared_name", "owner", "owner_status", "format", "source", "papers"} <= set(p)
    radford = data[2]
    assert radford["owner"]["name"] == "Alec Radford" and isinstance(radford["owner"]["confidence"], float)


def test_show_by_file_prefix_and_people_search(seeded):
    result = run(seeded, "show", "001")
    assert result.exit_code == 0 and "Luke Metz" in result.output
    people = json.loads(run(seeded, "people", "-q", "Quiñonero", "--json").stdout)
    assert [p["name"] for p in people] == ["Joaquin Quiñonero Candela"]


def test_show_unknown_profile_is_a_clear_error(seeded):
    result = run(seeded, "show", "zzzz")
    assert result.exit_code == 1 and "no profile matches" in result.output


def test_summary_lists_owners(seeded):
    result = run(seeded, "summary")
    assert result.exit_code == 0
    assert "53 unique papers" in result.output and "Alec Radford" in result.output and "Luke Metz" in result.output
