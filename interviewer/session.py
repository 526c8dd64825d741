"""The interview as a pure, serialisable state machine: `step(state, action, deps) -> (state, events)`.

    deps = build_deps(settings)                        # once per app: model + index; no per-session state
    state = new_session(Setup(count=3, mode="study"), deps)
    state, events = step(state, Action(kind="start"), deps)
    state, events = step(state, Action(kind="text", text="my answer ..."), deps)

Streaming: `stream_step(state, action, deps)` returns a `StepRun`; iterate it for events as they happen, then
read `run.state`. `step` is the same run, drained. `Store.persist(run)` relays the events and saves the state at
each `checkpoint` event (an answer is on disk before its feedback streams) and at the end.

Actions (state.Action): `text` (free text, classified by intent.py) or a button: answer, clarify (text), hint,
probe, skip, next, repeat, end, ask_about (text = topic), retry_feedback, help; `start` once, `resume` after a
restart. `state.allowed_actions` lists the buttons that do something in the current phase.

Events (state.Event): `say` (part: greeting, help, transition, question, probe, hint, clarify, feedback,
probe_result, next, nudge, refusal, resume, goodbye) is a complete interviewer message; `chunk` is a streamed
piece of the `say` with the same part that follows, whose text replaces the streamed bubble; `scorecard` and
`reveal` carry the QuestionRecord (score, key points, flags, hints) and the model answer; `notice`/`error` are
short system lines; `finished` means build the report (report.build_report(state)).

The input state is never modified. No UI, no storage, no network of its own: the model and the index come in
through `Deps`, and any model failure falls back to offline text or the offline grade.
"""

from __future__ import annotations

import logging
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator, Protocol, Sequence

from .config import Settings
from .errors import InterviewerError
from .grader import Grade
from .knowledge import Question
from . import handlers
from .llm import ChatModel
from .state import Action, Event, PoolItem, Setup, State

GradeFn = Callable[[Question, str, "ChatModel | None"], Grade]
FeedbackFn = Callable[[Question, str, Grade, "ChatModel | None"], Iterator[str]]
PrepareFn = Callable[[Question, "ChatModel | None"], None]


LLM_PARTS = frozenset({"greeting", "transition", "clarify", "hint", "probe"})


class HitLike(Protocol):
    question: Question
    score: float


class QuestionSource(Protocol):
    """What the session needs from interviewer.index.Index (a test can pass a small fake)."""

    def all(self) -> list[Question]: ...

    def get(self, question_id: str) -> Question: ...

    def search(self, text: str, k: int = 5, where: dict | None = None) -> Sequence[HitLike]: ...


class SetupError(InterviewerError):
    """The chosen banks, topics or question ids match no question."""


def default_grade(question: Question, answer: str, llm: ChatModel | None) -> Grade:
    from .grader import GradeTask, grade

    return grade(GradeTask.from_question(question), answer, mode="llm" if llm else "offline", llm=llm)


def default_feedback(question: Question, answer: str, grade: Grade, llm: ChatModel | None) -> Iterator[str]:
    from .grader import GradeTask, feedback_stream

    return feedback_stream(GradeTask.from_question(question), answer, grade, llm)


_warmer: ThreadPoolExecutor | None = None


def default_prepare(question: Question, llm: ChatModel | None) -> None:
    """Warm the grader (rubric vectors) and the model's prompt cache for this question while the candidate types.
    Queued on one long-lived worker thread, best effort, so asking the question never waits for it and many
    sessions don't start many threads (threads that run onnxruntime and exit made the process abort at exit)."""
    global _warmer
    from .grader import GradeTask, prepare

    def run() -> None:
        try:
            prepare(GradeTask.from_question(question), llm)
        except Exception:  # noqa: BLE001 (warming up is an optimisation; the grade step does the work anyway)
            logging.getLogger(__name__).debug("prepare failed for %s", question.id, exc_info=True)

    if _warmer is None:
        _warmer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
    _warmer.submit(run)


def wait_prepared(timeout: float | None = None) -> None:
    """Block until every queued warm-up has run (benchmarks and tests; the worker runs them in order)."""
    if _warmer is not None:
        _warmer.submit(lambda: None).result(timeout)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Deps:
    """Everything a step may use besides the state. Build once in the app or CLI; share freely."""

    settings: Settings
    llm: ChatModel | None
    index: QuestionSource
    clock: Callable[[], datetime] = _utcnow
    grade_fn: GradeFn = default_grade
    feedback_fn: FeedbackFn = default_feedback
    prepare_fn: PrepareFn | None = default_prepare  # called when a question is asked; None: nothing to warm
    new_id: Callable[[], str] = field(default=_new_id)
    llm_parts: frozenset[str] = LLM_PARTS  # lines the model phrases; drop "transition" to ask questions sooner


    @property
    def backend(self) -> str:
        return getattr(self.llm, "name", "model") if self.llm is not None else "offline"


def _pool(setup: Setup, index: QuestionSource) -> list[PoolItem]:
    if setup.question_ids:
        found = []
        for qid in dict.fromkeys(setup.question_ids):
            try:
                found.append(index.get(qid))
            except KeyError:
                continue
    else:
        banks = {b.lower() for b in setup.banks}
        topics = {t.lower() for t in setup.topics}
        found = [q for q in index.all() if (not banks or q.bank.lower() in banks)
                 and (not topics or q.topic.lower() in topics)]
        found.sort(key=lambda q: q.id)
    return [PoolItem(id=q.id, topic=q.topic, difficulty=q.difficulty, bank=q.bank) for q in found]


def new_session(setup: Setup, deps: Deps) -> State:
    """A fresh interview (phase idle): send Action(kind="start") to greet and ask the first question."""
    pool = _pool(setup, deps.index)
    if not pool:
        wanted = setup.question_ids or setup.topics or setup.banks or ["any"]
        raise SetupError(f"no questions match {', '.join(wanted)}: check the bank and topic names, or run `interviewer ingest`")
    now = deps.clock()
    sid = deps.new_id()
    seed = setup.seed if setup.seed is not None else random.Random(sid).randrange(1 << 30)
    level = 2 if setup.difficulty == "adaptive" else int(setup.difficulty)
    return State(id=sid, setup=setup, backend=deps.backend, started_at=now, updated_at=now, level=level,
                 total=min(setup.count, len(pool)), seed=seed, pool=pool)


class StepRun:
    """An iterable of Events; once exhausted, `state` holds the new state."""

    def __init__(self, state: State, action: Action, deps: Deps):
        self._state, self._action, self._deps = state, action, deps
        self.state: State | None = None

    def __iter__(self) -> Iterator[Event]:
        st = self._state.model_copy(deep=True)
        yield from handlers.dispatch(st, self._action, self._deps)
        st.updated_at = self._deps.clock()
        self.state = st


def stream_step(state: State, action: Action, deps: Deps) -> StepRun:
    return StepRun(state, action, deps)


def step(state: State, action: Action, deps: Deps) -> tuple[State, list[Event]]:
    """Run one action to completion: (new state, events without the streamed chunks)."""
    run = stream_step(state, action, deps)
    events = [e for e in run if e.kind not in ("chunk", "checkpoint")]
    assert run.state is not None
    return run.state, events


def build_deps(settings: Settings, llm: ChatModel | None = None, index: QuestionSource | None = None) -> Deps:
    """Deps for the app or the terminal: the configured model (build_llm does no I/O) and the Chroma index,
    built from knowledge/ when empty. Pass `llm`/`index` to override either."""
    if llm is None:
        from .llm import build_llm

        llm = build_llm(settings)
    if index is None:
        from .index import ensure_index

        index = ensure_index(settings)
    return Deps(settings=settings, llm=llm, index=index)
