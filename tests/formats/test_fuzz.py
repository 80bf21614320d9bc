"""Mutation fuzzing at CI size: real files (tests/data/realworld) cut, spliced, repeated, nested
and sprinkled with hostile tokens never make detection, a parser or a streaming hook raise
anything but the project's errors. ``benchmarks/fuzz.py`` runs the same at 100,000 inputs a format."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scholarlens.errors import ScholarLensError
from scholarlens.formats import FORMATS, explain, get_format
from scholarlens.formats._io import decode_bytes

REAL = Path(__file__).resolve().parents[1] / "data" / "realworld"
SAMPLES = Path(__file__).resolve().parent / "samples"
SEEDS = [p.read_bytes()[:4000] for p in sorted([*REAL.rglob("*.*"), *SAMPLES.iterdir()]) if p.is_file() and p.suffix in (".bib", ".ris", ".json", ".jsonl", ".txt")]
TOKENS = [b"Infinity", b"1e999", b"null", b"-1", b"[]", b"{}", b"\x00", b"\xff\xfe", "ลฤร".encode(), b"\\\"{o}", b"\\TeX",
          b"@string{x = \"y\"}", b" # x # ", b"TY  - JOUR\n", b"ER  - \n", b"<i>", b"{", b"}", b"[", b"]", b"\"", b"\n",
          b"%", b'{"name": -1}', b'"year": 1e308', b"[[[[[[[[", b"Abstract:"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.integers(0, 5))
        i = draw(st.integers(0, len(data)))
        if op == 0:
            data = data[:i]
        elif op == 1:
            data = data[:i] + draw(st.sampled_from(TOKENS)) + data[i:]
        elif op == 2:
            data = data[:i] + draw(st.binary(max_size=8)) + data[i + draw(st.integers(0, 8)) :]
        elif op == 3:
            other = draw(st.sampled_from(SEEDS))
            data = data[:i] + other[draw(st.integers(0, len(other))) :]
        elif op == 4:
            data = data[:i] + data[i : i + draw(st.integers(1, 200))] * draw(st.integers(2, 50)) + data[i:]
        else:
            data = data[:i] + draw(st.sampled_from([b"[", b'{"a":', b"{"])) * draw(st.sampled_from([10, 1000, 5000])) + data[i:]
    return data


@pytest.mark.parametrize("name", [f.name for f in FORMATS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mutated())
def test_mutated_real_files_raise_only_our_errors(name, data):
    fmt = get_format(name)
    try:
        text = decode_bytes(data, "fuzz")
    except ScholarLensError:
        return
    for call in (lambda: explain(text, "~Fuzz1.jsonl"), lambda: fmt.parse(text, "~Fuzz1.jsonl")):
        try:
            call()
        except ScholarLensError:
            pass
    if fmt.stream is not None:
        try:
            fmt.stream(data.split(b"\n", 1)[0], "fuzz.jsonl", 1)
        except ScholarLensError:
            pass
