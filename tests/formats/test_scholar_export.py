from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import parse_file, parse_text

from ..conftest import EXAMPLES

SEED = EXAMPLES / "001_b3b0fc69b9f7759d.txt"


@pytest.fixture(scope="module")
def seed():
    return parse_file(SEED)


def _authors(profile):
    return {a.name: a for p in profile.papers for a in p.authors}


def test_owner_is_read_from_last_first(seed):
    assert seed.format == "scholar-export"
    assert seed.declared_name == "Luke Metz"
    assert len(seed.papers) == 10


def test_organisation_entries_and_stray_colon_are_not_people(seed):
    o1 = seed.papers[0]
    assert o1.organisations == ["OpenAI"]
    names = [a.name for a in o1.authors]
    assert "OpenAI" not in " ".join(names) and ":" not in names and not any(n.startswith(":") for n in names)
    assert names[0] == "Aaron Jaech"


def test_name_only_null_entries_join_into_one_person(seed):
    names = _authors(seed)
    assert "Shuaiqi Xia" in names and "Michael Pokorny" in names


def test_repairs_thai_codepage_mojibake_exactly(seed):
    a = _authors(seed)["Joaquin Quiñonero Candela"]
    assert a.raw == "Joaquin Quiรฑonero Candela" and a.guessed is False


@pytest.mark.parametrize(
    "name",
    ["Aleksander Mądry", "Łukasz Kaiser", "Bartłomiej Bojanowski", "Ayla Karakaş", "Adrià Garriga-Alonso", "Jan Kocoń"],
)
def test_guesses_lost_bytes_and_flags_the_guess(seed, name):
    a = _authors(seed)[name]
    assert a.guessed is True
    assert a.raw and a.raw != a.name


def test_no_parsed_name_keeps_thai_characters(seed):
    import re

    assert not [n for n in _authors(seed) if re.search("[\u0e00-\u0e7f]", n)]


def test_paper_without_abstract_is_kept():
    text = "Doe, Jane\nFirst Title\nDoe, Jane, Roe, Rick\nSecond Title\nDoe, Jane, Poe, Ed\nAn abstract.\n"
    papers = parse_text(text, "x.txt", "scholar-export").papers
    assert [p.title for p in papers] == ["First Title", "Second Title"]
    assert papers[0].abstract is None and papers[1].abstract == "An abstract."


def test_missing_author_line_is_a_parse_error_with_line():
    with pytest.raises(ParseError) as err:
        parse_text("Doe, Jane\nA title\nA sentence that is no author list.\n", "x.txt", "scholar-export")
    assert err.value.line == 3 and "Last, First" in str(err.value)
