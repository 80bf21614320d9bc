"""Indexes over paper texts and the expertise engine built on them.

* :mod:`.basic` — per-call indexes over a list of texts (:class:`DenseIndex`,
  :class:`LexicalIndex`) and :func:`check_query`; used where there is no knowledge base
  (the OpenReview batch).
* :mod:`.engine` — :class:`Engine`: persistent, incrementally maintained indexes over a
  knowledge base (dense matrix per model, TF-IDF postings, person × paper matrix) and the
  exact vectorised expert ranking on them.
* :mod:`.lexical` — the exact TF-IDF postings (scikit-learn's scores, without refitting).
* :mod:`.kernel` — paper weights and per-person aggregation as array operations, for one
  query or for blocks of many (batch affinity).
* :mod:`.changelog` — the database triggers that record which papers changed.
"""

from __future__ import annotations

from .basic import DenseIndex, LexicalIndex, VectorIndex, check_query

__all__ = ["DenseIndex", "LexicalIndex", "VectorIndex", "check_query"]
