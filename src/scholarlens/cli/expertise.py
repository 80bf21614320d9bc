"""CLI commands (placeholder: filled by the issue that owns this feature)."""

from __future__ import annotations
