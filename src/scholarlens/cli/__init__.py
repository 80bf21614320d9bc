"""The ``scholarlens`` command line: a thin adapter over the library.

Each command opens the knowledge base, makes one core call and formats the result as a
Rich table or, with ``--json``, as JSON. Domain errors become one red line and exit code 1.
Commands live in submodules by feature; importing them registers them on :data:`app`.
"""

from __future__ import annotations

from ._common import app

# Importing registers the commands (one module per feature).
from . import kb_commands  # noqa: E402,F401  isort: skip
from . import expertise  # noqa: E402,F401  isort: skip
from . import whois  # noqa: E402,F401  isort: skip
from . import person  # noqa: E402,F401  isort: skip
from . import records  # noqa: E402,F401  isort: skip
from . import web  # noqa: E402,F401  isort: skip
from . import assign  # noqa: E402,F401  isort: skip
from . import index  # noqa: E402,F401  isort: skip


def main() -> None:
    app()


__all__ = ["app", "main"]
