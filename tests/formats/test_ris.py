from __future__ import annotations

import pytest

from scholarlens.errors import ParseError
from scholarlens.formats import detect, parse_file, parse_text, read_file

from ._samples import sample


def test_reads_bom_crlf_continuations_and_both_author_tags():
    text, _ = read_file(sample("library.ris"))
    assert detect(text, "library.ris").name == "ris"
    a, b, c = parse_file(sample("library.ris")).papers
    assert a.title == "Attention is all you need"
    assert [x.name for x in a.authors] == ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"]
    assert a.abstract.endswith("complex recurrent or convolutional neural networks.")
    assert (a.year, a.month, a.day) == (2017, 6, 12)
    assert a.identifiers == {"arxiv": "1706.03762"}
    assert a.extra["keywords"] == ["transformers", "attention"]
    assert [x.name for x in b.authors] == ["Jacob Devlin", "Ming-Wei Chang"]
    assert b.identifiers == {"doi": "10.18653/v1/n19-1423"} and b.venue == "Proceedings of NAACL-HLT"
    assert c.authors == [] and c.organisations == ["OpenAI"] and (c.year, c.month) == (2023, 3)


def test_record_without_er_names_its_line():
    with pytest.raises(ParseError) as info:
        parse_file(sample("no_er.ris"))
    assert info.value.line == 7 and "no ER" in info.value.message


def test_record_without_er_is_skipped_alone_when_skipping():
    errors: list[ParseError] = []
    profile = parse_file(sample("no_er.ris"), errors=errors)
    assert [p.title for p in profile.papers] == ["A complete record", "The record after it"]
    assert [e.line for e in errors] == [7]


def test_file_ending_inside_a_record_is_an_error():
    with pytest.raises(ParseError, match="file ends"):
        parse_text("TY  - JOUR\nTI  - Cut short\n", "cut.ris", "ris")
