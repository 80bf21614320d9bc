from __future__ import annotations

import pytest

from scholarlens.names import from_last_first, names_compatible, person_key


def test_last_first_and_accents_fold_to_one_key():
    assert person_key(from_last_first("Metz", "Luke")) == person_key("Luke Metz")
    assert person_key("Aleksander Mądry") == person_key("Aleksander Madry")


@pytest.mark.parametrize(
    ("a", "b"),
    [("Chris Hesse", "Christopher Hesse"), ("R. Schapire", "Robert Schapire"), ("Tom B. Brown", "Tom Brown"), ("Jong-Wook Kim", "Jong Wook Kim")],
)
def test_compatible_forms(a, b):
    assert names_compatible(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Jeff Wu", "Yuhuai Wu"), ("Wu", "Jeff Wu"), ("Chris Hesse", "Charles Hesse"), ("Luke Metz", "Luke Matz")],
)
def test_incompatible_forms_including_surname_alone(a, b):
    assert not names_compatible(a, b)
