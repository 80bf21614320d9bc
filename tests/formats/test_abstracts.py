from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import parse_file, parse_text

from ..conftest import SEEDS


def test_seed_tony_profiles():
    counts = [len(parse_file(p).papers) for p in SEEDS if parse_file(p).format == "abstracts"]
    assert counts == [10, 10, 9]
    assert {parse_file(p).declared_name for p in SEEDS if parse_file(p).format == "abstracts"} == {"Tony"}


def test_windows_endings_bom_blank_lines_and_no_final_newline():
    raw = "\ufeffTony\r\n\r\nAbstract:First one.\r\n\r\nAbstract: Second one."
    profile = parse_text(raw.replace("\ufeff", ""), "t.txt")
    assert profile.declared_name == "Tony"
    assert [p.abstract for p in profile.papers] == ["First one.", "Second one."]


def test_bom_is_stripped_when_reading_files(tmp_path):
    f = tmp_path / "p.txt"
    f.write_bytes("\ufeffAnonymous\r\nAbstract:Text here.".encode())
    profile = parse_file(f)
    assert profile.declared_name == "Anonymous" and profile.papers[0].abstract == "Text here."


def test_rewrapped_abstract_lines_continue_the_abstract():
    profile = parse_text("Tony\nAbstract:First half\nsecond half.\nAbstract:Next.", "t.txt", "abstracts")
    assert [p.abstract for p in profile.papers] == ["First half second half.", "Next."]


def test_text_before_any_abstract_is_an_error():
    with pytest.raises(ParseError) as err:
        parse_text("Tony\nnot an abstract\nAbstract:x", "t.txt", "abstracts")
    assert err.value.line == 2
