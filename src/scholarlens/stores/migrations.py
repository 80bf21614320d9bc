"""Numbered schema migrations, applied in order and recorded in ``_migrations``.

Link tables keyed by their primary key are ``WITHOUT ROWID`` on SQLite (one B-tree instead of
a table plus an index: a third fewer index writes per streamed record); the PostgreSQL
backend drops that clause.

Never edit a released migration: add a new one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "knowledge base",
        """
        CREATE TABLE profiles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'person',
            declared_name TEXT,
            sha256 TEXT NOT NULL UNIQUE,
            n_records INTEGER NOT NULL DEFAULT 0,
            ingested_at TEXT NOT NULL,
            owner_person_id INTEGER,
            owner_confidence REAL,
            owner_status TEXT NOT NULL DEFAULT 'unknown',
            declared_supported INTEGER,
            owner_evidence TEXT
        );
        CREATE TABLE papers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT,
            abstract TEXT,
            year INTEGER,
            month INTEGER,
            day INTEGER,
            category TEXT,
            has_code INTEGER NOT NULL DEFAULT 0,
            venue TEXT,
            n_authors INTEGER NOT NULL DEFAULT 0,
            authors_complete INTEGER NOT NULL DEFAULT 1,
            content_hash TEXT
        );
        CREATE TABLE paper_sources (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            paper_id INTEGER NOT NULL REFERENCES papers(id),
            profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            line INTEGER,
            title_key TEXT,
            abstract_fp TEXT,
            abstract_head TEXT,
            record TEXT NOT NULL,
            UNIQUE (profile_id, ordinal)
        );
        CREATE INDEX paper_sources_paper ON paper_sources(paper_id);
        CREATE INDEX paper_sources_title ON paper_sources(title_key);
        CREATE INDEX paper_sources_head ON paper_sources(abstract_head);
        CREATE TABLE identifiers (
            scheme TEXT NOT NULL,
            value TEXT NOT NULL,
            paper_id INTEGER NOT NULL REFERENCES papers(id),
            PRIMARY KEY (scheme, value)
        ) WITHOUT ROWID;
        CREATE INDEX identifiers_paper ON identifiers(paper_id);
        CREATE TABLE people (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            family_key TEXT NOT NULL,
            guessed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX people_key ON people(key);
        CREATE INDEX people_family ON people(family_key);
        CREATE TABLE person_aliases (
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            PRIMARY KEY (person_id, alias)
        ) WITHOUT ROWID;
        CREATE INDEX person_aliases_key ON person_aliases(key);
        CREATE TABLE authorships (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            person_id INTEGER NOT NULL REFERENCES people(id),
            name TEXT NOT NULL,
            PRIMARY KEY (paper_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX authorships_person ON authorships(person_id);
        CREATE TABLE paper_organisations (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            PRIMARY KEY (paper_id, name)
        ) WITHOUT ROWID;
        """,
    ),
    (
        2,
        "embedding cache",
        """
        CREATE TABLE embeddings (
            text_hash TEXT NOT NULL,
            model_id TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (text_hash, model_id)
        );
        """,
    ),
    (
        3,
        "streaming ingest checkpoints",
        """
        CREATE TABLE ingest_checkpoints (
            profile_id TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
            line INTEGER NOT NULL DEFAULT 0,
            byte_offset INTEGER NOT NULL DEFAULT 0,
            records INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0,
            options TEXT,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        4,
        "authorship provenance: profile owners are authors of their profile's papers",
        """
        ALTER TABLE authorships ADD COLUMN provenance TEXT NOT NULL DEFAULT 'author list';
        ALTER TABLE authorships ADD COLUMN profile_id TEXT;
        ALTER TABLE authorships ADD COLUMN confidence REAL;
        CREATE INDEX authorships_profile ON authorships(profile_id);
        """,
    ),
    (
        5,
        "index change log (triggers installed by the index engine)",
        """
        CREATE TABLE index_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            paper_id INTEGER NOT NULL
        );
        """,
    ),
]
