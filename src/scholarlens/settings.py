"""Settings, declared once: name, environment variable, default, help.

Front ends read them here (CLI options use the same environment variables), and a docs test
checks that every setting is documented in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "SCHOLARLENS_DB", "scholarlens.db", "Database: a SQLite file path, or a postgresql:// URL."),
    Setting(
        "model",
        "SCHOLARLENS_MODEL",
        "minilm",
        "Embedding model: 'minilm' (bundled all-MiniLM-L6-v2), 'hashing' (fast fake for tests), "
        "or a path to a local sentence-transformers model directory.",
    ),
    Setting("token", "SCHOLARLENS_TOKEN", None, "Web server: a bearer token that enables writes (ingest, delete)."),
    # Conflict-of-interest policy (scholarlens.conflicts), overridable per run.
    Setting("conflict_years", "SCHOLARLENS_CONFLICT_YEARS", "5", "Conflicts: co-authorship counts when the paper is at most this many years old."),
    Setting(
        "conflict_max_authors",
        "SCHOLARLENS_CONFLICT_MAX_AUTHORS",
        "25",
        "Conflicts: papers with more authors than this make a co-authorship conflict 'weak' (see large_papers).",
    ),
    Setting(
        "conflict_large_papers",
        "SCHOLARLENS_CONFLICT_LARGE_PAPERS",
        "weak",
        "Conflicts: co-authorship on papers above the author cap is 'weak' (listed, not enforced), 'hard', or 'ignore'.",
    ),
    Setting(
        "conflict_unknown_year",
        "SCHOLARLENS_CONFLICT_UNKNOWN_YEAR",
        "hard",
        "Conflicts: a co-authored paper without a year counts as 'hard' (inside the window), 'weak', or 'ignore'.",
    ),
    Setting("conflicts_file", "SCHOLARLENS_CONFLICTS_FILE", None, "Conflicts: a declared-conflicts CSV (reviewer, author or domain, reason) read on every run."),
)


def get(name: str) -> str | None:
    """The value of a setting: its environment variable, else its default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env) or s.default
    raise KeyError(name)
