"""One study interview end to end on the real stack: the embedded LLM (llama.cpp), a persistent Chroma index built
from a copy of the seed bank, the real offline grader. start -> a clarifying question -> answer (a fresh strong
answer from tests/data/candidate_answers.yaml, not the bank's exemplar) -> probe -> answer the probe -> end, then
the report. On the embedded model (short profile) greetings, transitions, hints, clarifications and follow-ups are
code and bank text; the model streams the feedback, checked sentence by sentence."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import ROOT

from interviewer.config import Settings
from interviewer.grading import PASS_MARK
from interviewer.interview.deps import build_deps
from interviewer.interview.replies import fixed_clarify
from interviewer.interview.report import build_report
from interviewer.interview.session import new_session, stream_step
from interviewer.interview.state import Action, Event, Setup, State
from interviewer.knowledge.index import ensure_index

pytestmark = [pytest.mark.real_model, pytest.mark.slow]

QUESTION_ID = "mlsd-01-feature-engineering"


def run(state: State, action: Action, deps) -> tuple[State, list[Event]]:
    """One streamed step: (new state, every event in order, chunks included)."""
    stepped = stream_step(state, action, deps)
    events = list(stepped)
    assert stepped.state is not None
    return stepped.state, events


def said(events: list[Event], part: str) -> list[str]:
    return [e.text for e in events if e.kind == "say" and e.part == part]


def test_one_question_study_interview_on_the_real_model(tmp_path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(ROOT / "knowledge" / "ml_system_design.yaml", knowledge)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, backend="embedded")
    index = ensure_index(settings)
    question = index.get(QUESTION_ID)
    assert index.count() == 10 and question.exemplars, "the index was built from the copied bank"
    strong = yaml.safe_load((ROOT / "tests" / "data" / "candidate_answers.yaml").read_text())[QUESTION_ID]["strong"]

    deps = build_deps(settings)
    assert deps.backend != "offline" and deps.profile == "short"
    try:
        state = new_session(Setup(question_ids=[QUESTION_ID], count=1, mode="study"), deps)
        state, events = run(state, Action(kind="start"), deps)
        assert state.phase == "question" and state.current.question.id == QUESTION_ID
        assert said(events, "question") and "?" not in said(events, "greeting")[0] + said(events, "transition")[0]
        state, events = run(state, Action(kind="text", text="Do you mean online or batch?"), deps)
        [reply] = said(events, "clarify")
        assert reply.strip() and "?" not in reply and reply[-1] in ".!\"')"  # scope, whole sentences, no question
        assert not [e for e in events if e.kind == "chunk"], "the small model does not phrase clarifications"
        assert reply == fixed_clarify(question, "Do you mean online or batch?")  # the scope reply, instantly

        # the answer: the offline scorecard first, then the model's feedback streams
        state, events = run(state, Action(kind="answer", text=strong), deps)
        kinds = [(e.kind, e.part) for e in events]
        card = kinds.index(("scorecard", ""))
        first_chunk = kinds.index(("chunk", "feedback"))
        assert card < first_chunk, kinds
        rec = state.current
        assert rec.status == "answered" and rec.grade is not None and rec.grade.score >= PASS_MARK
        assert not rec.feedback_failed and not [e for e in events if e.kind in ("notice", "error")]
        streamed = "".join(e.text for e in events if e.kind == "chunk" and e.part == "feedback")
        assert streamed.strip() and rec.feedback.strip()
        assert rec.feedback != rec.grade.feedback, "the feedback came from the model, not the offline text"
        assert said(events, "feedback") == [rec.feedback] and rec.feedback[-1] in ".!\"')"
        assert streamed.strip() == rec.feedback  # streamed whole sentences: printed once, nothing taken back
        assert [e for e in events if e.kind == "reveal"], "study mode shows the model answer"

        # a follow-up question (the bank's, on a point the answer missed), then a short answer to it
        state, events = run(state, Action(kind="probe"), deps)
        assert state.phase == "probe" and said(events, "probe") and said(events, "probe")[-1].strip()
        probe = state.current.open_probe
        assert probe is not None and probe.text.strip()
        state, events = run(
            state,
            Action(
                kind="answer",
                text="I'd fit the encoders on the training split only, and compute features with one shared code path.",
            ),
            deps,
        )
        assert state.phase == "review" and said(events, "probe_result")
        done = state.current.probes[0]
        assert done.answer and done.score is not None and not done.skipped

        state, events = run(state, Action(kind="end"), deps)
        assert state.phase == "finished" and [e for e in events if e.kind == "finished"]
    finally:
        deps.llm.close()

    report = build_report(state)
    assert report.finished and report.answered == 1 and len(report.questions) == 1
    [q] = report.questions
    assert q.id == QUESTION_ID and q.status == "answered" and q.score >= PASS_MARK and q.passed
    assert q.feedback == rec.feedback and len(q.probes) == 1 and q.probes[0].score is not None
    assert q.probes[0].question == probe.text
    assert report.overall == q.score and report.passed == 1
