from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import detect, parse_file, read_file
from scholarlens.formats.arxiv_snapshot import parse_line

from ._samples import sample


@pytest.fixture(scope="module")
def papers():
    return parse_file(sample("arxiv_snapshot.jsonl")).papers


def test_is_detected(papers):
    text, _ = read_file(sample("arxiv_snapshot.jsonl"))
    assert detect(text, "snapshot.jsonl").name == "arxiv-snapshot"


def test_authors_parsed_gives_decoded_names(papers):
    assert [a.name for a in papers[0].authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert papers[0].authors[0].family == "Balázs"


def test_title_and_abstract_white_space_collapsed(papers):
    assert papers[0].title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert papers[0].abstract.startswith("A fully differential") and "\n" not in papers[0].abstract


def test_year_from_first_version_then_old_style_id(papers):
    assert (papers[0].year, papers[0].month, papers[0].day) == (2007, 4, 2)
    assert (papers[1].year, papers[1].month) == (1999, 1)  # hep-th/9901001, no versions


def test_identifiers_and_categories(papers):
    assert papers[0].identifiers == {"arxiv": "0704.0001", "doi": "10.1103/physrevd.76.013009"}
    assert papers[2].category == "cs.CL" and papers[2].extra["categories"] == ["cs.CL", "cs.LG"]
    assert papers[4].identifiers["doi"] == "10.1000/xyz.123"  # the first of several DOIs


def test_authors_string_is_the_fallback_with_latex_decoded(papers):
    assert [a.name for a in papers[4].authors] == ["M. Müller", "Ł. Kaiser"]


def test_cut_line_names_the_line():
    with pytest.raises(ParseError) as info:
        parse_line(b'{"id": "1", "title": "cut', "dump.jsonl", 42)
    assert info.value.line == 42 and "dump.jsonl" in str(info.value)


def test_record_without_id_is_an_error():
    with pytest.raises(ParseError, match="no arXiv id"):
        parse_line(b'{"title": "x", "abstract": "y"}', "dump.jsonl", 3)
