"""Is this an answer to this question? An answer that matches another bank question clearly better than this one,
and covers none of this question's key points, is an answer to another question (flag off_topic, capped).

Each question is profiled by its text and key points; the bank's profiles are embedded once per process (warmed by
grader.prepare while the candidate reads the question) and compared with the answer's vector, a dot product each.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import numpy as np

from interviewer.errors import InterviewerError

from .evidence import Embedder, default_embedder, task_vectors
from .types import GradeTask

log = logging.getLogger(__name__)
OTHER_MARGIN = 0.12  # cosine by which another question's profile must beat this one's (dev set: answers to another
# question 0.19-0.79; right answers with no key point covered <= 0.03)
# "Tell me about a time ...": a story may be about any technical subject, so no other question is a better match
_STORY = re.compile(r"^\W*(tell me about|describe a time|give (me )?an example of a time|walk me through a time)", re.I)


@dataclass(frozen=True)
class Pool:
    ids: tuple[str, ...]
    questions: tuple[str, ...]
    vectors: np.ndarray


_LOCK = threading.Lock()
_POOL: dict[int, Pool] = {}  # embedder id -> the banks' profiles


def bank_pool(embedder: Embedder | None = None) -> Pool:
    """The profiles of every question in the configured banks (settings.knowledge_dir, else the bundled ones; empty
    when the banks can't be loaded)."""
    embedder = embedder or default_embedder()
    with _LOCK:
        if id(embedder) not in _POOL:
            from interviewer.config import get_settings
            from interviewer.knowledge.bank import load_banks

            folder = get_settings().knowledge_dir
            try:
                questions = [q for bank in load_banks([folder] if folder else None) for q in bank.questions]
            except InterviewerError as exc:
                log.warning("no bank questions to compare answers with: %s", exc)
                questions = []
            texts = [" ".join([q.question, *q.key_points]) for q in questions]  # as TaskVectors.profile
            vectors = embedder.embed(texts) if texts else np.zeros((0, 384), dtype=np.float32)
            _POOL[id(embedder)] = Pool(tuple(q.id for q in questions), tuple(q.question for q in questions), vectors)
        return _POOL[id(embedder)]


def other_question(
    task: GradeTask, answer_vec: np.ndarray, embedder: Embedder | None = None
) -> tuple[str, float] | None:
    """(id, cosine) of the bank question this answer fits better than its own by OTHER_MARGIN, if any."""
    if _STORY.search(task.question):
        return None
    pool = bank_pool(embedder)
    own = float(task_vectors(task, embedder).profile @ answer_vec)
    if not len(pool.ids):
        return None
    sims = pool.vectors @ answer_vec
    for i in np.argsort(-sims)[:3]:
        if pool.ids[i] == task.question_id or pool.questions[i] == task.question:
            continue
        if float(sims[i]) >= own + OTHER_MARGIN:
            return pool.ids[i], float(sims[i])
        break
    return None
