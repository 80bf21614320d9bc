"""The score calibration: probabilities, strength labels, the "no one here" rule, the generator."""

from __future__ import annotations

import math
import runpy
import shutil
from pathlib import Path

import pytest

from scholarlens import calibration as cal
from scholarlens.scoring import DEFAULT_METHOD, METHODS, get_method


def test_every_named_method_and_the_default_are_calibrated() -> None:
    assert set(METHODS) <= set(cal.CALIBRATION)
    assert cal.calibrated(None) and cal.calibrated("default") and cal.calibrated(DEFAULT_METHOD)
    assert cal.calibrated(get_method("top3"))


@pytest.mark.parametrize("name", sorted(cal.CALIBRATION))
def test_probability_is_increasing_and_strictly_inside_0_1(name: str) -> None:
    scores = [-1.0 + i * 0.01 for i in range(301)]  # -1 .. 2: beyond any cosine mix
    ps = [cal.probability(s, name) for s in scores]
    assert all(p is not None and 0.0 < p < 1.0 for p in ps)
    assert all(a <= b for a, b in zip(ps, ps[1:], strict=False))
    assert ps[-1] > ps[0] + 0.3  # the score carries information, not a flat line


@pytest.mark.parametrize("name", sorted(cal.CALIBRATION))
def test_no_match_threshold_is_never_a_strong_match(name: str) -> None:
    """Below the "no one" threshold the person cannot be labelled strong."""
    threshold = cal.CALIBRATION[name]["no_match"]
    assert cal.strength(cal.probability(threshold, name)) != "strong"
    assert cal.no_match(threshold - 1e-6, name)
    assert not cal.no_match(threshold, name)


def test_strength_thresholds() -> None:
    assert cal.strength(cal.STRONG) == "strong"
    assert cal.strength(0.999) == "strong"
    assert cal.strength(math.nextafter(cal.STRONG, 0)) == "moderate"
    assert cal.strength(cal.MODERATE) == "moderate"
    assert cal.strength(math.nextafter(cal.MODERATE, 0)) == "weak match"
    assert cal.strength(0.0) == "weak match"
    assert cal.strength(None) is None


def test_methods_without_calibration_get_none_and_never_no_match() -> None:
    for spec in ("top3,k=4", "no-such-method", get_method("hybrid-top5,lexical=1")):
        assert not cal.calibrated(spec)
        assert cal.probability(0.9, spec) is None
        assert not cal.no_match(-5.0, spec)
    assert cal.probability(float("nan"), "top3") is None
    assert cal.probability("0.5", "top3") is None  # type: ignore[arg-type]


def test_probability_follows_the_logistic_constants() -> None:
    c = cal.CALIBRATION["top3"]
    s = 0.42
    assert cal.probability(s, "top3") == pytest.approx(
        1 / (1 + math.exp(-(c["a"] * s + c["b"]))), abs=1e-4
    )
    # far out in either direction stays finite (no overflow)
    assert cal.probability(1e6, "top3") == 1 - cal.FLOOR
    assert cal.probability(-1e6, "top3") == cal.FLOOR


def test_annotate_labels_each_row_and_says_when_no_one_fits() -> None:
    thr = cal.CALIBRATION["top3"]["no_match"]
    rows = [{"name": "a", "score": thr - 0.05}, {"name": "b", "score": thr - 0.1}]
    info = cal.annotate(rows, "top3")
    assert info["calibrated"] and info["no_match"]
    assert info["message"].startswith("No one here has worked on this")
    assert all(r["strength"] == "weak match" and 0 < r["probability"] < 1 for r in rows)
    rows.append({"name": "c", "score": 0.7})
    info = cal.annotate(rows, "top3")
    assert not info["no_match"] and info["message"] is None
    assert rows[-1]["strength"] == "strong"
    # no rows: nothing to say; uncalibrated: labels are None
    assert cal.annotate([], "top3")["no_match"] is False
    rows = [{"score": 0.1}]
    assert cal.annotate(rows, "top3,k=9") == {
        "calibrated": False,
        "no_match": False,
        "message": None,
    }
    assert rows[0]["probability"] is None and rows[0]["strength"] is None


def test_write_constants_rewrites_only_the_generated_block(tmp_path: Path) -> None:
    copy = tmp_path / "calibration_copy.py"
    shutil.copy(cal.__file__, copy)
    table = {
        "zeta": {"a": 2.5, "b": -1.0, "no_match": 0.2},
        "alpha": {"a": 1.0, "b": 0.0, "no_match": 0.1},
    }
    cal.write_constants(table, copy)
    ns = runpy.run_path(str(copy))
    assert ns["CALIBRATION"] == table
    assert ns["STRONG"] == cal.STRONG and ns["probability"](0.0, "alpha") == 0.5
    before = copy.read_text()
    cal.write_constants(table, copy)  # idempotent
    assert copy.read_text() == before
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\n")
    with pytest.raises(RuntimeError, match="no generated block"):
        cal.write_constants(table, broken)
