"""One study interview end to end on the real stack: the embedded LLM (llama.cpp), a persistent Chroma index built
from a copy of the seed bank, the real offline grader. start -> answer (the bank's 'strong' exemplar) -> probe ->
answer the probe -> end, then the report. Only the probe is phrased by the model (greetings and transitions are
offline text) to keep the wall time down; the feedback always streams from the model."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from conftest import ROOT

from interviewer.config import Settings
from interviewer.grading import PASS_MARK
from interviewer.interview.deps import build_deps
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
    strong = next(e.answer for e in question.exemplars if e.label == "strong")

    deps = dataclasses.replace(build_deps(settings), llm_parts=frozenset({"probe"}))
    assert deps.backend != "offline"
    try:
        state = new_session(Setup(question_ids=[QUESTION_ID], count=1, mode="study"), deps)
        state, events = run(state, Action(kind="start"), deps)
        assert state.phase == "question" and state.current.question.id == QUESTION_ID
        assert said(events, "question")

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
        assert said(events, "feedback") == [rec.feedback]
        assert [e for e in events if e.kind == "reveal"], "study mode shows the model answer"

        # a follow-up question, phrased by the model, then a short answer to it
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
