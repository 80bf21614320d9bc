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
)


def get(name: str) -> str | None:
    """The value of a setting: its environment variable, else its default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env) or s.default
    raise KeyError(name)
