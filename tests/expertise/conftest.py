"""Fixtures of the expertise tests: the hashing encoder and synthetic OpenReview archives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scholarlens.embeddings import HashingEncoder


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


def write_archive(folder: Path, reviewer: str, papers: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"~{reviewer}.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in papers))
    return path


def paper(pid: str, title: str, abstract: str = "", **extra) -> dict:
    return {"id": pid, "content": {"title": title, "abstract": abstract, **extra}}
