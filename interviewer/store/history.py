"""Interview history in SQLite (settings.history_db, the default) or Postgres (settings.database_url, shared by
app replicas), with the same numbered migrations on both, recorded once applied.

Tables: `sessions` (one row per interview, holding the latest State as JSON, so a session killed at any point
resumes from its last save, and its `owner`: the logged-in user when the app runs with auth, else NULL), `turns`
(one row per transcript line), `results` (one row per question asked: score history, per-topic trends, best
score per question, "retry weak questions") and `app_secrets` (keys every replica must share).

Saving is explicit and idempotent: `save(state)` writes the session row, the turns not yet stored and the
results, in one transaction (relay.persist saves a step's checkpoints as they stream). One Store is shared by
every browser session and thread; `step_lock(session_id)` lets one step of a session run at a time across every
process that shares the database.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from interviewer.grading import PASS_MARK
from interviewer.interview.state import Mode, State

from .backends import NotFound, open_database
from .migrations import migrate

if TYPE_CHECKING:
    from interviewer.config import Settings

Owner = str | None  # the logged-in user (app auth); None = no filter, everyone's history (single-user app)
SUMMARY_COLUMNS = (
    "id, started_at, updated_at, finished_at, phase, mode, difficulty, backend, topics, total, answered, overall, owner"
)


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
    """The history: `Store(path)` for SQLite, `Store("postgresql://...")` for Postgres; `Store.open(settings)` picks."""

    def __init__(self, target: str | Path, pool_size: int = 10):
        self.db = open_database(target, pool_size)
        self.path = Path(target) if not self.db.shared else None
        try:
            self.migrate()
        except BaseException:
            self.db.close()
            raise
        self.db.hold_open()

    @property
    def shared(self) -> bool:
        """Other processes may use this database at the same time (Postgres: app replicas)."""
        return self.db.shared

    def close(self) -> None:
        self.db.close()

    @classmethod
    def open(cls, settings: "Settings") -> "Store":
        if settings.database_url is not None:
            return cls(settings.database_url.get_secret_value(), settings.database_pool)
        return cls(settings.history_db)

    def migrate(self) -> list[str]:
        """Apply migrations not yet recorded; returns their names (migrations.migrate)."""
        return migrate(self.db)

    def applied_migrations(self) -> list[str]:
        with self.db.read() as q:
            return [row["name"] for row in q.all("SELECT name FROM _migrations ORDER BY name")]

    def step_lock(self, session_id: str) -> Any:
        """Context manager: hold while a step of this session runs; raises Locked when one already runs here or
        on another replica. Released when the block ends, or when the holding process dies."""
        return self.db.step_lock(session_id)

    def shared_secret(self, name: str) -> str:
        """A random secret every process sharing this database reads the same (created by the first to ask)."""
        with self.db.write() as q:
            q.run(
                "INSERT INTO app_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_hex(32)),
            )
            return q.one("SELECT value FROM app_secrets WHERE name=?", (name,))["value"]

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
        with self.db.write() as q:
            q.run(
                """INSERT INTO sessions (id, started_at, updated_at, finished_at, phase, mode, difficulty, backend,
                   topics, total, answered, overall, state, owner) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT (id) DO UPDATE SET
                   updated_at=excluded.updated_at, finished_at=excluded.finished_at, phase=excluded.phase,
                   backend=excluded.backend, topics=excluded.topics, total=excluded.total,
                   answered=excluded.answered, overall=excluded.overall, state=excluded.state,
                   owner=COALESCE(sessions.owner, excluded.owner)""",
                row,
            )
            stored = q.one("SELECT COALESCE(MAX(seq), 0) AS seq FROM turns WHERE session_id=?", (state.id,))["seq"]
            q.many(
                "INSERT INTO turns (session_id, seq, at, speaker, kind, question_id, text) VALUES (?,?,?,?,?,?,?)",
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
            q.run("DELETE FROM results WHERE session_id=?", (state.id,))
            q.many(
                """INSERT INTO results (session_id, number, question_id, bank, topic, difficulty, status, score, hints,
                   at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
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
        with self.db.write() as q:
            q.run("DELETE FROM sessions WHERE id=?", (session_id,))

    # ---- reading

    def load_owned(self, session_id: str) -> tuple[State, Owner]:
        """The session's State and who started it (None: saved without auth), in one query."""
        with self.db.read() as q:
            row = q.one("SELECT state, owner FROM sessions WHERE id=?", (session_id,))
        if row is None:
            raise NotFound(f"no saved session {session_id!r}; list_sessions() shows the saved ones")
        return State.model_validate_json(row["state"]), row["owner"]

    def load(self, session_id: str) -> State:
        return self.load_owned(session_id)[0]

    def owner_of(self, session_id: str) -> Owner:
        """Who started the session (None: saved without auth). NotFound when it is not saved."""
        with self.db.read() as q:
            row = q.one("SELECT owner FROM sessions WHERE id=?", (session_id,))
        if row is None:
            raise NotFound(f"no saved session {session_id!r}; list_sessions() shows the saved ones")
        return row["owner"]

    def list_sessions(
        self, limit: int = 50, unfinished_only: bool = False, owner: Owner = None
    ) -> list[SessionSummary]:
        """Most recent first; only `owner`'s sessions when one is given."""
        clauses = (["phase NOT IN ('finished', 'idle')"] if unfinished_only else []) + (["owner = ?"] if owner else [])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        args = ([owner] if owner else []) + [limit]
        with self.db.read() as q:
            rows = q.all(f"SELECT {SUMMARY_COLUMNS} FROM sessions {where} ORDER BY updated_at DESC LIMIT ?", args)
        return [SessionSummary(**row | {"topics": json.loads(row["topics"])}) for row in rows]

    def resumable(self, limit: int = 10, owner: Owner = None) -> list[SessionSummary]:
        """Started but unfinished sessions, most recent first."""
        return self.list_sessions(limit, unfinished_only=True, owner=owner)

    def turns(self, session_id: str) -> list[StoredTurn]:
        with self.db.read() as q:
            rows = q.all("SELECT * FROM turns WHERE session_id=? ORDER BY seq", (session_id,))
        return [StoredTurn(**row) for row in rows]

    def topic_trend(self, topic: str | None = None, owner: Owner = None) -> list[TopicPoint]:
        clauses = (["lower(r.topic) = lower(?)"] if topic else []) + (["s.owner = ?"] if owner else [])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"""SELECT r.session_id, s.started_at AS at, r.topic, AVG(r.score) AS score, COUNT(*) AS questions
                  FROM results r JOIN sessions s ON s.id = r.session_id
                  {where} GROUP BY r.session_id, s.started_at, r.topic ORDER BY s.started_at, r.topic"""
        with self.db.read() as q:
            rows = q.all(sql, [x for x in (topic, owner) if x])
        return [TopicPoint(**row | {"score": round(row["score"], 1)}) for row in rows]

    def question_history(self, owner: Owner = None) -> list[QuestionHistory]:
        """Best and latest score per question over every session (the best is what counts)."""
        sql = "SELECT r.question_id, r.topic, r.score FROM results r"
        if owner:
            sql += " JOIN sessions s ON s.id = r.session_id WHERE s.owner = ?"
        with self.db.read() as q:
            rows = q.all(sql + " ORDER BY r.at, r.session_id, r.number", [owner] if owner else [])
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
