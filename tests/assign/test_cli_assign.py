"""`scholarlens assign` and `scholarlens conflicts` through the real CLI runner."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scholarlens.cli import app

from ..conftest import EXAMPLES

runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args])


@pytest.fixture
def seeded(seeded_db, tmp_path):
    copy = tmp_path / "s.db"
    shutil.copy(seeded_db, copy)
    return copy


def _authors_and_window_coauthors(store, paper_id: int, years: int, cap: int) -> tuple[set[int], set[int]]:
    """Independently of conflicts.py: the stored paper's authors (list + profile owners) and
    everyone who shares with one of them a paper inside the window with at most ``cap`` authors."""
    union = (
        "SELECT paper_id, person_id FROM authorships UNION SELECT s.paper_id, pr.owner_person_id FROM paper_sources s "
        "JOIN profiles pr ON pr.id = s.profile_id WHERE pr.owner_person_id IS NOT NULL AND pr.owner_status IN ('confirmed', 'inferred')"
    )
    rows = store.query(f"SELECT paper_id, person_id FROM ({union}) u")
    members: dict[int, set[int]] = {}
    for r in rows:
        members.setdefault(r["paper_id"], set()).add(r["person_id"])
    first = dt.date.today().year - years
    inside = {
        r["id"] for r in store.query("SELECT id, year, n_authors FROM papers")
        if (r["year"] is None or r["year"] >= first) and max(r["n_authors"], len(members.get(r["id"], ()))) <= cap
    }
    authors = members.get(paper_id, set())
    co = {p for pid in inside for p in members.get(pid, set()) if members[pid] & authors}
    return authors, co - authors


def test_the_seed_papers_never_go_to_their_authors_or_recent_coauthors(seeded, tmp_path):
    out = tmp_path / "out"
    result = run(seeded, "assign", "--submissions", str(EXAMPLES), "--out", str(out), "--json", "--per-paper", "3", "--max-load", "6")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    from scholarlens.stores import open_store

    store = open_store(str(seeded))
    checked = 0
    for paper in data["papers"]:
        stem, n = paper["paper_id"].rsplit("#", 1)
        row = store.one(
            "SELECT s.paper_id FROM paper_sources s JOIN profiles p ON p.id = s.profile_id WHERE p.source LIKE ? AND s.ordinal = ?",
            (f"%{stem}.txt", int(n) - 1),
        )
        authors, co = _authors_and_window_coauthors(store, row["paper_id"], 5, 25)
        assert len(paper["reviewers"]) == 3
        for r in paper["reviewers"]:
            assert int(r["reviewer_id"]) not in authors, (paper["title"], r)
            assert int(r["reviewer_id"]) not in co, (paper["title"], r)
            assert r["evidence"] and r["score"] > 0
            checked += 1
    store.close()
    assert checked == 3 * len(data["papers"]) and len(data["papers"]) >= 60
    loads: dict[str, int] = {}
    with (out / "assignments.csv").open() as fh:
        for row in csv.DictReader(fh):
            loads[row["reviewer_id"]] = loads.get(row["reviewer_id"], 0) + 1
    assert max(loads.values()) <= 6


@pytest.fixture
def small(tmp_path: Path):
    subs = {f"S{i}": {"id": f"S{i}", "content": {"title": f"Paper {i}", "abstract": "About matching.", "authors": ["Ann Lee"],
                                                "authorids": ["ann@alpha.edu"]}} for i in range(1, 4)}
    (tmp_path / "submissions.json").write_text(json.dumps(subs))
    (tmp_path / "reviewers.csv").write_text("name,email\nRita One,rita@beta.org\nSam Two,sam@alpha.edu\nTed Three,ted@gamma.org\nUma Four,uma@delta.org\n")
    rows = [f"S{i},{r},{0.1 * (i + j):.2f}" for i in range(1, 4) for j, r in enumerate(["Rita One", "Sam Two", "Ted Three", "Uma Four"])]
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_exports_for_openreview_cmt_and_csv(small, db_path):
    out = small / "out"
    result = run(db_path, "assign", "-s", str(small / "submissions.json"), "-r", str(small / "reviewers.csv"),
                 "--affinity", str(small / "scores.csv"), "--per-paper", "2", "--max-load", "2", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assigned = {(p["paper_id"], r["reviewer_id"]) for p in data["papers"] for r in p["reviewers"]}
    assert len(assigned) == 6 and not any(r == "Sam Two" for _, r in assigned)  # same e-mail domain as the author
    matcher = json.loads((out / "openreview" / "assignments.json").read_text())
    assert set(matcher) == {"S1", "S2", "S3"} and set(matcher["S1"][0]) == {"aggregate_score", "user"}
    edge = json.loads((out / "openreview" / "assignment_edges.jsonl").read_text().splitlines()[0])
    assert set(edge) == {"head", "tail", "weight", "label"}
    with (out / "openreview" / "constraints.csv").open() as fh:
        constraints = list(csv.reader(fh))
    assert sorted(constraints) == [[f"S{i}", "Sam Two", "-1"] for i in range(1, 4)]
    root = ET.parse(out / "cmt" / "assignments.xml").getroot()
    assert root.tag == "assignments"
    cmt = {(s.get("submissionId"), u.get("email")) for s in root for u in s}
    emails = {"Rita One": "rita@beta.org", "Ted Three": "ted@gamma.org", "Uma Four": "uma@delta.org"}
    assert cmt == {(p, emails[r]) for p, r in assigned}
    assert (out / "cmt" / "quotas.txt").read_text().splitlines()[0] == "# Email\tQuota"


def test_infeasible_input_says_what_to_change(small, db_path):
    result = run(db_path, "assign", "-s", str(small / "submissions.json"), "-r", str(small / "reviewers.csv"),
                 "--affinity", str(small / "scores.csv"), "--per-paper", "3", "--max-load", "1", "--out", str(small / "o"))
    assert result.exit_code == 1
    assert "total capacity 4" in result.output and "demand 9" in result.output
    assert "Traceback" not in result.output


def test_a_bad_loads_file_names_the_line(small, db_path):
    (small / "loads.csv").write_text("reviewer,max\nRita One,2\nSam Two,many\n")
    result = run(db_path, "assign", "-s", str(small / "submissions.json"), "-r", str(small / "reviewers.csv"),
                 "--affinity", str(small / "scores.csv"), "--loads", str(small / "loads.csv"), "--out", str(small / "o"))
    assert result.exit_code == 1 and "loads.csv" in result.output and "line 3" in result.output


def test_conflicts_command_lists_evidence(seeded):
    sub = Path(__file__).parent / "stiennon.json"
    result = run(seeded, "conflicts", "-s", str(sub), "--years", "10", "--hard-only", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = {c["reviewer_name"]: c for c in data["conflicts"]}
    assert names["Nisan Stiennon"]["kind"] == "same-person"
    assert names["Alec Radford"]["kind"] == "coauthor" and "profile owner" in names["Alec Radford"]["evidence"]["via"]
    assert all(c["strength"] == "hard" for c in data["conflicts"]) and data["policy"]["years"] == 10


def test_openreview_archives_as_reviewers_without_a_knowledge_base(tmp_path):
    examples = EXAMPLES.parent / "openreview"
    out = tmp_path / "out"
    result = run(tmp_path / "none.db", "assign", "-s", str(examples / "submissions.json"), "-r", str(examples / "archives"),
                 "--per-paper", "1", "--max-load", "2", "--objective", "fair", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["assigned"] == 3 and data["summary"]["fair_threshold"] is not None
    assert {r["reviewer_id"] for p in data["papers"] for r in p["reviewers"]} <= {"~Alec_Radford1", "~Luke_Metz1"}
    assert not (tmp_path / "none.db").exists()
    assert any("CMT files not written" in n for n in data["notes"])
