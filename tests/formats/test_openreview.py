from __future__ import annotations

import json
import logging

import pytest

from scholarlens.errors import InputError, ParseError
from scholarlens.formats import detect, parse_file, read_file
from scholarlens.formats.openreview import read_archive, read_archives, read_submissions

from ._samples import sample


def test_profile_archive_owner_comes_from_the_file_name():
    path = sample("~Jane_Doe1.jsonl")
    text, _ = read_file(path)
    assert detect(text, str(path)).name == "openreview-archive"
    profile = parse_file(path)
    assert profile.declared_name == "Jane Doe"
    v1, v2 = profile.papers
    assert v1.identifiers == {"openreview": "rJxF73R9tX", "arxiv": "1810.00001"}
    assert v1.year == 2019 and v1.venue == "ICLR 2019 Conference"
    assert v2.title == "Calibrated Reviewer Assignment"  # API v2: {"value": ...}
    assert [a.name for a in v2.authors] == ["Jane Doe", "Zoë Ångström"]
    assert v2.year == 2023


def test_submissions_api_response():
    text, _ = read_file(sample("openreview_submissions.json"))
    assert detect(text, "openreview_submissions.json").name == "openreview"
    papers = parse_file(sample("openreview_submissions.json")).papers
    assert [p.identifiers["openreview"] for p in papers] == ["S1", "S2"]
    assert papers[0].year == 2024


def _write(path, notes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(n) + "\n" for n in notes))
    return path


def test_an_archive_note_without_a_title_keeps_its_abstract_and_an_empty_one_is_skipped(
    tmp_path, caplog
):
    path = _write(
        tmp_path / "~Jane_Doe1.jsonl",
        [{"id": "a", "content": {"abstract": "Only an abstract."}}, {"id": "b", "content": {}}],
    )
    with caplog.at_level(logging.WARNING, logger="scholarlens"):
        reviewer, papers = read_archive(path)
    assert reviewer == "~Jane_Doe1"
    assert [(p.identifiers["openreview"], p.title, p.abstract) for p in papers] == [
        ("a", None, "Only an abstract.")
    ]
    assert any("line 2" in m and "neither title nor abstract" in m for m in caplog.messages)


def test_an_archive_cleans_text_like_every_format(tmp_path):
    path = _write(
        tmp_path / "~1.jsonl",
        [
            {
                "id": "a",
                "content": {"title": "E\ufb03cient  “models”", "abstract": "Work\u2019s  scope."},
            }
        ],
    )
    (paper,) = read_archive(path)[1]
    assert (paper.title, paper.abstract) == ('Efficient "models"', "Work's scope.")


def test_a_note_without_content_is_an_error_naming_its_line(tmp_path):
    path = _write(tmp_path / "~x.jsonl", [{"id": "a", "content": {"title": "T"}}, {"id": "b"}])
    with pytest.raises(ParseError, match="not an OpenReview note") as err:
        read_archive(path)
    assert err.value.record == 2


def test_archives_of_one_reviewer_under_two_names_are_refused(tmp_path):
    _write(tmp_path / "~ada.jsonl", [{"id": "a", "content": {"title": "T"}}])
    _write(tmp_path / "ada.jsonl", [{"id": "b", "content": {"title": "U"}}])
    with pytest.raises(InputError, match="two archive files"):
        read_archives(tmp_path)


def test_an_archive_not_named_after_a_profile_id_is_read_under_its_name(tmp_path):
    _write(tmp_path / "ada@example.org.jsonl", [{"id": "a", "content": {"title": "T"}}])
    assert list(read_archives(tmp_path)) == ["ada@example.org"]


def test_a_paper_listed_twice_in_an_archive_counts_once(tmp_path, caplog):
    note = {"id": "a", "content": {"title": "T"}}
    path = _write(tmp_path / "~x.jsonl", [note, {"id": "b", "content": {"title": "U"}}, note])
    with caplog.at_level(logging.WARNING, logger="scholarlens"):
        assert len(read_archive(path)[1]) == 2
    assert any("line 3" in m and "listed twice" in m for m in caplog.messages)


def test_a_submission_map_key_is_the_id_and_may_not_repeat(tmp_path):
    path = tmp_path / "submissions.json"
    path.write_text(
        json.dumps(
            {"k1": {"id": "other", "content": {"title": "A"}}, "k2": {"content": {"title": "B"}}}
        )
    )
    assert [p.identifiers["openreview"] for p in read_submissions(path)] == ["k1", "k2"]
    path.write_text(
        '{"s1": {"id": "s1", "content": {"title": "A"}}, "s1": {"id": "s1", "content": {"title": "B"}}}'
    )
    with pytest.raises(ParseError, match="appears twice"):
        read_submissions(path)


def test_a_submission_listed_twice_is_an_error(tmp_path):
    path = tmp_path / "submissions.json"
    path.write_text(
        json.dumps(
            [{"id": "s1", "content": {"title": "A"}}, {"id": "s1", "content": {"title": "B"}}]
        )
    )
    with pytest.raises(ParseError, match="'s1' appears twice"):
        read_submissions(path)


def test_missing_archives_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_archives(tmp_path / "nope")
    with pytest.raises(InputError, match="no .jsonl files"):
        read_archives(tmp_path)
