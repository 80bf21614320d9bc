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
        "Embedding model: 'minilm' (bundled all-MiniLM-L6-v2 on torch), 'minilm-onnx' / 'minilm-int8' "
        "(the same on ONNX Runtime, fp32 / int8; no torch), optionally with a token budget "
        "('minilm-int8:192', head+tail 'minilm-int8:256/64'), 'hashing' (fast fake for tests), "
        "or a path to a local sentence-transformers model directory.",
    ),
    Setting(
        "cache_dir",
        "SCHOLARLENS_CACHE_DIR",
        None,
        "Where the ONNX export of the bundled model is cached (default: the user cache dir).",
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
    # -- web server: per-request limits (answers beyond them are problem+json naming the variable)
    Setting("web_max_upload_mb", "SCHOLARLENS_WEB_MAX_UPLOAD_MB", "32", "Web server: largest request body (upload or pasted profile), in MiB; larger → 413."),
    Setting("web_max_records", "SCHOLARLENS_WEB_MAX_RECORDS", "5000", "Web server: most records (papers) one whois request, or submissions one assignment, may carry; more → 413."),
    Setting("web_time_budget", "SCHOLARLENS_WEB_TIME_BUDGET", "30", "Web server: seconds one query may take (waiting for a slot included); longer → 503."),
    Setting("web_workers", "SCHOLARLENS_WEB_WORKERS", None, "Web server: queries computed at once (default: the number of CPUs, at least 2); others wait."),
    Setting(
        "pgvector_search",
        "SCHOLARLENS_PGVECTOR_SEARCH",
        "0",
        "PostgreSQL: 1 = the expertise engine takes its first candidate papers from the pgvector HNSW index when that column is in sync (exact scores, approximate candidates); 0 = the exact dense product.",
    ),
    # -- input limits (formats/_io.py, formats/_lines.py): a file over one fails with a ParseError naming it
    Setting(
        "max_record_bytes",
        "SCHOLARLENS_MAX_RECORD_BYTES",
        str(16 * 1024 * 1024),
        "Largest single record accepted, in bytes: one JSON line, one JSON document's first record, one BibTeX entry.",
    ),
    Setting(
        "max_file_bytes",
        "SCHOLARLENS_MAX_FILE_BYTES",
        str(1024 * 1024 * 1024),
        "Largest file parsed whole (not streamed), in bytes after decompression.",
    ),
    Setting(
        "max_decompressed_bytes",
        "SCHOLARLENS_MAX_DECOMPRESSED_BYTES",
        str(64 * 1024 * 1024 * 1024),
        "Largest decompressed size of a streamed .gz dump, in bytes (gzip-bomb guard).",
    ),
    Setting(
        "max_gzip_ratio",
        "SCHOLARLENS_MAX_GZIP_RATIO",
        "200",
        "Largest decompressed/compressed size ratio of a .gz file once past 64 MiB (gzip-bomb guard).",
    ),
)


def get(name: str) -> str | None:
    """The value of a setting: its environment variable, else its default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env) or s.default
    raise KeyError(name)
