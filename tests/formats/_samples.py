"""Paths of the hand-written format samples."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> Path:
    return SAMPLES / name
