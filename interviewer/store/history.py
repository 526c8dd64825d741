"""Interview history in SQLite (settings.history_db), with numbered migrations recorded once applied.

Tables: `sessions` (one row per interview, holding the latest State as JSON, so a session killed at any point
resumes from its last save, and its `owner`: the logged-in user when the app runs with auth, else NULL), `turns`
(one row per transcript line) and `results` (one row per question asked: score history, per-topic trends, best
score per question, "retry weak questions").

Saving is explicit and idempotent: `save(state)` writes the session row, the turns not yet stored and the
results, in one transaction (relay.persist saves a step's checkpoints as they stream). Each call opens its own
connection, so one Store can be shared by every browser session and thread. One more connection stays open for
the Store's lifetime (closed by `close()`): while any connection is open, closing the others doesn't checkpoint
the WAL, which would cost an fsync (~20 ms) on every save.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from pydantic import BaseModel

from interviewer.errors import InterviewerError
from interviewer.grading import PASS_MARK
from interviewer.interview.state import Mode, State

from .migrations import MIGRATIONS

if TYPE_CHECKING:
    from interviewer.config import Settings

Owner = str | None  # the logged-in user (app auth); None = no filter, everyone's history (single-user app)


class StoreError(InterviewerError):
    """The history database is unreadable, or a session id is unknown."""


class SessionSummary(BaseModel):
    id: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    phase: str
    mode: Mode
    difficulty: str
    backend: str
    topics: list[str]
    total: int
    answered: int
    overall: float
    owner: str | None = None

    @property
    def finished(self) -> bool:
        return self.phase == "finished"


class TopicPoint(BaseModel):
    """One session's mean score on one topic (a point of the per-topic trend chart)."""

    session_id: str
    at: datetime
    topic: str
    score: float
    questions: int


class StoredTurn(BaseModel):
    session_id: str
    seq: int
    at: datetime
    speaker: str
    kind: str
    question_id: str | None
    text: str


class QuestionHistory(BaseModel):
    question_id: str
    topic: str
    best: float
    last: float
    attempts: int


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()
        self._anchor: sqlite3.Connection | None = sqlite3.connect(self.path, check_same_thread=False)
        self._anchor.execute("SELECT 1 FROM _migrations LIMIT 1").fetchall()  # opens the file and the WAL index

    def close(self) -> None:
        """Release the WAL anchor (the last connection to close checkpoints the WAL into the database)."""
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()

    @classmethod
    def open(cls, settings: "Settings") -> "Store":
        return cls(settings.history_db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=15, isolation_level=None)) as conn:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"history database {self.path}: {exc}. Move it aside to start a fresh history.") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def migrate(self) -> list[str]:
        """Apply migrations not yet recorded, each atomically with its record; returns their names.
        The write lock is taken before checking, so two processes starting at once apply each one once."""
        applied: list[str] = []
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            for name, sql in MIGRATIONS:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if conn.execute("SELECT 1 FROM _migrations WHERE name=?", (name,)).fetchone() is None:
                        for statement in filter(str.strip, sql.split(";")):
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO _migrations VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (name,)
                        )
                        applied.append(name)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        return applied

    def applied_migrations(self) -> list[str]:
        with self._connect() as conn:
            return [row["name"] for row in conn.execute("SELECT name FROM _migrations ORDER BY name")]

    # ---- writing

    def save(self, state: State, owner: Owner = None) -> None:
        """Write the session row, new turns and results in one transaction (safe to call repeatedly).
        `owner` is recorded on the first save that gives one and never changes after."""
        topics = sorted({r.question.topic for r in state.asked} or {p.topic for p in state.pool})
        row = (
            state.id,
            state.started_at.isoformat(),
            state.updated_at.isoformat(),
            state.finished_at.isoformat() if state.finished_at else None,
            state.phase,
            state.setup.mode,
            state.setup.difficulty,
            state.backend,
            json.dumps(topics),
            state.total,
            sum(r.status == "answered" for r in state.records),
            state.overall,
            state.model_dump_json(),
            owner,
        )
        with self._transaction() as conn:
            conn.execute(
                """INSERT INTO sessions (id, started_at, updated_at, finished_at, phase, mode, difficulty, backend,
                   topics, total, answered, overall, state, owner) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(id) DO UPDATE SET
                   updated_at=excluded.updated_at, finished_at=excluded.finished_at, phase=excluded.phase,
                   backend=excluded.backend, topics=excluded.topics, total=excluded.total,
                   answered=excluded.answered, overall=excluded.overall, state=excluded.state,
                   owner=COALESCE(sessions.owner, excluded.owner)""",
                row,
            )
            stored = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id=?", (state.id,)).fetchone()[
                0
            ]
            conn.executemany(
                "INSERT INTO turns VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        state.id,
                        t.seq,
                        t.at.isoformat(),
                        t.speaker,
                        t.kind,
                        state.records[t.question_index].question.id if t.question_index is not None else None,
                        t.text,
                    )
                    for t in state.turns
                    if t.seq > stored
                ],
            )
            conn.execute("DELETE FROM results WHERE session_id=?", (state.id,))
            conn.executemany(
                "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        state.id,
                        n,
                        r.question.id,
                        r.question.bank,
                        r.question.topic,
                        r.question.difficulty,
                        r.status,
                        r.score,
                        len(r.hints),
                        r.asked_at.isoformat(),
                    )
                    for n, r in enumerate(state.asked, 1)
                    if r.status in ("answered", "skipped")
                ],
            )

    def delete(self, session_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))

    # ---- reading

    def load(self, session_id: str) -> State:
        with self._connect() as conn:
            row = conn.execute("SELECT state FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"no saved session {session_id!r}; list_sessions() shows the saved ones")
        return State.model_validate_json(row["state"])

    def owner_of(self, session_id: str) -> Owner:
        """Who started the session (None: saved without auth). StoreError when it is not saved."""
        with self._connect() as conn:
            row = conn.execute("SELECT owner FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"no saved session {session_id!r}; list_sessions() shows the saved ones")
        return row["owner"]

    def list_sessions(
        self, limit: int = 50, unfinished_only: bool = False, owner: Owner = None
    ) -> list[SessionSummary]:
        """Most recent first; only `owner`'s sessions when one is given."""
        clauses = (["phase NOT IN ('finished', 'idle')"] if unfinished_only else []) + (["owner = ?"] if owner else [])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        args = ([owner] if owner else []) + [limit]
        with self._connect() as conn:
            rows = conn.execute(f"SELECT * FROM sessions {where} ORDER BY updated_at DESC LIMIT ?", args).fetchall()
        return [
            SessionSummary(**{k: row[k] for k in row.keys() if k != "state"} | {"topics": json.loads(row["topics"])})
            for row in rows
        ]

    def resumable(self, limit: int = 10, owner: Owner = None) -> list[SessionSummary]:
        """Started but unfinished sessions, most recent first."""
        return self.list_sessions(limit, unfinished_only=True, owner=owner)

    def turns(self, session_id: str) -> list[StoredTurn]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM turns WHERE session_id=? ORDER BY seq", (session_id,)).fetchall()
        return [StoredTurn(**dict(row)) for row in rows]

    def topic_trend(self, topic: str | None = None, owner: Owner = None) -> list[TopicPoint]:
        clauses = (["lower(r.topic) = lower(?)"] if topic else []) + (["s.owner = ?"] if owner else [])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"""SELECT r.session_id, s.started_at AS at, r.topic, ROUND(AVG(r.score), 1) AS score,
                         COUNT(*) AS questions
                  FROM results r JOIN sessions s ON s.id = r.session_id
                  {where} GROUP BY r.session_id, r.topic ORDER BY s.started_at, r.topic"""
        with self._connect() as conn:
            rows = conn.execute(sql, [x for x in (topic, owner) if x]).fetchall()
        return [TopicPoint(**dict(row)) for row in rows]

    def question_history(self, owner: Owner = None) -> list[QuestionHistory]:
        """Best and latest score per question over every session (the best is what counts)."""
        sql = "SELECT r.question_id, r.topic, r.score FROM results r"
        if owner:
            sql += " JOIN sessions s ON s.id = r.session_id WHERE s.owner = ?"
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY r.at", [owner] if owner else []).fetchall()
        seen: dict[str, QuestionHistory] = {}
        for row in rows:
            h = seen.get(row["question_id"])
            if h is None:
                seen[row["question_id"]] = QuestionHistory(
                    question_id=row["question_id"], topic=row["topic"], best=row["score"], last=row["score"], attempts=1
                )
            else:
                h.best, h.last, h.attempts = max(h.best, row["score"]), row["score"], h.attempts + 1
        return list(seen.values())

    def best_scores(self, owner: Owner = None) -> dict[str, float]:
        return {h.question_id: h.best for h in self.question_history(owner)}

    def weak_questions(self, limit: int = 5, below: float = PASS_MARK, owner: Owner = None) -> list[str]:
        """Questions whose best score is still under the pass mark, weakest first."""
        weak = sorted((h for h in self.question_history(owner) if h.best < below), key=lambda h: (h.best, -h.attempts))
        return [h.question_id for h in weak[:limit]]
