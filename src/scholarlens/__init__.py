"""ScholarLens: understand researchers from their publications.

The library is the product; the CLI, HTTP API and web UI are adapters over it.
"""

from __future__ import annotations

from typing import Any

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
from .expertise import affinity_scores, find_experts, suggest_reviewers
from .formats import FORMATS, parse_file, parse_text
from .kb import KnowledgeBase
from .matching import OverlapIndex
from .researchers import person_view, similar_people
from .whois import whois as _whois


def whois(kb: KnowledgeBase, profile: Any, *, format: str | None = None, limit: int = 5, encoder: Any = None) -> dict[str, Any]:
    """:func:`scholarlens.whois.whois` on a knowledge base (its overlap index kept on the instance)."""
    overlap = kb.__dict__.setdefault("_overlap_index", OverlapIndex())
    return _whois(kb.store, profile, encoder=encoder, format=format, limit=limit, overlap=overlap)


__version__ = "0.1.0"

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
