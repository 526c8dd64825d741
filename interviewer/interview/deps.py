"""What a step may use besides the state, passed in explicitly: `Deps(settings, llm, index, clock, ...)`.

Build it once per app or CLI with `build_deps(settings)` and share it freely; close it at shutdown. The session
reaches the model and the index only through it, so a test passes fakes (tests/interview_fakes.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from interviewer.config import Settings
from interviewer.grading import Grade, GradeTask, feedback_stream, grade
from interviewer.knowledge.bank import Question
from interviewer.knowledge.embeddings import VectorCache
from interviewer.llm import ChatModel
from interviewer.safety.leak import EmbedFn, LeakGuard

from .warmup import Warmer

GradeFn = Callable[[Question, str, "ChatModel | None"], Grade]
FeedbackFn = Callable[[Question, str, Grade, "ChatModel | None"], Iterator[str]]
PrepareFn = Callable[[Question, "ChatModel | None"], None]

LLM_PARTS = frozenset({"clarify", "probe"})  # greetings, transitions and hints are code and bank text
# The embedded 1.5B model (short profile) phrases nothing the candidate reads but feedback: measured on a quiet
# machine its clarify replies showed their first text at p50 1.76 s (budget 1.5 s) and half of them failed the
# checks and fell back to the fixed scope reply anyway (bench/simulated_candidates.py --personas clarifier).
SHORT_LLM_PARTS: frozenset[str] = frozenset()


class HitLike(Protocol):
    question: Question
    score: float


class QuestionSource(Protocol):
    """What the session needs from interviewer.knowledge.index.Index (a test can pass a small fake)."""

    def all(self) -> list[Question]: ...

    def get(self, question_id: str) -> Question: ...

    def search(self, text: str, k: int = 5, where: dict | None = None) -> Sequence[HitLike]: ...


def default_grade(question: Question, answer: str, llm: ChatModel | None) -> Grade:
    return grade(GradeTask.from_question(question), answer, mode="llm" if llm else "offline", llm=llm)


def default_feedback(
    question: Question, answer: str, grade: Grade, llm: ChatModel | None, rich: bool = False
) -> Iterator[str]:
    return feedback_stream(GradeTask.from_question(question), answer, grade, llm, rich=rich)


_SAID = VectorCache(4096)  # hints and fixed replies are said again and again


def default_embed(texts: Sequence[str]) -> np.ndarray:
    """MiniLM, loaded on first use (the leak guard's meaning check). Vectors are kept per sentence, and the warm-up
    embeds the question's hints while the candidate reads, so asking for a hint embeds nothing."""
    from interviewer.knowledge.embeddings import get_model

    return _SAID.embed(texts, get_model())


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Deps:
    """Everything a step may use besides the state."""

    settings: Settings
    llm: ChatModel | None
    index: QuestionSource
    clock: Callable[[], datetime] = _utcnow
    grade_fn: GradeFn = default_grade
    feedback_fn: FeedbackFn = default_feedback
    prepare_fn: PrepareFn | None = None  # called when a question is asked (build_deps: a Warmer); None: no warm-up
    new_id: Callable[[], str] = field(default=_new_id)
    llm_parts: frozenset[str] = LLM_PARTS  # lines the model may phrase (clarify, probe)
    embed: EmbedFn | None = default_embed  # the leak guard's meaning check; None: word runs only

    @property
    def profile(self) -> str:
        """ "short" (a small local model) or "rich" (a capable backend): which prompt variants are used."""
        return self.settings.active_profile

    def guard(self, question: Question) -> LeakGuard:
        return LeakGuard(question, embed=self.embed)

    @property
    def backend(self) -> str:
        return getattr(self.llm, "name", "model") if self.llm is not None else "offline"

    def close(self) -> None:
        """Stop the warm-up worker and release the model (the embedded engine, a connection pool)."""
        for part in (self.prepare_fn, self.llm):
            close = getattr(part, "close", None)
            if callable(close):
                close()


def build_deps(settings: Settings, llm: ChatModel | None = None, index: QuestionSource | None = None) -> Deps:
    """Deps for the app or the terminal: the configured model (build_llm does no I/O), the Chroma index (built
    from knowledge/ when empty) and a warm-up worker. Pass `llm`/`index` to override either."""
    if llm is None:
        from interviewer.llm import build_llm

        llm = build_llm(settings)
    if index is None:
        from interviewer.knowledge.index import ensure_index

        index = ensure_index(settings)
    rich = settings.active_profile == "rich"
    parts = LLM_PARTS if rich else SHORT_LLM_PARTS
    warmer = Warmer(rich=rich, embed=default_embed, clarify="clarify" in parts)
    warmer.start(llm)
    return Deps(
        settings=settings,
        llm=llm,
        index=index,
        feedback_fn=partial(default_feedback, rich=rich),
        prepare_fn=warmer,
        llm_parts=parts,
    )
