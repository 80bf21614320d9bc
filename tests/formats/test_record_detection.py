"""Every sample is claimed by its own format, and the new formats do not steal the seeds."""

from __future__ import annotations

import pytest

from scholarlens.formats import detect, read_file

from ..conftest import SEEDS
from ._samples import SAMPLES

EXPECTED = {
    "arxiv_snapshot.jsonl": "arxiv-snapshot",
    "library.bib": "bibtex",
    "unbalanced.bib": "bibtex",
    "library.ris": "ris",
    "no_er.ris": "ris",
    "library_csl.json": "csl-json",
    "openalex_works.json": "openalex",
    "openalex_works.jsonl": "openalex",
    "~Jane_Doe1.jsonl": "openreview-archive",
    "openreview_submissions.json": "openreview",
    "s2_api_papers.json": "s2-paper",
    "s2_dataset_papers.jsonl": "s2-paper",
    "s2_author.json": "s2-author",
}


def test_every_sample_has_an_expectation():
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_detected_as_its_format(name):
    text, _ = read_file(SAMPLES / name)
    assert detect(text, str(SAMPLES / name)).name == EXPECTED[name]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_profiles_keep_their_formats(path):
    text, _ = read_file(path)
    assert detect(text, str(path)).name in {"arxiv-profile", "scholar-export", "abstracts"}
