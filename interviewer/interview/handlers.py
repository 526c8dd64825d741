"""The transitions behind session.step: one handler per candidate action, each a generator of Events.

`dispatch` cleans the input, classifies free text (intent.py), records the candidate's turn and calls the handler
for the action in the current phase. Greetings, transitions and hints are code and bank text; clarifications and
(rich profile) follow-ups go through speech.speak (checked sentence by sentence, with code text as the fallback);
answers are graded offline first (steps.grade_with_fallback adds the model's verdicts when settings.llm_grading is
on) and feedback falls back to the offline text, so no handler can fail on the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from interviewer.knowledge.bank import Question
from interviewer.safety.cleaning import clean_input

from . import replies
from .actions import MAX_HINTS, MAX_PROBES
from .answering import grade_probe, retry_feedback, show_grade
from .intent import classify
from .probing import choose_probe
from .speech import speak
from .state import Action, Event, QuestionRecord, State, attach_delivery
from .steps import (
    Run,
    adapt,
    add_turn,
    advance,
    ask,
    checkpoint,
    finish,
    notice,
    pick_next,
    reveal,
    say,
)

if TYPE_CHECKING:
    from .deps import Deps

_NOT_AN_ANSWER = ("extraction_attempt", "clarify", "hint")
MIN_TOPIC_SCORE = 0.25  # cosine similarity below which "ask me about X" finds nothing


def _after(st: State, deps: "Deps", rec: QuestionRecord, lead: str, part: str = "nudge") -> Event:
    return say(st, deps, part, lead + replies.after_answer(rec, st.setup.mode, lead=False))


def _start(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    if st.phase != "idle":
        yield from _resume(st, deps)
        return
    yield say(st, deps, "greeting", replies.greeting(st, sorted({p.topic for p in st.pool})))
    yield say(st, deps, "help", replies.help_text(st.setup.mode))
    yield from advance(st, deps)


def _resume(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    if st.phase == "idle":
        yield from _start(st, deps)
        return
    yield say(st, deps, "resume", "Welcome back! Let's pick up where we left off.")
    rec = st.current
    if st.phase == "review" and rec and rec.status == "answered" and not rec.feedback and st.setup.mode == "study":
        yield say(st, deps, "question", rec.question.question, rec)
        yield from show_grade(st, deps, rec)  # stopped before its feedback was shown
        yield _after(st, deps, rec, "", part="next")
        return
    yield from _repeat(st, deps)


def _repeat(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase == "finished" or rec is None:
        yield say(st, deps, "goodbye", replies.goodbye(st))
        yield Event(kind="finished", text=f"{st.overall:.1f}")
    elif st.phase == "probe" and rec.open_probe:
        yield say(st, deps, "probe", rec.open_probe.text, rec)
    else:
        yield say(st, deps, "question", rec.question.question, rec)
        if st.phase == "review":
            yield _after(st, deps, rec, "", part="next")


def _answer(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "review":
        yield _after(st, deps, rec, "You've already answered this question. ")
    elif st.phase == "probe":
        yield from grade_probe(st, deps, rec, text)
    else:
        rec.answer, rec.feedback_failed = text, False
        rec.grade = deps.grade_fn(rec.question, text, None)  # offline: the scorecard never waits on the model
        rec.status, st.phase = "answered", "review"
        adapt(st, rec)
        yield checkpoint(st)
        yield from show_grade(st, deps, rec)
        yield say(st, deps, "next", replies.after_answer(rec, st.setup.mode))


def _probe(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "question":
        yield say(st, deps, "nudge", "Answer the question first; then I can probe deeper.")
    elif st.phase == "probe":
        yield from _repeat(st, deps)
    elif rec.status != "answered":
        yield say(st, deps, "nudge", "You skipped that one, so there's nothing to probe. Say 'next' to move on.")
    elif len(rec.probes) >= MAX_PROBES:
        yield say(st, deps, "nudge", "We've gone deep enough on this one. Say 'next' to move on.")
    else:
        probe, line = choose_probe(rec, deps.profile)
        rec.probes.append(probe)
        st.phase = "probe"
        guard = deps.guard(rec.question)  # always: a follow-up that states its point gives its answer away
        probe.text = yield from speak(st, deps, line, guard, record=rec)
        probe.source = "bank" if probe.text in (line.fallback, line.last_resort) else "llm"


def _hint(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "probe":
        yield say(st, deps, "nudge", "Hints are for the main question. Give the follow-up a go, or say 'skip'.")
    elif st.phase != "question":
        yield _after(st, deps, rec, "This question is already answered. ")
    elif len(rec.hints) >= MAX_HINTS:
        yield say(
            st,
            deps,
            "nudge",
            f"That was the last hint for this question ({MAX_HINTS} at most). Give it your best shot, or say 'skip'.",
        )
    else:
        line = replies.hint(rec.question, len(rec.hints) + 1)
        rec.hints.append((yield from speak(st, deps, line, deps.guard(rec.question))))


def _clarify(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    about = rec.open_probe.text if st.phase == "probe" and rec.open_probe else rec.question.question
    if st.phase in ("question", "probe"):
        rec.clarifications += 1
    guard = None if st.reference_visible else deps.guard(rec.question)
    yield from speak(st, deps, replies.clarify(rec.question, text, about, deps.profile), guard)


def _skip(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "question":
        rec.status = "skipped"
        adapt(st, rec)
        yield checkpoint(st)
        if st.setup.mode == "study":
            yield reveal(st, deps, rec)
        yield from advance(st, deps, "OK, we'll skip that one.")
    elif st.phase == "probe" and rec.open_probe:
        rec.open_probe.skipped, st.phase = True, "review"
        yield _after(st, deps, rec, "OK, we'll leave the follow-up there. ")
    else:
        yield from advance(st, deps)


def _next(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase == "question":
        yield say(st, deps, "nudge", "To move on without answering, say 'skip' (the question then scores 0).")
        return
    if st.phase == "probe" and rec and rec.open_probe:
        rec.open_probe.skipped = True
    yield from advance(st, deps)


def _ask_about(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    topic = (topic or text).strip()
    rec = st.current
    named = [p for p in st.pool if p.topic.lower() == topic.lower() and p.id not in st.asked_ids]
    pick: Question | None = None
    if named:
        pick = pick_next(st.model_copy(update={"pool": named}), deps.index)
    if pick is None and topic:
        hits = deps.index.search(topic, k=10)
        fresh = [h.question for h in hits if h.score >= MIN_TOPIC_SCORE and h.question.id not in st.asked_ids]
        pick = fresh[0] if fresh else None
    if pick is None:
        yield say(
            st,
            deps,
            "nudge",
            f"I don't have another question on {topic!r}. Let's carry on."
            if topic
            else "Which topic? Say 'ask me about <topic>'.",
        )
        yield from _repeat(st, deps)
        return
    if st.phase == "question" and rec is not None:
        rec.status = "skipped" if rec.hints else "replaced"  # hints seen: it counts, as a skip
        if rec.status == "skipped" and len(st.asked) >= st.total:
            st.total += 1
    else:
        if rec is not None and rec.open_probe:
            rec.open_probe.skipped = True
        if len(st.asked) >= st.total:
            st.total += 1
    yield from ask(st, deps, pick, f"Sure, let's talk about {topic}.")


def _end(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    yield from finish(st, deps)


def _refuse(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.reference_visible and rec is not None:
        yield say(st, deps, "nudge", "You've answered this one, so here is the model answer again.")
        yield reveal(st, deps, rec)
    else:
        yield say(st, deps, "refusal", replies.refusal(st.setup.mode))


def _help(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    yield say(st, deps, "help", replies.help_text(st.setup.mode))


HANDLERS: dict[str, Callable[..., Run]] = {
    "answer": _answer,
    "clarify": _clarify,
    "hint": _hint,
    "probe": _probe,
    "skip": _skip,
    "next": _next,
    "repeat": _repeat,
    "end": _end,
    "ask_about": _ask_about,
    "extraction_attempt": _refuse,
    "retry_feedback": retry_feedback,
    "help": _help,
}


def dispatch(st: State, action: Action, deps: "Deps") -> Run:
    if action.kind in ("start", "resume"):
        yield from (_start if action.kind == "start" else _resume)(st, deps)
        return
    cleaned = clean_input(action.text)
    kind, text, topic, forced = action.kind, cleaned.text, "", False
    if kind == "text":
        intent = classify(text)
        kind, topic = intent.kind, intent.topic
        forced = kind == "answer" and intent.text != text
        text = intent.text if kind == "answer" else text
    elif kind == "answer" and classify(text).kind in _NOT_AN_ANSWER:
        kind = classify(text).kind  # the Answer button with a short request: treat it as the request
    if kind in ("text", "empty") or (kind in ("answer", "clarify") and not text):
        what = "question" if kind == "clarify" else "answer"
        yield Event(kind="error", text=f"Your message is empty. Type your {what}, or say 'skip' to move on.")
        return
    if st.phase == "idle":
        yield Event(kind="error", text="The interview hasn't started yet: start it first.")
        return
    for text_notice in cleaned.notices:
        yield notice(st, deps, text_notice)
    add_turn(st, deps, "candidate", kind, text or f"[{kind}]")
    if st.phase == "finished":
        yield say(st, deps, "nudge", "This interview has finished; your report is ready. Start a new one to practise.")
        yield Event(kind="finished", text=f"{st.overall:.1f}")
    elif kind == "answer" and action.kind == "text" and not forced and len(text.split()) < 3 and st.phase != "review":
        yield say(
            st,
            deps,
            "nudge",
            "Is that your whole answer? To submit it as it is, send it again starting "
            "with 'Answer:'. Or ask for a hint, or say 'skip'.",
        )
    else:
        if kind == "answer" and action.delivery is not None:
            attach_delivery(st, action.delivery)  # before grading, so the answer's checkpoint holds it
        yield from HANDLERS[kind](st, deps, text, topic)
