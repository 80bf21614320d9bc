"""Which papers changed since the index was built: an append-only log filled by triggers.

Migration 4 creates ``index_log (seq, paper_id)``. The triggers are installed by the engine
when it first builds an index (so a knowledge base nobody queries pays nothing at ingest):
every insert, update or delete of ``papers``, ``authorships`` or ``paper_sources`` and every
change of a profile's owner appends the affected paper ids. The index remembers the last
``seq`` it covers; anything newer is re-read and applied before a query is answered. No
ingest code has to know about the index.
"""

from __future__ import annotations

from ..stores import Store

_SQLITE = [
    ("papers_ins", "AFTER INSERT ON papers", ["NEW.id"]),
    ("papers_upd", "AFTER UPDATE OF title, abstract, year, n_authors ON papers", ["NEW.id"]),
    ("papers_del", "AFTER DELETE ON papers", ["OLD.id"]),
    ("authorships_ins", "AFTER INSERT ON authorships", ["NEW.paper_id"]),
    ("authorships_upd", "AFTER UPDATE ON authorships", ["OLD.paper_id", "NEW.paper_id"]),
    ("authorships_del", "AFTER DELETE ON authorships", ["OLD.paper_id"]),
    ("sources_ins", "AFTER INSERT ON paper_sources", ["NEW.paper_id"]),
    (
        "sources_upd",
        "AFTER UPDATE OF paper_id, profile_id ON paper_sources",
        ["OLD.paper_id", "NEW.paper_id"],
    ),
    ("sources_del", "AFTER DELETE ON paper_sources", ["OLD.paper_id"]),
]
_OWNER = (
    "INSERT INTO index_log (paper_id) SELECT paper_id FROM paper_sources WHERE profile_id = NEW.id"
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION scholarlens_index_log() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_TABLE_NAME = 'profiles' THEN
    INSERT INTO index_log (paper_id) SELECT paper_id FROM paper_sources WHERE profile_id = NEW.id;
  ELSIF TG_TABLE_NAME = 'papers' THEN
    IF TG_OP <> 'INSERT' THEN INSERT INTO index_log (paper_id) VALUES (OLD.id); END IF;
    IF TG_OP <> 'DELETE' THEN INSERT INTO index_log (paper_id) VALUES (NEW.id); END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN INSERT INTO index_log (paper_id) VALUES (OLD.paper_id); END IF;
    IF TG_OP <> 'DELETE' THEN INSERT INTO index_log (paper_id) VALUES (NEW.paper_id); END IF;
  END IF;
  RETURN NULL;
END
$body$
"""
_PG_TRIGGERS = [
    ("papers", "AFTER INSERT OR DELETE OR UPDATE OF title, abstract, year, n_authors"),
    ("authorships", "AFTER INSERT OR UPDATE OR DELETE"),
    ("paper_sources", "AFTER INSERT OR UPDATE OR DELETE"),
    ("profiles", "AFTER UPDATE OF owner_person_id"),
]


def install(store: Store) -> None:
    """Create the change-log triggers if missing (idempotent, one transaction)."""
    with store.transaction():
        if store.dialect == "postgresql":
            store.execute(_PG_FUNCTION)
            for table, when in _PG_TRIGGERS:
                store.execute(
                    f"CREATE OR REPLACE TRIGGER index_log_{table} {when} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION scholarlens_index_log()"
                )
            return
        for name, when, ids in _SQLITE:
            body = " ".join(f"INSERT INTO index_log (paper_id) VALUES ({i});" for i in ids)
            store.execute(f"CREATE TRIGGER IF NOT EXISTS index_log_{name} {when} BEGIN {body} END")
        store.execute(
            "CREATE TRIGGER IF NOT EXISTS index_log_owner AFTER UPDATE OF owner_person_id ON profiles "
            f"BEGIN {_OWNER}; END"
        )


def last_seq(store: Store) -> int:
    """The newest change recorded (0 when none)."""
    return int(store.scalar("SELECT COALESCE(MAX(seq), 0) FROM index_log") or 0)


def changed_since(store: Store, seq: int, upto: int) -> list[int]:
    """Distinct paper ids changed in ``(seq, upto]``."""
    rows = store.query(
        "SELECT DISTINCT paper_id FROM index_log WHERE seq > ? AND seq <= ? ORDER BY paper_id",
        (seq, upto),
    )
    return [int(r["paper_id"]) for r in rows]


def first_seq(store: Store) -> int:
    """The oldest change still in the log (0 when empty)."""
    return int(store.scalar("SELECT COALESCE(MIN(seq), 0) FROM index_log") or 0)


def trim(store: Store, upto: int) -> None:
    """Forget changes up to ``upto`` (every saved snapshot covers them)."""
    with store.transaction():
        store.execute("DELETE FROM index_log WHERE seq <= ?", (upto,))
