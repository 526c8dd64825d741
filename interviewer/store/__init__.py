"""Interview history: sessions, transcripts and results in SQLite or Postgres, with numbered migrations.

history     Store: save/load sessions, list them, per-topic trends, weak questions, step locks, shared secrets
backends    the two databases behind one interface: Sqlite (a file) and Postgres (shared by app replicas)
migrations  the schema, as numbered migrations applied once
relay       persist(store, run): save a step's checkpoints while its events stream
"""

from .backends import Locked, NotFound, StoreError
from .history import Owner, QuestionHistory, SessionSummary, Store, StoredTurn, TopicPoint
from .migrations import MIGRATIONS
from .relay import persist

__all__ = [
    "MIGRATIONS",
    "Locked",
    "NotFound",
    "Owner",
    "QuestionHistory",
    "SessionSummary",
    "Store",
    "StoreError",
    "StoredTurn",
    "TopicPoint",
    "persist",
]
