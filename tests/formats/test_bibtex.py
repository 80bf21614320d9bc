from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import detect, parse_file, read_file

from ._samples import sample


@pytest.fixture(scope="module")
def papers():
    return {p.extra["bibtex_key"]: p for p in parse_file(sample("library.bib")).papers}


def test_is_detected_as_bibtex():
    text, _ = read_file(sample("library.bib"))
    assert detect(text, "library.bib").name == "bibtex"


def test_decodes_latex_accents_and_drops_protective_braces(papers):
    p = papers["mueller2020"]
    assert p.title == "Über die Stabilität von Transformern"
    assert [a.name for a in p.authors] == ["Jörg Müller", "María González"]
    assert papers["vaswani2017attention"].authors[6].name == "Łukasz Kaiser"
    assert papers["vaswani2017attention"].title == "Attention is All you Need"


def test_and_others_marks_the_author_list_incomplete(papers):
    assert papers["mueller2020"].authors_complete is False
    assert papers["vaswani2017attention"].authors_complete is True


def test_single_token_organisation_is_an_organisation_not_a_person(papers):
    assert papers["openai2023gpt4"].authors == []
    assert papers["openai2023gpt4"].organisations == ["OpenAI"]


def test_month_macros_and_string_macros_resolve(papers):
    assert papers["vaswani2017attention"].month == 12
    assert papers["vaswani2017attention"].venue == "Advances in Neural Information Processing Systems"
    assert papers["mueller2020"].month == 2


def test_arxiv_ids_from_eprint_and_preprint_journal(papers):
    assert papers["openai2023gpt4"].identifiers == {"arxiv": "2303.08774"}
    assert papers["openai2023gpt4"].category == "cs.CL"
    assert papers["mueller2020"].identifiers["arxiv"] == "2001.01234"
    assert papers["mueller2020"].venue is None  # "arXiv preprint" is not a venue
    assert papers["devlin2019bert"].identifiers["doi"] == "10.18653/v1/n19-1423"


def test_comment_blocks_are_not_papers(papers):
    assert len(papers) == 4


def test_unbalanced_brace_names_file_and_line():
    with pytest.raises(ParseError) as info:
        parse_file(sample("unbalanced.bib"))
    assert info.value.line == 7
    assert "unbalanced.bib" in str(info.value) and "line 7" in str(info.value)


def test_unbalanced_brace_fails_alone_when_skipping():
    errors: list[ParseError] = []
    profile = parse_file(sample("unbalanced.bib"), errors=errors)
    assert [p.title for p in profile.papers] == ["A Good Entry Before", "A Good Entry After"]
    assert [e.line for e in errors] == [7]
