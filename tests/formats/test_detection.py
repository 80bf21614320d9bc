from __future__ import annotations

import pytest

from scholarlens.errors import UnknownFormatError
from scholarlens.formats import FORMATS, detect, parse_file, parse_text

from ..conftest import SEEDS


def test_each_seed_is_detected():
    assert [parse_file(p).format for p in SEEDS] == [
        "abstracts",
        "scholar-export",
        "arxiv-profile",
        "abstracts",
        "abstracts",
    ]


def test_registry_names_are_unique_and_described():
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names))
    assert all(f.description for f in FORMATS)


def test_unrecognised_text_is_refused_with_a_hint():
    with pytest.raises(UnknownFormatError, match="--format"):
        detect("just some prose\nwith two lines\n", "notes.txt")


def test_forced_format_overrides_detection():
    text = "Tony\nAbstract:Only one."
    assert parse_text(text, "t.txt", format="abstracts").format == "abstracts"
