"""Interview history: sessions, transcripts and results in SQLite, with numbered migrations.

history     Store: save/load sessions, list them, per-topic trends, weak questions
migrations  the schema, as numbered migrations applied once
relay       persist(store, run): save a step's checkpoints while its events stream
"""

from .history import Owner, QuestionHistory, SessionSummary, Store, StoredTurn, StoreError, TopicPoint
from .migrations import MIGRATIONS
from .relay import persist

__all__ = [
    "MIGRATIONS",
    "Owner",
    "QuestionHistory",
    "SessionSummary",
    "Store",
    "StoreError",
    "StoredTurn",
    "TopicPoint",
    "persist",
]
