"""Semantic Scholar paper records as the benchmark corpus has them."""

from __future__ import annotations

import json

from scholarlens.formats import parse_file


def test_record_whose_id_comes_after_a_long_abstract_is_detected(tmp_path):
    rec = {"title": "T", "abstract": "word " * 2000, "year": 2020, "ssId": "abc", "arXivId": None, "authors": "['A. Person', \"B. O'Brien\"]"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(rec))
    prof = parse_file(path)
    assert prof.format == "s2-paper"
    assert [a.name for a in prof.papers[0].authors] == ["A. Person", "B. O'Brien"]
