"""The history database's schema, as numbered migrations: `migrate(db)` applies the ones not yet recorded, in
order, on SQLite and Postgres alike (Postgres reads `REAL` as DOUBLE PRECISION: backends.Postgres.ddl). Never edit
an applied migration; add the next one."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backends import Database

MIGRATIONS: list[tuple[str, str]] = [
    (
        "m001_initial",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            phase TEXT NOT NULL,
            mode TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            backend TEXT NOT NULL,
            topics TEXT NOT NULL,
            total INTEGER NOT NULL,
            answered INTEGER NOT NULL DEFAULT 0,
            overall REAL NOT NULL DEFAULT 0,
            state TEXT NOT NULL
        );
        CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            speaker TEXT NOT NULL,
            kind TEXT NOT NULL,
            question_id TEXT,
            text TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        CREATE INDEX sessions_started ON sessions(started_at);
    """,
    ),
    (
        "m002_results",
        """
        CREATE TABLE results (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            question_id TEXT NOT NULL,
            bank TEXT NOT NULL,
            topic TEXT NOT NULL,
            difficulty INTEGER NOT NULL,
            status TEXT NOT NULL,
            score REAL NOT NULL,
            hints INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (session_id, number)
        );
        CREATE INDEX results_question ON results(question_id);
        CREATE INDEX results_topic ON results(topic, at);
    """,
    ),
    (
        "m003_owner",
        """
        ALTER TABLE sessions ADD COLUMN owner TEXT;
        CREATE INDEX sessions_owner ON sessions(owner, updated_at);
    """,
    ),
    (
        "m004_app_secrets",
        """
        CREATE TABLE app_secrets (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """,
    ),
]


def migrate(db: "Database") -> list[str]:
    """Apply migrations not yet recorded, each atomically with its record; returns their names. Each runs in an
    exclusive transaction taken before checking, so processes starting at once apply each one exactly once."""
    applied: list[str] = []
    with db.exclusive() as q:
        q.run("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS:
        with db.exclusive() as q:
            if q.one("SELECT 1 AS done FROM _migrations WHERE name=?", (name,)) is None:
                for statement in filter(str.strip, db.ddl(sql).split(";")):
                    q.run(statement)
                q.run("INSERT INTO _migrations VALUES (?, ?)", (name, datetime.now(timezone.utc).isoformat()))
                applied.append(name)
    return applied
