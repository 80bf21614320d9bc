"""Property tests: the new parsers fail only with ParseError; the fast text paths agree with the reference ones."""

from __future__ import annotations

import pytest
from ftfy.badness import is_bad
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scholarlens.errors import ParseError
from scholarlens.formats import get_format
from scholarlens.formats._records import clean
from scholarlens.text import clean_text

NEW_FORMATS = ["bibtex", "ris", "csl-json", "openalex", "openreview-archive", "openreview", "arxiv-snapshot", "scholarlens-jsonl"]
STREAMING = ["arxiv-snapshot", "openalex", "openreview", "s2-paper", "scholarlens-jsonl"]

json_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
        ["id", "title", "abstract", "authors", "authors_parsed", "content", "value", "author", "issued", "date-parts",
         "authorships", "abstract_inverted_index", "versions", "categories", "paper_id", "identifiers", "authors_complete",
         "type", "doi", "DOI", "forum", "cdate", "display_name", "year", "externalIds"]), children, max_size=6),
    max_leaves=20,
)  # fmt: skip
ugly_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["@article{k,", "title = {", "}", "{", "\\\"u", "TY  - JOUR", "AU  - Doe, J", "ER  - ",
                              "\n", "[", "{\"", "\":", ",", "]", "and others", "month = jan", "%"]), max_size=40).map("".join),
)  # fmt: skip


@pytest.mark.parametrize("name", NEW_FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ugly_text)
def test_parsers_raise_only_parse_error_on_arbitrary_text(name, text):
    try:
        get_format(name).parse(text, "fuzz.txt")
    except ParseError:
        pass


@pytest.mark.parametrize("name", STREAMING)
@settings(max_examples=60, deadline=None)
@given(obj=json_ish)
def test_stream_hooks_raise_only_parse_error_on_arbitrary_json(name, obj):
    import json

    try:
        get_format(name).stream(json.dumps(obj).encode(), "fuzz.jsonl", 1)
    except ParseError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcXYZ019 .,-'\n\t’“”‘éüßłŁøØçÇñÑ漢字Ωω&\x85\xa0ﬁ"), max_size=80))
def test_fast_clean_equals_clean_text_where_ftfy_sees_no_mojibake(text):
    assume(not is_bad(text))
    assert (clean(text) or "") == clean_text(text)


def test_fast_clean_still_repairs_latin1_mojibake():
    assert clean("MÃ¼ller and Â the cafÃ©") == clean_text("MÃ¼ller and Â the cafÃ©") == "Müller and the café"
