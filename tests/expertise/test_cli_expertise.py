from __future__ import annotations

import json

from typer.testing import CliRunner

from scholarlens.cli import app


def _run(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args])


def test_experts_prints_a_table_with_evidence(seeded_kb):
    res = _run(
        seeded_kb.store.path, "experts", "learned optimizers", "--limit", "3", "--model", "hashing"
    )
    assert res.exit_code == 0, res.output
    assert "score" in res.output and "Method top3" in res.output


def test_experts_json_follows_the_api(seeded_kb):
    res = _run(
        seeded_kb.store.path,
        "experts",
        "speech recognition",
        "-n",
        "4",
        "--json",
        "--model",
        "hashing",
        "--method",
        "max",
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == 4 and rows[0]["rank"] == 1 and "Method max" in rows[0]["explanation"]


def test_experts_empty_query_fails_with_one_line(seeded_kb):
    res = _run(seeded_kb.store.path, "experts", " ", "--model", "hashing")
    assert res.exit_code == 1 and "query is empty" in res.output


def test_unknown_method_fails_cleanly(seeded_kb):
    res = _run(seeded_kb.store.path, "experts", "gans", "--model", "hashing", "--method", "nope")
    assert res.exit_code == 1 and "unknown method" in res.output


def test_reviewers_reads_plain_text_and_marks_conflicts(seeded_kb, tmp_path):
    p = next(p for p in seeded_kb.papers() if len(p["authors"]) == 3 and p["abstract"])
    sub = tmp_path / "submission.txt"
    sub.write_text(p["title"] + "\n" + p["abstract"] + "\n")
    res = _run(
        seeded_kb.store.path,
        "reviewers",
        str(sub),
        "--author",
        p["authors"][0],
        "-n",
        "60",
        "--json",
        "--model",
        "hashing",
    )
    assert res.exit_code == 0, res.output
    marked = {r["name"]: r["conflict"]["reason"] for r in json.loads(res.output) if r["conflict"]}
    assert marked[p["authors"][0]] == "author" and marked[p["authors"][1]] == "coauthor"


def test_reviewers_missing_file_fails_cleanly(seeded_kb, tmp_path):
    res = _run(seeded_kb.store.path, "reviewers", str(tmp_path / "nope.txt"), "--model", "hashing")
    assert res.exit_code == 1 and "no such file" in res.output
