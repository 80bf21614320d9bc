from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scholarlens.affinity import affinity_scores, read_archives
from scholarlens.catalog import paper_text
from scholarlens.cli import app
from scholarlens.errors import InputError, ParseError
from scholarlens.formats import parse_file

from .conftest import paper, write_archive


@pytest.fixture
def batch(tmp_path):
    arch = tmp_path / "archives"
    write_archive(
        arch,
        "alice",
        [
            paper(
                "a1",
                "Graph neural networks for molecules",
                "Message passing networks predict molecular properties.",
            ),
            paper("a2", "Graph attention networks", "Attention over graph neighbourhoods."),
        ],
    )
    write_archive(
        arch,
        "bob",
        [
            paper(
                "b1",
                "Speech recognition with transformers",
                "Acoustic models for speech recognition.",
            ),
            paper(
                "a1",
                "Graph neural networks for molecules",
                "Message passing networks predict molecular properties.",
            ),
        ],
    )
    subs = tmp_path / "submissions.json"
    subs.write_text(
        json.dumps(
            {
                "s1": {
                    "id": "s1",
                    "content": {
                        "title": "Molecular graph networks",
                        "abstract": "Message passing on molecular graphs.",
                    },
                },
                "s2": {
                    "id": "s2",
                    "content": {
                        "title": "Speech recognition",
                        "abstract": "Transformers for speech recognition.",
                    },
                },
            }
        )
    )
    return arch, subs


def test_every_submission_reviewer_pair_gets_a_score(batch, encoder):
    arch, subs = batch
    rows = affinity_scores(arch, subs, encoder=encoder)
    assert sorted((p, r) for p, r, _ in rows) == [
        ("s1", "~alice"),
        ("s1", "~bob"),
        ("s2", "~alice"),
        ("s2", "~bob"),
    ]
    score = {(p, r): s for p, r, s in rows}
    assert score["s1", "~alice"] > score["s2", "~alice"]
    assert score["s2", "~bob"] > score["s2", "~alice"]


def test_a_reviewer_without_usable_papers_gets_no_scores_and_a_warning(batch, encoder, caplog):
    arch, subs = batch
    write_archive(arch, "carol", [paper("c1", "", ""), {"id": "c2", "content": {}}])
    with caplog.at_level(logging.WARNING, logger="scholarlens"):
        rows = affinity_scores(arch, subs, encoder=encoder)
    assert "~carol" not in {r for _, r, _ in rows}
    assert any("~carol" in m and "no usable papers" in m for m in caplog.messages)


def test_malformed_archive_line_names_file_and_line(batch, encoder):
    arch, subs = batch
    path = write_archive(arch, "dave", [paper("d1", "Fine", "ok")])
    path.write_text(path.read_text() + '{"id": "d2", "content": {"title": \n')
    with pytest.raises(ParseError) as err:
        affinity_scores(arch, subs, encoder=encoder)
    assert err.value.line == 2 and err.value.source.endswith("~dave.jsonl")
    assert "~dave.jsonl, line 2" in str(err.value)


def test_duplicated_submission_ids_are_a_parse_error(batch, encoder):
    arch, subs = batch
    subs.write_text(
        '{"s1": {"id": "s1", "content": {"title": "A"}}, "s1": {"id": "s1", "content": {"title": "B"}}}'
    )
    with pytest.raises(ParseError, match="appears twice"):
        affinity_scores(arch, subs, encoder=encoder)


def test_missing_archives_folder_is_an_input_error(tmp_path, encoder):
    (tmp_path / "s.json").write_text("{}")
    with pytest.raises(InputError, match="does not exist"):
        affinity_scores(tmp_path / "nope", tmp_path / "s.json", encoder=encoder)


def test_cache_makes_a_rerun_embed_nothing(batch, tmp_path):
    from .test_experts import CountingEncoder

    arch, subs = batch
    enc = CountingEncoder()
    first = affinity_scores(arch, subs, encoder=enc, cache=tmp_path / "cache.db")
    n = enc.encoded
    assert n == 5  # 3 distinct archive papers + 2 submissions
    again = affinity_scores(arch, subs, encoder=enc, cache=tmp_path / "cache.db")
    assert enc.encoded == n and again == first


def test_cli_writes_openreview_csv(batch, tmp_path):
    arch, subs = batch
    out = tmp_path / "scores.csv"
    res = CliRunner().invoke(
        app,
        [
            "affinity",
            "--archives",
            str(arch),
            "--submissions",
            str(subs),
            "--out",
            str(out),
            "--model",
            "hashing",
        ],
    )
    assert res.exit_code == 0, res.output
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 4 and {r[1] for r in rows} == {"~alice", "~bob"}
    assert all(-1.0 <= float(r[2]) <= 2.0 for r in rows)


def test_cli_reports_a_malformed_line_in_one_red_line(batch):
    arch, subs = batch
    (arch / "~erin.jsonl").write_text("not json\n")
    res = CliRunner().invoke(
        app, ["affinity", "--archives", str(arch), "--submissions", str(subs), "--model", "hashing"]
    )
    assert res.exit_code == 1
    # The format reader's words, the same for every JSON format (tests/ingest/test_bad_input.py).
    assert "~erin.jsonl, line 1" in res.output and "invalid JSON" in res.output


def test_a_paper_listed_twice_for_a_reviewer_counts_once(batch, encoder, caplog):
    arch, subs = batch
    before = affinity_scores(arch, subs, encoder=encoder, method="mean")
    path = arch / "~alice.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[0]]) + "\n")
    with caplog.at_level(logging.WARNING, logger="scholarlens"):
        after = affinity_scores(arch, subs, encoder=encoder, method="mean")
    assert [r[:2] for r in after] == [r[:2] for r in before]
    assert [r[2] for r in after] == pytest.approx([r[2] for r in before])
    assert any("listed twice" in m and "line 3" in m for m in caplog.messages)


def test_the_reviewer_is_the_name_on_most_of_their_papers(tmp_path):
    arch = tmp_path / "archives"
    write_archive(
        arch,
        "7",
        [
            paper("p1", "One", authors=["Ada Lovelace", "Bo Li"]),
            paper("p2", "Two", authors=["Cy Young", "Ada Lovelace", "Bo Li"]),
            paper("p3", "Three", authors=["Cy Young", "Di Ng", "Ada  Lovelace"]),
            paper("p4", "Four", authors=["Di Ng"]),
        ],
    )
    write_archive(arch, "Eve_Tan1", [paper("e1", "Alone"), paper("e2", "Again")])
    pool, reviewers = read_archives(arch)
    assert reviewers == ["~7", "~Eve_Tan1"]
    assert [pos for _, pos in pool.people["~7"]] == [0, 1, 2, None]
    # Authorless notes of a named archive are the owner's, but give no author position.
    assert [pos for _, pos in pool.people["~Eve_Tan1"]] == [None, None]


def test_the_pool_embeds_the_text_every_format_reader_gives(tmp_path):
    arch = tmp_path / "archives"
    write_archive(
        arch, "x", [paper("p1", "E\ufb03cient  “graph” models", "A model\u2019s  scope.")]
    )
    pool, _ = read_archives(arch)
    (ingested,) = parse_file(arch / "~x.jsonl").papers
    assert pool.texts == [paper_text(ingested.title, ingested.abstract)]
    assert pool.texts == ['Efficient "graph" models. A model\'s scope.']


def test_openreview_expertise_folder_of_submissions(encoder):
    real = Path(__file__).parents[1] / "data" / "realworld" / "openreview" / "expertise"
    rows = affinity_scores(real / "archives", real / "submissions", encoder=encoder)
    assert {r for _, r, _ in rows} == {"~Jackson_Upton9", "~Jerald_Hackett2", "~Loreta_Tremblay3"}
    assert len({p for p, _, _ in rows}) == 6 and len(rows) == 18
