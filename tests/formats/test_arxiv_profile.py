from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import arxiv_profile, parse_file, parse_text

from ..conftest import EXAMPLES

SEED = EXAMPLES / "002_841ddd0b77768394.txt"


def _one(title_line: str, date: str = "CLOct 25, 2024", abstract: str = "An abstract.") -> object:
    return parse_text(f"{date}\n{title_line}\n{abstract}\n", "t.txt", "arxiv-profile").papers[0]


def test_seed_has_25_papers_and_no_owner_name():
    profile = parse_file(SEED)
    assert profile.format == "arxiv-profile"
    assert profile.declared_name is None
    assert len(profile.papers) == 25


def test_splits_glued_title_from_first_author():
    papers = parse_file(SEED).papers
    clip = next(p for p in papers if p.title.startswith("Learning Transferable"))
    assert clip.title == "Learning Transferable Visual Models From Natural Language Supervision"
    assert [a.name for a in clip.authors] == ["Alec Radford", "Jong Wook Kim", "Chris Hallacy"]


@pytest.mark.parametrize(
    ("line", "title", "first"),
    [
        ("Transformers for NLPJohn Doe, Jane Roe", "Transformers for NLP", "John Doe"),
        ("GPT-4o System CardAaron Hurst, Adam Lerer", "GPT-4o System Card", "Aaron Hurst"),
        ("Scaling to GPT-4Josh Achiam, Steven Adler", "Scaling to GPT-4", "Josh Achiam"),
        ("Model Part AJohn Doe", "Model Part A", "John Doe"),
        ("Why now?Alec Radford, Luke Metz", "Why now?", "Alec Radford"),
        ("Deep nets in AIYann LeCun, Sam McCandlish", "Deep nets in AI", "Yann LeCun"),
        ("Learning with PyTorch LightningAJ Ostrow, Tom B. Brown", "Learning with PyTorch Lightning", "AJ Ostrow"),
        ("Sparse autoencodersLeo Gao, Tom Dupré la Tour", "Sparse autoencoders", "Leo Gao"),
    ],
)
def test_splits_titles_ending_in_acronym_digit_or_capital(line, title, first):
    paper = _one(line)
    assert paper.title == title
    assert paper.authors[0].name == first


def test_et_al_marks_author_list_incomplete_and_org_tail_is_kept():
    paper = _one("GPT-4 Technical ReportJosh Achiam, Steven Adler, Sandhini Agarwal et al. · berkeley, deepmind")
    assert paper.authors_complete is False
    assert [a.name for a in paper.authors] == ["Josh Achiam", "Steven Adler", "Sandhini Agarwal"]
    assert paper.organisations == ["berkeley", "deepmind"]


def test_date_without_year_stays_yearless_and_code_tag_is_read():
    paper = _one("A titleNeil Rathi, Alec Radford", date="LGFeb 6")
    assert (paper.year, paper.month, paper.day, paper.category) == (None, 2, 6, "LG")
    coded = _one("A titleNeil Rathi", date="LGJun 6, 2024Code")
    assert coded.has_code and coded.year == 2024


def test_abstract_may_wrap_over_lines():
    text = "CLOct 25, 2024\nA titleJohn Doe\nfirst half of the abstract\nsecond half.\nLGFeb 6\nOther titleJane Roe\nx\n"
    papers = parse_text(text, "t.txt", "arxiv-profile").papers
    assert papers[0].abstract == "first half of the abstract second half."
    assert len(papers) == 2


def test_unsplittable_title_line_names_file_and_line():
    with pytest.raises(ParseError) as err:
        parse_text("CLOct 25, 2024\nno authors here at all\nabstract\n", "bad.txt", "arxiv-profile")
    assert err.value.line == 2 and err.value.source == "bad.txt"
    assert "bad.txt, line 2" in str(err.value)


def test_author_list_validation_rejects_title_words():
    assert arxiv_profile.is_author_list("Alec Radford, Jong Wook Kim")
    assert not arxiv_profile.is_author_list("System CardAaron Hurst")
    assert not arxiv_profile.is_author_list("for the people")
