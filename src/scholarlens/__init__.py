"""ScholarLens: understand researchers from their publications.

The library is the product; the CLI, HTTP API and web UI are adapters over it. Open a
:class:`KnowledgeBase` and call one method per feature; the functions below are the same
features as free functions taking the knowledge base first (kept for existing callers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .affinity import affinity_scores
from .embeddings import Encoder
from .errors import (
    InputError,
    ModelError,
    NotFoundError,
    ParseError,
    QueryError,
    ScholarLensError,
    StoreError,
    UnknownFormatError,
)
from .formats import FORMATS, parse_file, parse_text
from .kb import KnowledgeBase
from .records import ParsedPaper, ParsedProfile

__version__ = "0.1.0"


def find_experts(kb: KnowledgeBase, query: str, limit: int = 10, **kw: Any) -> list[dict[str, Any]]:
    """:meth:`KnowledgeBase.experts` as a function."""
    return kb.experts(query, limit, **kw)


def suggest_reviewers(
    kb: KnowledgeBase, paper: str | ParsedPaper, authors: list[str] | None = None, limit: int = 10, **kw: Any
) -> list[dict[str, Any]]:
    """:meth:`KnowledgeBase.reviewers` as a function."""
    return kb.reviewers(paper, authors, limit, **kw)


def whois(kb: KnowledgeBase, profile: str | Path | ParsedProfile, **kw: Any) -> dict[str, Any]:
    """:meth:`KnowledgeBase.whois` as a function."""
    return kb.whois(profile, **kw)


def person_view(kb: KnowledgeBase, ref: str | int, *, similar: int = 8, encoder: Encoder | None = None) -> dict[str, Any]:
    """:meth:`KnowledgeBase.person` as a function."""
    return kb.person(ref, similar=similar, encoder=encoder)


def similar_people(
    kb: KnowledgeBase, ref_or_profile: str | int | Path | ParsedProfile, limit: int = 10, *, encoder: Encoder | None = None
) -> list[dict[str, Any]]:
    """:meth:`KnowledgeBase.similar` as a function."""
    return kb.similar(ref_or_profile, limit, encoder=encoder)


__all__ = [
    "FORMATS",
    "InputError",
    "KnowledgeBase",
    "ModelError",
    "NotFoundError",
    "ParseError",
    "QueryError",
    "ScholarLensError",
    "StoreError",
    "UnknownFormatError",
    "__version__",
    "affinity_scores",
    "find_experts",
    "parse_file",
    "parse_text",
    "person_view",
    "similar_people",
    "suggest_reviewers",
    "whois",
]
