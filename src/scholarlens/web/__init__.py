"""Web UI and HTTP API over the knowledge base (the optional extra ``scholarlens[web]``).

A thin adapter, like the CLI: each route opens nothing new, makes one core call on the
:class:`~scholarlens.kb.KnowledgeBase` and formats the result as JSON (``/api/...``) or as
a server-rendered page. The core never imports this package.

>>> from scholarlens.web import create_app             # doctest: +SKIP
>>> app = create_app("scholarlens.db")                  # doctest: +SKIP
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
