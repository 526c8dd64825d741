"""The interview as a pure, serialisable state machine: `step(state, action, deps) -> (state, events)`.

    deps = build_deps(settings)                        # once per app (interview.deps): model, index, warm-up
    state = new_session(Setup(count=3, mode="study"), deps)
    state, events = step(state, Action(kind="start"), deps)
    state, events = step(state, Action(kind="text", text="my answer ..."), deps)

Streaming: `stream_step(state, action, deps)` returns a `StepRun`; iterate it for events as they happen, then
read `run.state`. `step` is the same run, drained. `interviewer.store.persist(store, run)` relays the events and
saves the state at each `checkpoint` event (an answer is on disk before its feedback streams) and at the end.

Actions (state.Action): `text` (free text, classified by intent.py) or a button: answer, clarify (text), hint,
probe, skip, next, repeat, end, ask_about (text = topic), retry_feedback, help; `start` once, `resume` after a
restart. `actions.allowed_actions(state)` lists the buttons that do something in the current phase.

Events (state.Event): `say` (part: greeting, help, transition, question, probe, hint, clarify, feedback,
probe_result, next, nudge, refusal, resume, goodbye) is a complete interviewer message; `chunk` is a streamed
piece of the `say` with the same part that follows, whose text replaces the streamed bubble; `scorecard` and
`reveal` carry the QuestionRecord (score, key points, flags, hints) and the model answer; `notice`/`error` are
short system lines; `finished` means build the report (report.build_report(state)).

The input state is never modified. No UI, no storage, no network of its own: the model and the index come in
through `Deps` (deps.py), and any model failure falls back to offline text or the offline grade.
"""

from __future__ import annotations

import random
from typing import Iterator

from interviewer.errors import InterviewerError

from . import handlers
from .deps import Deps, QuestionSource
from .state import Action, Event, PoolItem, Setup, State


class SetupError(InterviewerError):
    """The chosen banks, topics or question ids match no question."""


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
        found = [
            q
            for q in index.all()
            if (not banks or q.bank.lower() in banks) and (not topics or q.topic.lower() in topics)
        ]
        found.sort(key=lambda q: q.id)
    return [PoolItem(id=q.id, topic=q.topic, difficulty=q.difficulty, bank=q.bank) for q in found]


def new_session(setup: Setup, deps: Deps) -> State:
    """A fresh interview (phase idle): send Action(kind="start") to greet and ask the first question."""
    pool = _pool(setup, deps.index)
    if not pool:
        wanted = setup.question_ids or setup.topics or setup.banks or ["any"]
        raise SetupError(
            f"no questions match {', '.join(wanted)}: check the bank and topic names, or run `interviewer ingest`"
        )
    now = deps.clock()
    sid = deps.new_id()
    seed = setup.seed if setup.seed is not None else random.Random(sid).randrange(1 << 30)
    level = 2 if setup.difficulty == "adaptive" else int(setup.difficulty)
    return State(
        id=sid,
        setup=setup,
        backend=deps.backend,
        started_at=now,
        updated_at=now,
        level=level,
        total=min(setup.count, len(pool)),
        seed=seed,
        pool=pool,
    )


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
