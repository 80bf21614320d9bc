"""ScholarLens: understand researchers from their publications.

The library is the product; the CLI, HTTP API and web UI are adapters over it.
"""

from __future__ import annotations

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
from .identity import whois
from .kb import KnowledgeBase
from .researchers import person_view, similar_people

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
