from __future__ import annotations

from scholarlens.mojibake import repair_thai_mojibake


def test_exact_repair_when_bytes_survive():
    r = repair_thai_mojibake("Quiรฑonero")
    assert (r.text, r.changed, r.guessed) == ("Quiñonero", True, False)


def test_byte_turned_into_space_is_recovered():
    assert repair_thai_mojibake("Mฤ dry").text == "Mądry"


def test_clean_spelling_elsewhere_is_evidence():
    # Without evidence a Polish "ł" wins for "-aล"; a clean "Karakaş" seen elsewhere decides.
    assert repair_thai_mojibake("Michaล").text == "Michał"
    assert repair_thai_mojibake("Xyzaล", known_words=["Xyzaş"]).text == "Xyzaş"


def test_genuine_thai_and_plain_text_are_left_alone():
    for text in ["สวัสดีครับ", "ภาษาไทย", "Luke Metz", "Jörg"]:
        r = repair_thai_mojibake(text)
        assert r.text == text and not r.changed
