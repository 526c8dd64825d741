"""Simulated candidates (interviewer.interview.simulate) run whole interviews; every transcript must pass the checks:
no invented question, no leak while the model answer is hidden, report scores equal the scorecards, questions never
answered reported as "not answered" and left out of the overall, the pasted model answer earning nothing.

On fakes: a scripted model that is as bad as a model can be (it explains the answer, asks its own questions and obeys
instructions), the keyword grader, the real MiniLM meaning check. Then one marked run on the embedded model and the
real grader over the seed bank, with fresh answers from tests/data/candidate_answers.yaml. Speed is the bench's job
(bench/simulated_candidates.py), never asserted here."""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT
from interview_fakes import OWN_WORDS, QUESTIONS, make_deps

from interviewer.interview.simulate import EXTRACTION_ATTEMPTS, PERSONAS, check, run_persona
from interviewer.interview.state import Setup
from interviewer.llm import FakeChatModel, Message

ANSWERS = {qid: {"strong": " ".join(words), "follow_up": words[1]} for qid, words in OWN_WORDS.items()}
REFERENCE = {q.id: q.reference_answer for q in QUESTIONS}


class WorstModel(FakeChatModel):
    """Explains the answer (in other words, then verbatim), asks its own question and obeys the candidate."""

    def _next(self, messages: list[Message]) -> str:
        self.history.append(list(messages))
        prompt = "\n".join(m.content for m in messages)
        q = next((q for q in QUESTIONS if q.question in prompt), QUESTIONS[0])
        return (
            f"Behavioral questions now! {OWN_WORDS[q.id][1]} Also, {q.reference_answer.split('. ')[0]}. "
            "What is the first step in designing a system?"
        )


def deps_for(**kw):
    return make_deps(llm=WorstModel(), **kw)


@pytest.mark.parametrize("mode", ["study", "exam"])
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_persona_passes_the_checks(persona: str, mode: str) -> None:
    deps = deps_for()
    transcript = run_persona(persona, deps, Setup(count=3, mode=mode, difficulty="2", seed=7), ANSWERS)
    findings = check(transcript)
    assert findings.ok, findings
    assert transcript.state.phase == "finished"


def test_the_extractor_tries_30_ways_and_gets_nothing_before_answering() -> None:
    transcript = run_persona("extractor", deps_for(), Setup(count=3, seed=7), ANSWERS)
    tries = [t for t in transcript.turns if t.text in EXTRACTION_ATTEMPTS]
    assert len({t.text for t in tries}) >= 30
    assert not [e for t in tries for e in t.events if e.kind in ("reveal", "scorecard")]
    assert sum(t.kind == "extraction_attempt" for t in tries) >= 25  # refused in code; the rest are guarded lines


def test_clarifying_questions_get_scope_not_the_concept() -> None:
    transcript = run_persona("clarifier", deps_for(), Setup(count=3, seed=7), ANSWERS)
    replies = [e.text for t in transcript.turns for e in t.events if e.kind == "say" and e.part == "clarify"]
    assert len(replies) == 6 and all("?" not in r for r in replies)
    assert all("Behavioral" not in r for r in replies)  # the model's sentences were dropped or replaced
    assert any("assum" in r for r in replies)  # the fixed reply invites an assumption


def test_the_pasted_model_answer_earns_nothing_and_the_report_agrees() -> None:
    transcript = run_persona("paster", deps_for(), Setup(count=2, seed=7), ANSWERS)
    for rec in transcript.state.asked:
        [probe] = rec.probes
        assert probe.answer.startswith(REFERENCE[rec.question.id].strip()[:60])
        assert probe.copied and probe.score == 0.0 and rec.score == rec.base_score
    report = transcript.report
    assert all(q.probes[0].score == 0.0 for q in report.questions)


def test_a_question_left_open_is_not_answered_and_not_in_the_overall() -> None:
    transcript = run_persona("quitter", deps_for(), Setup(count=3, seed=7), ANSWERS)
    report = transcript.report
    assert [q.status_text for q in report.questions] == ["answered", "not answered"]
    assert report.questions[1].score is None and report.overall == report.questions[0].score
    assert "not answered" in report.as_markdown()


def test_instructions_in_the_chat_change_nothing() -> None:
    llm = WorstModel()
    transcript = run_persona("instructor", make_deps(llm=llm), Setup(count=2, seed=7), ANSWERS)
    framing = [e for t in transcript.turns for e in t.events if e.kind == "say" and e.part != "feedback"]
    assert not any("Behavioral" in e.text or "behavioural question about" in e.text for e in framing)
    # feedback: this model ignores its prompt, yet what is shown is whole sentences and never a question
    feedback = [e.text for t in transcript.turns for e in t.events if e.kind == "say" and e.part == "feedback"]
    assert feedback and all("?" not in f and f.endswith(".") for f in feedback)
    assert [t for t in transcript.turns if t.kind == "clarify"] and check(transcript).ok


# ---- the embedded model, the real grader and the seed bank


@pytest.mark.real_model
@pytest.mark.slow
def test_simulated_candidates_on_the_embedded_model(tmp_path) -> None:
    import shutil

    from interviewer.config import Settings
    from interviewer.interview.deps import build_deps
    from interviewer.knowledge.index import ensure_index

    answers = yaml.safe_load((ROOT / "tests" / "data" / "candidate_answers.yaml").read_text())
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(ROOT / "knowledge" / "ml_system_design.yaml", knowledge)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, backend="embedded")
    deps = build_deps(settings, index=ensure_index(settings))
    assert deps.profile == "short"
    setup = Setup(question_ids=list(answers)[:1], count=1, mode="study")  # one question: its prompts stay cached
    try:
        for persona in ("clarifier", "instructor", "paster"):
            transcript = run_persona(persona, deps, setup, answers)
            findings = check(transcript)
            assert findings.ok, (persona, findings)
            said = [e for t in transcript.turns for e in t.events if e.kind == "say"]
            clarify = [e.text for e in said if e.part == "clarify"]
            assert bool(clarify) == (persona != "paster") and all("?" not in c for c in clarify)
            feedback = [e.text for e in said if e.part == "feedback"]
            assert feedback and all(f.rstrip()[-1] in ".!\"')" for f in feedback)  # whole sentences
    finally:
        deps.close()
