"""whois / person / similar through the real CLI: exit codes and the JSON contract."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from scholarlens.cli import app

from ..conftest import EXAMPLES
from .corpus import ABSTRACTS, record, write_abstracts, write_corpus

runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args])


def _corpus_db(tmp_path):
    db = tmp_path / "kb.db"
    recs = [record("tok", ["Ada Lovelace", "Bob Builder"]), record("rl", ["Ada Lovelace"]), record("graph", ["Gus Grant"])]
    assert run(db, "ingest", str(write_corpus(tmp_path / "c", recs))).exit_code == 0
    return db


def test_whois_json_contract(tmp_path):
    db = _corpus_db(tmp_path)
    prof = write_abstracts(tmp_path / "a.txt", [ABSTRACTS["tok"], ABSTRACTS["rl"]])
    result = run(db, "whois", str(prof), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"status", "declared_name", "declared_name_supported", "candidates"} <= set(data)
    best = data["candidates"][0]
    assert {"name", "person_id", "confidence", "matched_papers", "evidence"} <= set(best)
    assert best["name"] == "Ada Lovelace" and data["status"] == "identified"


def test_whois_table_and_stored_profile_id(tmp_path):
    db = tmp_path / "kb.db"
    assert run(db, "ingest", str(EXAMPLES)).exit_code == 0
    result = run(db, "whois", str(EXAMPLES / "000_d4147f0f138fd69a.txt"))
    assert result.exit_code == 0, result.output
    assert "ambiguous" in result.output and "authors" in result.output
    pid = json.loads(run(db, "profiles", "--json").stdout)[0]["id"]
    by_id = run(db, "whois", pid[:10], "--json")
    assert by_id.exit_code == 0 and json.loads(by_id.stdout)["profile"]["stored_as"] == [pid]


def test_whois_of_a_missing_profile_fails_cleanly(tmp_path):
    db = _corpus_db(tmp_path)
    result = run(db, "whois", "nope-not-a-profile")
    assert result.exit_code == 1 and "no profile matches 'nope-not-a-profile'" in result.output


def test_person_and_similar_json(tmp_path):
    db = _corpus_db(tmp_path)
    person = run(db, "person", "Ada Lovelace", "--json")
    assert person.exit_code == 0, person.output
    view = json.loads(person.stdout)
    assert view["person"]["name"] == "Ada Lovelace" and {"papers_by_year", "topics", "coauthors", "organisations", "similar"} <= set(view)
    assert run(db, "person", "Ada Lovelace").exit_code == 0
    sim = run(db, "similar", "Ada Lovelace", "--json")
    assert sim.exit_code == 0 and all({"person_id", "name", "score", "evidence", "coauthor"} <= set(r) for r in json.loads(sim.stdout))
    prof = write_abstracts(tmp_path / "care.txt", [ABSTRACTS["graph"]])
    by_file = run(db, "similar", str(prof), "--json")
    assert by_file.exit_code == 0 and json.loads(by_file.stdout)[0]["name"] == "Gus Grant"
    assert run(db, "similar", "Ada Lovelace").exit_code == 0


def test_person_unknown_exits_1(tmp_path):
    db = _corpus_db(tmp_path)
    result = run(db, "person", "Nobody Atall")
    assert result.exit_code == 1 and "no person" in result.output
