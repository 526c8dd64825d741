"""The final report: arithmetic, top strengths and study items, per-topic scores, Markdown and JSON."""

from __future__ import annotations

from interview_fakes import GOOD, OWN_WORDS, make_deps

from interviewer.interview.report import Report, build_report
from interviewer.interview.session import new_session, step
from interviewer.interview.state import Action, Setup


def act(kind: str, text: str = "") -> Action:
    return Action(kind=kind, text=text)


def scripted(mode: str = "study"):
    """q1 good with a hint and a probe, q2 skipped, q3 partial with <html>, then end during q4."""
    deps = make_deps()
    state = new_session(Setup(count=4, mode=mode, difficulty="2", seed=4), deps)
    state, _ = step(state, act("start"), deps)
    state, _ = step(state, act("hint"), deps)
    q1 = state.current.question
    partial = ". ".join(q1.key_points[:2]) + "."
    state, _ = step(state, act("answer", partial), deps)
    state, _ = step(state, act("probe"), deps)
    target = state.current.open_probe.key_point
    state, _ = step(state, act("answer", OWN_WORDS[q1.id][target]), deps)
    state, _ = step(state, act("next"), deps)
    state, _ = step(state, act("skip"), deps)
    q3 = state.current.question
    state, _ = step(state, act("answer", f"<script>alert(1)</script> {q3.key_points[0]}"), deps)
    state, _ = step(state, act("next"), deps)
    state, _ = step(state, act("end"), deps)
    return state


def test_scores_and_counts() -> None:
    state = scripted()
    report = build_report(state)
    q1, q2, q3, q4 = report.questions
    assert [q.status for q in report.questions] == ["answered", "skipped", "answered", "unanswered"]
    assert q1.hint_penalty == 1.0 and len(q1.hints) == 1 and q1.score == state.records[0].score
    assert q1.probes[0].status == "covered" and any(p.via_probe for p in q1.key_points)
    assert q1.score > q1.base_score - q1.hint_penalty  # the probe raised it
    assert q2.score == 0.0 and q4.score is None  # skipped scores 0; never answered has no score
    assert report.overall == round((q1.score + q2.score + q3.score) / 3, 1)  # and is left out of the overall
    assert (report.answered, report.skipped) == (2, 1)
    assert all(q.model_answer for q in report.questions)


def test_per_topic_scores_are_means() -> None:
    report = build_report(scripted())
    counted = [q for q in report.questions if q.status in ("answered", "skipped")]
    for topic in report.topics:
        mine = [q.score for q in counted if q.topic == topic.topic]
        assert topic.questions == len(mine) and topic.score == round(sum(mine) / len(mine), 1)


def test_top_strengths_and_study_items() -> None:
    report = build_report(scripted())
    assert 1 <= len(report.strengths) <= 3
    assert len(report.study_next) == 3
    first = report.study_next[0]
    weakest = min((q for q in report.questions if q.status != "unanswered"), key=lambda q: q.score)
    assert first.question_id == weakest.id
    assert len({s.question_id for s in report.study_next}) >= 2  # spread over questions before repeating one
    for item in report.study_next:
        q = next(q for q in report.questions if q.id == item.question_id)
        assert item.point in q.missed and item.reference
        assert all(sentence.strip(". ") in q.model_answer for sentence in item.reference.split(". "))


def test_markdown_and_json_exports() -> None:
    report = build_report(scripted())
    md = report.as_markdown()
    for heading in ("# Interview report", "## Scores by topic", "## Strengths", "## Study next", "**Model answer**"):
        assert heading in md
    assert "Hints used (1" in md and "**Follow-up:**" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert Report.model_validate_json(report.as_json()) == report


def test_exam_mode_report_carries_feedback() -> None:
    report = build_report(scripted("exam"))
    assert all(q.feedback for q in report.questions if q.status == "answered")


def test_unfinished_report_hides_the_open_question() -> None:
    deps = make_deps()
    state = new_session(Setup(count=2, seed=1), deps)
    state, _ = step(state, act("start"), deps)
    state, _ = step(state, act("answer", GOOD[state.current.question.id]), deps)
    state, _ = step(state, act("next"), deps)
    report = build_report(state)
    assert not report.finished and report.questions[-1].status == "open"
    assert report.questions[-1].model_answer == "" and report.questions[0].model_answer
    assert "not finished" in report.as_markdown()


def test_empty_report() -> None:
    deps = make_deps()
    state = new_session(Setup(count=2, seed=1), deps)
    report = build_report(state)
    assert report.overall == 0.0 and report.questions == [] and report.strengths == []
    assert "Overall: 0.0/10" in report.as_markdown()


def test_a_question_never_answered_reads_not_answered() -> None:
    report = build_report(scripted())
    md = report.as_markdown()
    last = md[md.index("### 4.") :]
    assert "not answered" in last.split("\n")[2] and "/10" not in last.split("\n")[2]
    assert "0.0/10" not in last and report.questions[3].score_text == "not answered"
    skipped = md[md.index("### 2.") : md.index("### 3.")]
    assert "skipped · **0.0/10**" in skipped  # a skip is a choice: it scores 0 and counts
