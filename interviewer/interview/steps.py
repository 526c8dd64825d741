"""Building blocks of the interview's transitions (handlers.py uses them): transcript lines, grading with a
fallback, picking and asking questions (speech.py says what the model phrases; probing.py picks follow-ups).

Everything mutates the private copy of the state that session.StepRun made; nothing touches storage or the UI.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Generator, Iterable, Iterator

from interviewer.errors import GradingError, ModelError
from interviewer.grading import Grade
from interviewer.knowledge.bank import Question

from . import replies
from .state import Event, PoolItem, QuestionRecord, State, Turn

if TYPE_CHECKING:
    from .deps import Deps, QuestionSource

Run = Generator[Event, None, None]
MODEL_BREAKER = 2  # consecutive model failures after which a session stops waiting on the model
_SCREENED = {"empty", "gibberish", "other_language", "off_topic", "copied_question"}  # graded offline on purpose
MODEL_DOWN = (
    "The language model didn't respond, so this is the offline grade and feedback. "
    "Say 'retry feedback' to try the model again."
)


# ---- small helpers


def add_turn(st: State, deps: "Deps", speaker: str, kind: str, text: str) -> Turn:
    turn = Turn(
        seq=len(st.turns) + 1,
        at=deps.clock(),
        speaker=speaker,
        kind=kind,
        text=text,
        question_index=len(st.records) - 1 if st.records else None,
    )
    st.turns.append(turn)
    return turn


def say(st: State, deps: "Deps", part: str, text: str, record: QuestionRecord | None = None) -> Event:
    add_turn(st, deps, "interviewer", part, text)
    return Event(kind="say", part=part, text=text, record=record.model_copy(deep=True) if record else None)


def notice(st: State, deps: "Deps", text: str, kind: str = "notice") -> Event:
    add_turn(st, deps, "system", kind, text)
    return Event(kind=kind, text=text)


def checkpoint(st: State) -> Event:
    return Event(kind="checkpoint", state=st.model_copy(deep=True))


def tee(chunks: Iterable[str], sink: list[str]) -> Iterator[str]:
    for chunk in chunks:
        sink.append(chunk)
        yield chunk


def grade_with_fallback(
    st: State, deps: "Deps", question: Question, answer: str, force: bool = False
) -> tuple[Grade, bool]:
    """(grade, model failed): offline, plus the model's verdicts when settings.llm_grading is on and the model is
    up (or `force`). grader.grade falls back by itself and says so with mode="offline"; screened answers are
    offline by design."""
    llm = model_for(st, deps, force) if deps.settings.llm_grading else None
    try:
        grade = deps.grade_fn(question, answer, llm)
    except (ModelError, GradingError):
        if llm is None:
            raise
        grade, failed = deps.grade_fn(question, answer, None), True
    else:
        failed = llm is not None and grade.mode == "offline" and not set(grade.flags) & _SCREENED
    if llm is not None:
        st.model_failures = st.model_failures + 1 if failed else 0
    return grade, failed


def model_for(st: State, deps: "Deps", force: bool = False):
    """The model, unless it failed MODEL_BREAKER times in a row (then offline until a forced retry succeeds)."""
    return deps.llm if force or st.model_failures < MODEL_BREAKER else None


def pick_next(st: State, index: "QuestionSource") -> Question | None:
    """The next question: the given order for a retry list, else nearest the current level, fresh topics first."""
    fresh = [p for p in st.pool if p.id not in st.asked_ids]
    if not st.setup.question_ids:
        random.Random(f"{st.seed}:{len(st.records)}").shuffle(fresh)
        used = [r.question.topic for r in st.asked]
        fresh.sort(key=lambda p: (abs(p.difficulty - st.level), used.count(p.topic)))
    for item in fresh:
        try:
            return index.get(item.id)
        except KeyError:
            continue
    return None


def adapt(st: State, rec: QuestionRecord) -> None:
    """Adaptive difficulty: up a level after a strong answer, down after a weak one or a skip."""
    if st.setup.difficulty != "adaptive":
        return
    if rec.status == "answered" and rec.score >= 7.5:
        st.level = min(3, st.level + 1)
    elif rec.status != "answered" or rec.score < 5.0:
        st.level = max(1, st.level - 1)


# ---- asking and finishing


def ask(st: State, deps: "Deps", q: Question, note: str = "") -> Run:
    rec = QuestionRecord(question=q, difficulty=q.difficulty, asked_at=deps.clock())
    st.records.append(rec)
    st.phase = "question"
    if all(p.id != q.id for p in st.pool):
        st.pool.append(PoolItem(id=q.id, topic=q.topic, difficulty=q.difficulty, bank=q.bank))
    yield say(st, deps, "transition", replies.transition(len(st.asked), st.total, q, st.seed, note))
    yield say(st, deps, "question", q.question, rec)
    if deps.prepare_fn is not None:  # warm the grader and the model's prompt cache while the candidate types
        deps.prepare_fn(q, model_for(st, deps))


def advance(st: State, deps: "Deps", note: str = "") -> Run:
    q = None if len(st.asked) >= st.total else pick_next(st, deps.index)
    if q is None:
        yield from finish(st, deps)
    else:
        yield from ask(st, deps, q, note)


def finish(st: State, deps: "Deps") -> Run:
    rec = st.current
    if rec and rec.status == "open":
        rec.status = "unanswered"
    if rec and rec.open_probe:
        rec.open_probe.skipped = True
    st.phase, st.finished_at = "finished", deps.clock()
    yield say(st, deps, "goodbye", replies.goodbye(st))
    yield Event(kind="finished", text=f"{st.overall:.1f}")


def reveal(st: State, deps: "Deps", rec: QuestionRecord) -> Event:
    add_turn(st, deps, "interviewer", "reveal", rec.question.reference_answer.strip())
    return Event(kind="reveal", text=rec.question.reference_answer.strip(), record=rec.model_copy(deep=True))


def scorecard(st: State, deps: "Deps", rec: QuestionRecord) -> Event:
    covered = sum(rec.point_status(i) == "covered" for i in range(len(rec.question.key_points)))
    flags = f"; flags: {', '.join(rec.grade.flags)}" if rec.grade and rec.grade.flags else ""
    add_turn(
        st,
        deps,
        "system",
        "scorecard",
        f"Score {rec.score:.1f}/10; key points covered {covered}/{len(rec.question.key_points)}{flags}",
    )
    return Event(kind="scorecard", record=rec.model_copy(deep=True))
