"""Hostile files: size limits named in the error, gzip bombs, encodings, empty and huge-first-record
files, and the inputs the fuzzer found that raised foreign exceptions (issue 16)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scholarlens.errors import ParseError, ScholarLensError, UnknownFormatError
from scholarlens.formats import FORMATS, _io, explain, get_format, parse_file, parse_text
from scholarlens.formats._lines import iter_lines, peek_text
from scholarlens.formats.scholar_export import parse as parse_scholar

from ._samples import sample

CSL = sample("library_csl.json")


def test_empty_file_says_it_is_empty(tmp_path):
    path = tmp_path / "empty.bib"
    path.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_file(path)
    path.write_bytes(b"\xef\xbb\xbf \n\n")
    with pytest.raises(ParseError, match="empty"):
        parse_file(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_utf16_and_boms_just_work(tmp_path, encoding):
    path = tmp_path / "items.json"
    path.write_bytes(CSL.read_text(encoding="utf-8").encode(encoding))
    profile = parse_file(path)
    assert profile.format == "csl-json" and len(profile.papers) == 3
    assert profile.papers[0].authors[1].name == "Łukasz Kaiser"


def test_whole_file_limit_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHOLARLENS_MAX_FILE_BYTES", "500")
    with pytest.raises(ParseError, match="max_file_bytes.*SCHOLARLENS_MAX_FILE_BYTES"):
        parse_file(CSL)


def test_gzip_bomb_stops_at_the_cap(tmp_path, monkeypatch):
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for _ in range(64):
            fh.write(b" " * (1 << 20))  # 64 MiB of spaces, ~64 KB compressed
    monkeypatch.setenv("SCHOLARLENS_MAX_FILE_BYTES", str(8 << 20))
    with pytest.raises(ParseError, match="max_file_bytes") as info:
        parse_file(path)
    assert info.value.source == str(path)
    monkeypatch.setenv("SCHOLARLENS_MAX_FILE_BYTES", str(1 << 30))
    monkeypatch.setattr(_io, "RATIO_FLOOR", 1 << 20)
    with pytest.raises(ParseError, match="max_gzip_ratio"):
        parse_file(path)
    with pytest.raises(ParseError, match="max_gzip_ratio"):
        list(iter_lines(path))


def test_streamed_line_over_the_record_limit_is_named(tmp_path, monkeypatch):
    path = tmp_path / "dump.jsonl"
    line = json.dumps({"id": "2101.00001", "title": "t", "abstract": "a" * 5000, "categories": "cs.LG"})
    path.write_text(line + "\n" + line + "\n")
    monkeypatch.setenv("SCHOLARLENS_MAX_RECORD_BYTES", "2000")
    with pytest.raises(ParseError, match="max_record_bytes") as info:
        list(iter_lines(path))
    assert info.value.line == 1
    with pytest.raises(ParseError, match="max_record_bytes"):
        get_format("arxiv-snapshot").stream(line.encode(), "dump.jsonl", 7)


def test_huge_first_record_is_read_whole_for_detection(tmp_path):
    path = tmp_path / "dump.jsonl"
    record = {"id": "2101.00001", "title": "A long one", "abstract": "word " * 40_000, "categories": "cs.LG", "versions": []}
    path.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    head = peek_text(path)
    assert len(head) > 200_000 and head.count("\n") >= 1
    assert explain(head, str(path)).format.name == "arxiv-snapshot"


def test_detection_says_why_it_chose():
    found = explain(sample("openalex_works.json").read_text(), "works.json")
    assert found.format.name == "openalex" and "OpenAlex work id" in found.reason
    assert "openalex" in str(found)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1000,
        "[" * 100_000,
        '{"a":' * 5000,
        "[]",
        "{}",
        "null",
        '{"title": "x", "paperId": "1", "authors": [{"name": -1}, -1, null, [], {"first": 5}]}',
        '{"title": "x", "paperId": "1", "year": Infinity}',
        '{"title": "x", "paperId": "1", "year": 1e308}',
        '{"type": "article", "title": "x", "issued": {"date-parts": [[1e300, 99999999999999999999]]}}',
        '{"type": "article", "title": "x", "issued": {"date-parts": [["9' + "9" * 5000 + '"]]}}',
        '{"id": "1", "content": {"title": "x"}, "cdate": 1e300}',
        '{"paper_id": 1, "identifiers": {}, "authors_complete": true, "authors": [], "title": "t", "year": 1e300, "organisations": 5}',
        '{"id": "1", "title": "t", "categories": 5, "authors_parsed": [[1, 2, 3]], "versions": [{"created": 7}]}',
        '{"authorId": "1", "name": "A", "papers": 5}',
        '{"title": "x", "paperId": "1", "authors": "[' + "[" * 500 + '"}',
        "@article{k, title = {" + "{" * 5000 + "}",
        "@string{a = a # a}\n@article{k, title = a # a}",
        "TY  - JOUR\nTI  - " + "x" * 10 + "\nPY  - 99999999999999999999\nER  - ",
        "Doe, Jane\nTitle\n" + "ล" * 3000 + ", ล\n",
        '{"paperId": "1", "title": "t", "year": "774\u00b96802", "corpusId": "\u00b9"}',
        "@article{k, month = \u00b9, title = {t}}",
        '{"paperId": "1", "title": "x"}' + "\n" * 100_000,
        '{"doi": "' + "a" * 100_000 + '", "arXivId": "' + "b" * 100_000 + '", "paperId": "1", "title": "t"}',
    ],
)
def test_hostile_inputs_raise_only_our_errors(text):
    try:
        explain(text, "hostile.txt")
    except ScholarLensError:
        pass
    for fmt in FORMATS:
        try:
            fmt.parse(text, "hostile.txt")
        except ScholarLensError:
            pass
        if fmt.stream is not None:
            try:
                fmt.stream(text.encode(), "hostile.jsonl", 1)
            except ScholarLensError:
                pass


def test_one_line_api_response_streamed_by_mistake_is_an_error_not_zero_records():
    page = json.dumps({"meta": {"count": 1}, "results": [{"id": "https://openalex.org/W1", "title": "T"}]})
    with pytest.raises(ParseError, match="whole response"):
        get_format("openalex").stream(page.encode(), "page.json", 1)
    assert [p.title for p in parse_text(page, "page.json").papers] == ["T"]


def test_no_papers_says_why(tmp_path):
    with pytest.raises(ParseError, match="no record has a title or an abstract") as info:
        parse_text('[{"paperId": "1", "title": ""}]', "x.json", "s2-paper")
    assert "forced" in str(info.value)
    with pytest.raises(UnknownFormatError):
        parse_text("plain prose\nand more\n", "x.txt")


def test_lost_byte_names_cost_stays_bounded():
    # Names with two lost bytes each: repaired within the per-file budget, none dropped.
    names = ", ".join(f"Kaลowskaล{i}, Jaล" for i in range(60))
    profile = parse_scholar(f"Doe, Jane\nA title\n{names}\nAn abstract.\n", "x.txt")
    assert len(profile.papers[0].authors) == 60


def test_settings_declare_the_limits():
    from scholarlens.settings import SETTINGS

    names = {s.name for s in SETTINGS}
    assert {"max_record_bytes", "max_file_bytes", "max_decompressed_bytes", "max_gzip_ratio"} <= names
    assert all(_io.limit(n) > 0 for n in ("max_record_bytes", "max_file_bytes", "max_decompressed_bytes"))


def test_a_bad_limit_value_is_an_input_error(monkeypatch):
    monkeypatch.setenv("SCHOLARLENS_MAX_RECORD_BYTES", "lots")
    with pytest.raises(ScholarLensError, match="SCHOLARLENS_MAX_RECORD_BYTES"):
        _io.limit("max_record_bytes")


def test_real_gzip_dump_streams(tmp_path):
    path = Path(__file__).resolve().parents[1] / "data" / "realworld" / "arxiv-snapshot" / "snapshot_all.jsonl.gz"
    assert [n for n, _, _ in iter_lines(path)] == [1, 2, 3, 4]
