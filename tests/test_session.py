"""Every transition of the interview state machine, with a scripted fake LLM, a fake index and a keyword grader."""

from __future__ import annotations

import pytest
from interview_fakes import GOOD, OWN_WORDS, QUESTIONS, FakeIndex, keyword_grade, make_deps

from interviewer.errors import ModelError
from interviewer.interview.actions import allowed_actions
from interviewer.interview.scoring import HINT_COST
from interviewer.interview.session import SetupError, new_session, step, stream_step
from interviewer.interview.state import Action, Setup, State
from interviewer.llm import FakeChatModel

REF = {q.id: q.reference_answer for q in QUESTIONS}


def text(kind: str, value: str = "") -> Action:
    return Action(kind=kind, text=value)


def said(events, part: str | None = None) -> list[str]:
    return [e.text for e in events if e.kind == "say" and (part is None or e.part == part)]


def started(setup: Setup | None = None, llm=None, **kw) -> tuple[State, list, object]:
    deps = make_deps(llm=llm, **kw)
    state = new_session(setup or Setup(count=3, mode="study", difficulty="2", seed=1), deps)
    state, events = step(state, Action(kind="start"), deps)
    return state, events, deps


def answer_good(state: State, deps) -> tuple[State, list]:
    return step(state, text("text", GOOD[state.current.question.id]), deps)


# ---- setup and start


def test_new_session_filters_and_counts() -> None:
    deps = make_deps()
    state = new_session(Setup(banks=["design"], count=10), deps)
    assert {p.bank for p in state.pool} == {"design"} and state.total == 2 and state.phase == "idle"
    state = new_session(Setup(topics=["machine LEARNING"], count=2), deps)
    assert {p.topic for p in state.pool} == {"Machine learning"} and state.total == 2
    with pytest.raises(SetupError, match="no questions match"):
        new_session(Setup(topics=["cooking"]), deps)


def test_setup_accepts_difficulty_names() -> None:
    assert Setup(difficulty="hard").difficulty == "3"
    assert Setup(difficulty=1).difficulty == "1"


def test_start_greets_then_asks_the_bank_question_verbatim() -> None:
    llm = FakeChatModel(default="Here is a totally different question: what is your favourite colour?")
    state, events, _ = started(llm=llm)
    parts = [e.part for e in events if e.kind == "say"]
    assert parts == ["greeting", "help", "transition", "question"]
    assert said(events, "question") == [state.current.question.question]
    assert state.phase == "question" and state.backend == "fake"
    assert not any(e.kind == "reveal" for e in events)


def test_greeting_and_transitions_are_code_naming_the_real_topics() -> None:
    """A model that invents questions is never asked: the greeting and each transition come from code."""
    llm = FakeChatModel(default="Behavioral questions today! What is the first step in designing a system?")
    state, events, deps = started(Setup(count=2, topics=["System design"], seed=3), llm=llm)
    [greeting], [transition] = said(events, "greeting"), said(events, "transition")
    assert "System design" in greeting and "2 questions" in greeting and "study mode" in greeting
    assert "Question 1 of 2, on System design" in transition
    state, events = answer_good(state, deps)
    state, events = step(state, text("next"), deps)
    assert "Question 2 of 2, on System design" in said(events, "transition")[0]
    assert llm.history == [] or all("Behavioral" not in t for t in said(events))
    for line in (greeting, transition, *said(events, "transition")):
        assert "?" not in line and "Behavioral" not in line
    assert not [e for e in events if e.kind == "chunk" and e.part in ("greeting", "transition")]


def test_greetings_vary_between_sessions() -> None:
    greetings = {said(started(Setup(count=2, seed=seed))[1], "greeting")[0].split(".")[0] for seed in range(8)}
    assert len(greetings) >= 2


def test_step_is_pure_and_state_is_serialisable() -> None:
    state, _, deps = started()
    before = state.model_dump_json()
    new_state, _ = answer_good(state, deps)
    assert state.model_dump_json() == before
    assert State.model_validate_json(new_state.model_dump_json()) == new_state


# ---- answering


def test_study_answer_shows_scorecard_feedback_then_reference() -> None:
    state, _, deps = started()
    qid = state.current.question.id
    state, events = answer_good(state, deps)
    kinds = [e.kind for e in events]
    assert kinds.index("scorecard") < kinds.index("reveal")
    assert said(events, "feedback") and events[kinds.index("reveal")].text == REF[qid].strip()
    rec = state.current
    assert rec.status == "answered" and rec.score == 10.0 and state.phase == "review"


def test_exam_answer_hides_everything_until_the_report() -> None:
    state, _, deps = started(Setup(count=2, mode="exam", seed=1))
    state, events = answer_good(state, deps)
    assert not [e for e in events if e.kind in ("scorecard", "reveal")]
    assert "recorded" in said(events, "next")[0]
    assert state.current.feedback  # kept for the report


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x07\n"])
def test_empty_answer_is_rejected_and_nothing_changes(raw: str) -> None:
    state, _, deps = started()
    for kind in ("text", "answer"):
        new_state, events = step(state, text(kind, raw), deps)
        assert [e.kind for e in events] == ["error"] and "empty" in events[0].text
        assert new_state.turns == state.turns and new_state.phase == "question"


def test_huge_paste_is_truncated_with_notice() -> None:
    state, _, deps = started()
    paste = ("Regularisation like dropout limits capacity. " * 3000)[:100_000]
    state, events = step(state, text("answer", paste), deps)
    assert any(e.kind == "notice" and "8,000" in e.text for e in events)
    assert len(state.current.answer) <= 8000 and state.current.status == "answered"


def test_control_characters_stripped_html_kept() -> None:
    state, _, deps = started()
    state, _ = step(state, text("answer", "<b>Use</b> a\x1b[0m cache & <script>x</script>\x00 please"), deps)
    assert state.current.answer == "<b>Use</b> a[0m cache & <script>x</script> please"


def test_model_failure_mid_turn_keeps_answer_and_offers_retry() -> None:
    """settings.llm_grading on: the model's verdicts fail, so the offline grade and feedback stand; retry works."""
    import dataclasses

    calls = []

    def flaky_grade(question, answer, llm):
        calls.append(llm)
        if llm is not None and len(calls) == 2:  # call 1 is the offline scorecard grade
            raise ModelError("timeout", kind="timeout")
        return keyword_grade(question, answer, llm)

    llm = FakeChatModel(default="Nice answer; consider the eviction policy too.")
    state, _, deps = started(llm=llm, grade_fn=flaky_grade)
    deps = dataclasses.replace(deps, settings=deps.settings.model_copy(update={"llm_grading": True}))
    state, events = answer_good(state, deps)
    rec = state.current
    assert calls[0] is None and calls[1] is llm  # the scorecard came from the offline grade first
    assert rec.status == "answered" and rec.grade.mode == "offline" and rec.feedback_failed
    assert any(e.kind == "notice" and "retry feedback" in e.text for e in events)
    assert said(events, "feedback") == [rec.grade.feedback]  # the offline feedback, no model call
    state, events = step(state, text("text", "retry feedback"), deps)
    assert state.current.grade.mode == "llm" and not state.current.feedback_failed
    assert said(events, "feedback") == [llm.default]
    assert state.current.answer == rec.answer


def test_answer_is_graded_offline_and_scored_before_the_model_speaks() -> None:
    """Default settings: no model call before the scorecard; the model only writes the feedback."""
    seen = []

    def grade(question, answer, llm):
        seen.append(llm)
        return keyword_grade(question, answer, llm)

    llm = FakeChatModel(default="Good on leakage. Next time, say how you would split a time series.")
    state, _, deps = started(llm=llm, grade_fn=grade)
    run = stream_step(state, text("answer", GOOD[state.current.question.id]), deps)
    kinds = [(e.kind, e.part) for e in run]
    assert seen == [None]
    first_chunk = kinds.index(("chunk", "feedback"))
    assert kinds.index(("scorecard", "")) < first_chunk < kinds.index(("say", "feedback"))
    assert run.state.current.feedback == llm.default and not run.state.current.feedback_failed


def test_feedback_stream_failure_falls_back_to_offline_text_and_retry_works() -> None:
    llm = FakeChatModel(default="Model feedback.")
    state, _, deps = started(llm=llm)
    llm.enqueue(ModelError("stream broke", kind="stream"))
    state, events = answer_good(state, deps)
    assert state.current.feedback == state.current.grade.feedback and state.current.feedback_failed
    assert any(e.kind == "notice" and "retry feedback" in e.text for e in events)
    assert "retry_feedback" in allowed_actions(state)
    state, events = step(state, text("text", "retry feedback"), deps)
    assert said(events, "feedback") == ["Model feedback."] and not state.current.feedback_failed


def test_feedback_cut_by_the_token_cap_ends_on_a_whole_sentence_and_streams_only_what_stays() -> None:
    llm = FakeChatModel(default="You covered leakage well. Next time explain how to split")
    state, _, deps = started(llm=llm)
    run = stream_step(state, text("answer", GOOD[state.current.question.id]), deps)
    events = list(run)
    assert said(events, "feedback") == ["You covered leakage well."]  # the cut-off fragment is dropped
    streamed = "".join(e.text for e in events if e.kind == "chunk" and e.part == "feedback")
    assert streamed == "You covered leakage well."  # nothing shown that the final text takes back
    llm.default = (
        "You covered leakage well. What would you add about time-based splits? This matters because a model "
        "trained on future information looks great offline and then fails in production where that information is"
    )
    state, _ = step(run.state, text("next"), deps)
    state, events = answer_good(state, deps)
    assert said(events, "feedback") == ["You covered leakage well."]  # no question from the model, no cut sentence


def test_asking_a_question_warms_the_grader_and_the_model() -> None:
    import dataclasses

    warmed = []
    llm = FakeChatModel(default="ok")
    state, _, deps = started(llm=llm)
    deps = dataclasses.replace(deps, prepare_fn=lambda q, model: warmed.append((q.id, model)))
    state, _ = answer_good(state, deps)
    state, _ = step(state, text("next"), deps)
    assert warmed == [(state.current.question.id, llm)]


def test_short_chit_chat_is_not_graded_but_forced_answer_is() -> None:
    state, _, deps = started()
    state, events = step(state, text("text", "hello"), deps)
    assert state.current.status == "open" and "Answer:" in said(events, "nudge")[0]
    state, _ = step(state, text("text", "Answer: hello"), deps)
    assert state.current.status == "answered" and state.current.answer == "hello"


def test_explicit_answer_that_asks_for_the_reference_is_refused() -> None:
    state, _, deps = started()
    state, events = step(state, text("answer", "what is the answer?"), deps)
    assert state.current.status == "open" and said(events, "refusal")


def test_answer_in_review_is_not_regraded() -> None:
    state, _, deps = started()
    state, _ = answer_good(state, deps)
    grade = state.current.grade
    state, events = step(state, text("answer", "something else entirely here"), deps)
    assert state.current.grade == grade and "already answered" in said(events, "nudge")[0]


# ---- hints, clarifications, repeat


def test_hints_cost_a_point_each_up_to_three() -> None:
    state, _, deps = started()
    for n in range(1, 4):
        state, events = step(state, text("hint"), deps)
        assert said(events, "hint")[0].startswith(f"Hint {n} of 3")
    state, events = step(state, text("text", "another hint please"), deps)
    assert "last hint" in said(events, "nudge")[0] and len(state.current.hints) == 3
    state, _ = answer_good(state, deps)
    assert state.current.score == 10.0 - 3 * HINT_COST


def test_hints_are_bank_text_and_clarify_uses_the_model_through_the_guard() -> None:
    llm = FakeChatModel(default="Either reading is fine here; say which one you pick.")
    state, _, deps = started(llm=llm)
    state, events = step(state, text("hint"), deps)
    assert llm.history == [] and said(events, "hint")[0].startswith("Hint 1 of 3")  # no model call for a hint
    state, events = step(state, text("text", "Should I assume a single region?"), deps)
    assert said(events, "clarify") == [llm.default] and state.current.clarifications == 1
    assert "<<<CANDIDATE_TEXT" in llm.history[-1][-1].content  # candidate text is fenced as data


def test_a_clarify_reply_that_asks_or_explains_is_not_shown() -> None:
    llm = FakeChatModel()
    state, _, deps = started(llm=llm)
    q = state.current.question
    llm.default = "Which setting do you have in mind? Could you say more?"  # only questions: nothing to show
    state, events = step(state, text("clarify", "Do you mean online or batch?"), deps)
    assert "?" not in said(events, "clarify")[0] and "Either reading is fair" in said(events, "clarify")[0]
    llm.default = f"Sure. In short, {OWN_WORDS[q.id][1].lower()}"  # the point, in other words
    state, events = step(state, text("clarify", "What do you mean exactly?"), deps)
    reply = said(events, "clarify")[0]
    assert OWN_WORDS[q.id][1].lower() not in reply.lower() and "state your assumption" in reply


def test_hints_only_on_open_questions() -> None:
    state, _, deps = started()
    state, _ = answer_good(state, deps)
    state, events = step(state, text("hint"), deps)
    assert said(events, "nudge") and state.current.hints == []


def test_repeat_and_next_in_question_phase() -> None:
    state, _, deps = started()
    state, events = step(state, text("text", "could you repeat the question?"), deps)
    assert said(events, "question") == [state.current.question.question]
    state, events = step(state, text("text", "next"), deps)
    assert state.phase == "question" and "skip" in said(events, "nudge")[0]


# ---- probes


def test_probe_targets_a_missed_point_and_raises_the_score() -> None:
    state, _, deps = started()
    state, events = step(state, text("probe"), deps)
    assert "Answer the question first" in said(events, "nudge")[0]
    q = state.current.question
    partial = f"{q.key_points[0]}. {q.key_points[2]}."  # points 1 and 3 only
    state, _ = step(state, text("answer", partial), deps)
    base = state.current.score
    state, events = step(state, text("text", "go deeper"), deps)
    probe = state.current.probes[0]
    assert state.phase == "probe" and probe.key_point == 1 and probe.source == "bank"
    assert said(events, "probe") == [q.probe_for(1).probe]
    state, events = step(state, text("text", OWN_WORDS[q.id][1]), deps)
    rec = state.current
    assert rec.probes[0].status == "covered" and 1 in rec.covered_by_probe and rec.score > base
    assert rec.point_status(1) == "covered" and state.phase == "review" and said(events, "probe_result")


def test_probe_when_all_covered_is_an_extension_and_limited() -> None:
    llm = FakeChatModel(default="How would this design change at a hundred times the traffic?")
    state, _, deps = started(llm=llm)
    state, _ = answer_good(state, deps)
    for _ in range(2):
        state, events = step(state, text("probe"), deps)
        assert state.phase == "probe" and state.current.open_probe.source == "bank"
        state, _ = step(state, text("skip"), deps)
        assert state.phase == "review" and state.current.probes[-1].skipped
    state, events = step(state, text("probe"), deps)
    assert "deep enough" in said(events, "nudge")[0]
    assert state.current.score == 10.0


def rich(deps):
    """The same deps with the rich profile (a capable backend): the model phrases follow-ups from the answer."""
    import dataclasses

    return dataclasses.replace(deps, settings=deps.settings.model_copy(update={"profile": "rich"}))


def test_short_profile_probes_from_the_bank_without_a_model_call() -> None:
    llm = FakeChatModel(default="Feedback sentence here.")
    state, _, deps = started(llm=llm)
    q = state.current.question
    state, _ = step(state, text("answer", f"{OWN_WORDS[q.id][0]} {OWN_WORDS[q.id][2]}"), deps)
    calls = len(llm.history)
    state, events = step(state, text("probe"), deps)
    assert len(llm.history) == calls and state.current.open_probe.source == "bank"
    assert said(events, "probe") == [q.probe_for(1).probe]


def test_rich_profile_builds_the_probe_on_the_candidates_words_and_validates_it() -> None:
    llm = FakeChatModel(default="Feedback sentence here.")
    state, _, deps = started(llm=llm)
    deps = rich(deps)
    q = state.current.question
    state, _ = step(state, text("answer", f"{OWN_WORDS[q.id][0]} {OWN_WORDS[q.id][2]}"), deps)
    llm.enqueue("You mentioned the gap between the curves; what would you change in training to close it?")
    state, events = step(state, text("probe"), deps)
    probe = state.current.open_probe
    assert probe.source == "llm" and probe.key_point == 1 and probe.base == q.probe_for(1).probe
    assert probe.text == "You mentioned the gap between the curves; what would you change in training to close it?"
    assert OWN_WORDS[q.id][0] in llm.history[-1][-1].content  # the model saw the candidate's words, fenced
    # a reply that is not a question, or that states the point, gives way to the bank probe
    state, _ = step(state, text("skip"), deps)
    llm.enqueue(f"Good. {q.key_points[3]}.")
    state, events = step(state, text("probe"), deps)
    assert state.current.open_probe.source == "bank" and "?" in said(events, "probe")[0]
    assert q.key_points[3] not in said(events, "probe")[0]


def test_follow_ups_go_two_deep_on_a_contradicted_point_quoting_the_candidate() -> None:
    from interviewer.grading import KeyPointResult

    def contradicting(question, answer, llm=None):  # "never" contradicts the first key point
        grade = keyword_grade(question, answer, llm)
        first = grade.key_points[0]
        if "never" not in answer:
            return grade
        wrong = KeyPointResult(point=first.point, status="missed", evidence="I never hold out data", contradicted=True)
        return grade.model_copy(update={"key_points": [wrong, *grade.key_points[1:]]})

    state, _, deps = started(grade_fn=contradicting)
    q = state.current.question
    state, _ = step(state, text("answer", "I never hold out data. " + " ".join(OWN_WORDS[q.id][1:])), deps)
    state, events = step(state, text("probe"), deps)
    probe = state.current.open_probe
    assert probe.key_point == 0 and probe.depth == 1  # the contradicted point first, though the rest is covered
    assert said(events, "probe")[0].startswith('You said: "I never hold out data". ')
    state, _ = step(state, text("answer", "I would still never hold out any data for that, honestly."), deps)
    assert state.current.probes[0].score is not None  # each follow-up is graded
    state, events = step(state, text("probe"), deps)
    second = state.current.open_probe
    assert second.key_point == 0 and second.depth == 2 and said(events, "probe")[0] != probe.text
    state, events = step(state, text("answer", OWN_WORDS[q.id][0]), deps)
    assert state.current.probes[1].status == "covered" and 0 in state.current.covered_by_probe


def test_the_model_answer_pasted_back_into_a_follow_up_earns_nothing() -> None:
    state, _, deps = started()
    q = state.current.question
    state, events = step(state, text("answer", OWN_WORDS[q.id][0]), deps)
    assert any(e.kind == "reveal" for e in events)  # study mode: the model answer is on screen now
    before = state.current.score
    state, _ = step(state, text("probe"), deps)
    state, events = step(state, text("answer", q.reference_answer), deps)
    probe = state.current.probes[0]
    assert probe.copied and probe.score == 0.0 and state.current.score == before
    assert "earns no credit" in said(events, "probe_result")[0]
    state, _ = step(state, text("probe"), deps)  # own words for the next one still count
    target = state.current.open_probe.key_point
    state, _ = step(state, text("answer", OWN_WORDS[q.id][target]), deps)
    assert not state.current.probes[1].copied and state.current.probes[1].status == "covered"


# ---- moving on, skipping, ending


def test_skip_reveals_in_study_and_moves_on() -> None:
    state, _, deps = started()
    first = state.current.question.id
    state, events = step(state, text("text", "skip"), deps)
    assert [e.text for e in events if e.kind == "reveal"] == [REF[first].strip()]
    assert state.records[0].status == "skipped" and state.current.question.id != first
    assert said(events, "question") == [state.current.question.question]


def test_skip_in_exam_mode_reveals_nothing() -> None:
    state, _, deps = started(Setup(count=2, mode="exam", seed=1))
    state, events = step(state, text("skip"), deps)
    assert not [e for e in events if e.kind == "reveal"]


def test_next_after_the_last_question_finishes() -> None:
    state, _, deps = started(Setup(count=1, seed=1))
    state, _ = answer_good(state, deps)
    state, events = step(state, text("text", "next"), deps)
    assert state.phase == "finished" and state.finished_at and events[-1].kind == "finished"
    state, events = step(state, text("text", "hint"), deps)
    assert "finished" in said(events, "nudge")[0] and state.phase == "finished"


def test_end_mid_question_marks_it_unanswered() -> None:
    state, _, deps = started()
    state, _ = answer_good(state, deps)
    state, _ = step(state, text("next"), deps)
    state, events = step(state, text("text", "end the interview"), deps)
    assert state.phase == "finished" and state.records[-1].status == "unanswered"
    assert state.overall == 10.0  # the open question is listed, not counted
    assert "10.0/10" in said(events, "goodbye")[0]


def test_ask_about_by_topic_name_and_by_search() -> None:
    state, _, deps = started(Setup(count=3, topics=["Machine learning"], seed=1))
    replaced = state.current.question.id
    state, events = step(state, text("text", "ask me about System design"), deps)
    assert state.current.question.topic == "System design" and state.records[0].status == "replaced"
    assert replaced not in {r.question.id for r in state.asked}
    state, _ = answer_good(state, deps)
    state, _ = step(state, text("text", "quiz me on sharding a big user table"), deps)
    assert state.current.question.id == "sd-shard"
    state, events = step(state, text("text", "ask me about underwater basket weaving"), deps)
    assert "don't have another question" in said(events, "nudge")[0]
    assert state.current.question.id == "sd-shard"


def test_ask_about_after_the_last_question_extends_the_interview() -> None:
    state, _, deps = started(Setup(count=1, seed=1, topics=["Machine learning"]))
    state, _ = answer_good(state, deps)
    state, _ = step(state, text("ask_about", "System design"), deps)
    assert state.total == 2 and state.phase == "question" and state.current.question.topic == "System design"


# ---- difficulty


def test_adaptive_difficulty_follows_performance() -> None:
    state, _, deps = started(Setup(count=5, difficulty="adaptive", seed=2))
    assert state.level == 2 and state.current.difficulty == 2
    state, _ = answer_good(state, deps)
    assert state.level == 3
    state, _ = step(state, text("next"), deps)
    assert state.current.difficulty == 3
    state, _ = step(state, text("skip"), deps)
    assert state.level == 2 and state.current.difficulty == 2
    state, _ = step(state, text("answer", "no idea really, sorry about that"), deps)
    assert state.level == 1


def test_fixed_difficulty_prefers_that_level() -> None:
    state, _, deps = started(Setup(count=2, difficulty="3", seed=5))
    assert state.current.difficulty == 3
    state, _ = step(state, text("skip"), deps)
    assert state.current.difficulty == 3 and state.level == 3


def test_retry_list_is_asked_in_order() -> None:
    state, _, deps = started(Setup(question_ids=["sd-cache", "missing-id", "ml-overfit"], count=5))
    assert state.total == 2 and state.current.question.id == "sd-cache"
    state, _ = step(state, text("skip"), deps)
    assert state.current.question.id == "ml-overfit"


def test_resume_repeats_where_we_were() -> None:
    state, _, deps = started()
    state, _ = answer_good(state, deps)
    state, _ = step(state, text("probe"), deps)
    restored = State.model_validate_json(state.model_dump_json())
    restored, events = step(restored, Action(kind="resume"), deps)
    assert said(events, "resume") and said(events, "probe") == [state.current.open_probe.text]


def test_turns_record_the_whole_conversation() -> None:
    state, _, deps = started()
    state, _ = step(state, text("hint"), deps)
    state, _ = answer_good(state, deps)
    speakers = [(t.speaker, t.kind) for t in state.turns]
    assert ("candidate", "hint") in speakers and ("candidate", "answer") in speakers
    assert ("interviewer", "reveal") in speakers and [t.seq for t in state.turns] == list(
        range(1, len(state.turns) + 1)
    )


def test_real_chroma_index_works_as_question_source() -> None:
    import uuid

    import chromadb

    from interviewer.knowledge.index import Index

    index = Index(chromadb.EphemeralClient(), name=f"t{uuid.uuid4().hex[:8]}")
    from interviewer.knowledge.bank import Bank

    index.ingest(
        [
            Bank(id="core", title="Core", questions=[q for q in FakeIndex().questions if q.bank == "core"]),
            Bank(id="design", title="Design", questions=[q for q in FakeIndex().questions if q.bank == "design"]),
        ]
    )
    state, _, deps = started(Setup(count=2, topics=["Machine learning"], seed=1), index=index)
    state, _ = step(state, text("text", "ask me about caching in front of a database"), deps)
    assert state.current.question.id == "sd-cache"


def test_with_the_real_offline_grader() -> None:
    import dataclasses

    from interviewer.grading.model import PARAMS_PATH
    from interviewer.interview.deps import default_feedback, default_grade

    if not PARAMS_PATH.exists():
        pytest.skip("grader parameters not calibrated yet (bench/calibrate_grader.py)")

    deps = dataclasses.replace(make_deps(), grade_fn=default_grade, feedback_fn=default_feedback)
    state = new_session(Setup(count=2, seed=1, difficulty="2", mode="study"), deps)
    state, _ = step(state, Action(kind="start"), deps)
    q = state.current.question
    state, events = step(state, text("answer", q.reference_answer), deps)
    assert state.current.grade.mode == "offline" and state.current.grade.score >= 6.0
    assert said(events, "feedback")[0] == state.current.feedback != ""
    state, _ = step(state, text("probe"), deps)
    target = state.current.open_probe.key_point
    state, events = step(state, text("answer", q.key_points[target] + ". " + q.reference_answer), deps)
    assert state.current.probes[0].score is not None and said(events, "probe_result")
    state, _ = step(state, text("next"), deps)
    state, _ = step(state, text("answer", "I am not sure, maybe something with computers."), deps)
    assert state.records[1].score < state.records[0].score


def test_allowed_actions_follow_the_phase() -> None:
    deps = make_deps()
    state = new_session(Setup(count=1, seed=1), deps)
    assert allowed_actions(state) == ["start"]
    state, _ = step(state, Action(kind="start"), deps)
    assert "hint" in allowed_actions(state) and "probe" not in allowed_actions(state)
    state, _ = answer_good(state, deps)
    assert "probe" in allowed_actions(state) and "hint" not in allowed_actions(state)
    state, _ = step(state, text("probe"), deps)
    assert allowed_actions(state)[0] == "answer"
    state, _ = step(state, text("end"), deps)
    assert allowed_actions(state) == []


def test_streamed_chunks_add_up_to_the_final_text() -> None:
    llm = FakeChatModel(default="Consider what happens under heavy concurrent load.")
    state, _, deps = started(llm=llm)
    for action in (text("hint"), text("text", "Do you mean a single node?"), text("answer", "x y z w v")):
        run = stream_step(state, action, deps)
        events = list(run)
        state = run.state
        for i, event in enumerate(events):
            if event.kind == "say":
                chunks = []
                for prev in reversed(events[:i]):
                    if prev.kind != "chunk" or prev.part != event.part:
                        break
                    chunks.insert(0, prev.text)
                assert not chunks or "".join(chunks) == event.text


def test_switching_topic_after_a_hint_counts_as_a_skip() -> None:
    state, _, deps = started(Setup(count=2, topics=["Machine learning"], seed=1))
    state, _ = step(state, text("hint"), deps)
    state, _ = step(state, text("ask_about", "System design"), deps)
    assert state.records[0].status == "skipped" and state.total == 2 and len(state.asked) == 2


def test_empty_clarification_is_rejected() -> None:
    state, _, deps = started()
    new_state, events = step(state, text("clarify", "  "), deps)
    assert [e.kind for e in events] == ["error"] and new_state.turns == state.turns


def test_a_dead_model_is_not_waited_on_every_turn() -> None:
    class Dead(FakeChatModel):
        def _next(self, messages):
            self.history.append(list(messages))
            raise ModelError("connection refused", kind="connection")

    llm = Dead()
    state, _, deps = started(llm=llm)
    assert llm.history == []  # starting needs no model
    for asked in ("Do you mean online or batch?", "Should I assume one region?"):
        state, events = step(state, text("clarify", asked), deps)
        assert "?" not in said(events, "clarify")[0]  # the fixed reply
    calls = len(llm.history)
    assert calls == 2 and state.model_failures == 2  # the breaker opens
    state, events = step(state, text("clarify", "Is the dataset large?"), deps)
    state, events = answer_good(state, deps)
    assert len(llm.history) == calls  # clarify, grade and feedback went offline without trying
    assert state.current.feedback_failed and any("retry feedback" in e.text for e in events if e.kind == "notice")
    llm.__class__ = FakeChatModel  # the model comes back
    llm.default = "Model feedback."
    state, events = step(state, text("text", "retry feedback"), deps)
    assert state.model_failures == 0 and not state.current.feedback_failed
    assert said(events, "feedback") == ["Model feedback."]


def test_llm_parts_choose_which_lines_the_model_phrases() -> None:
    import dataclasses

    llm = FakeChatModel(default="A friendly line from the model for you.")
    deps = dataclasses.replace(make_deps(llm=llm), llm_parts=frozenset())
    state = new_session(Setup(count=2, seed=1), deps)
    state, events = step(state, Action(kind="start"), deps)
    state, events = step(state, text("clarify", "Should I assume a single region?"), deps)
    assert llm.history == [] and "state your assumption" in said(events, "clarify")[0]
    deps = dataclasses.replace(deps, llm_parts=frozenset({"clarify"}))
    state, events = step(state, text("clarify", "Should I assume a single region?"), deps)
    assert len(llm.history) == 1 and said(events, "clarify") == [llm.default]


def test_every_prompt_variant_renders_with_the_variables_code_passes() -> None:
    from interviewer.grading import GradeTask
    from interviewer.grading.llm_feedback import feedback_messages, feedback_prefix
    from interviewer.interview import replies
    from interviewer.llm.prompts import render

    q = QUESTIONS[0]
    grade = keyword_grade(q, OWN_WORDS[q.id][0])
    for profile in ("short", "rich"):
        line = replies.clarify(q, "Do you mean online or batch?", q.question, profile)
        assert [m.role for m in render(line.prompt, **line.variables)] == ["system", "user"]
        assert replies.clarify_prefix(q, profile)[1].content.endswith("question:")
        task, rich = GradeTask.from_question(q), profile == "rich"
        prompt = "\n".join(m.content for m in feedback_messages(task, grade, OWN_WORDS[q.id][0], rich))
        assert (OWN_WORDS[q.id][0] in prompt) == rich  # only a capable backend sees the answer (fenced)
        assert prompt.startswith(feedback_prefix(task, rich)[0].content)
    line = replies.probe(q, q.follow_ups[0].probe, "my own sentence", 1, "rich")
    assert "my own sentence" in render(line.prompt, **line.variables)[1].content
    assert replies.probe(q, q.follow_ups[0].probe, "", 1, "short").prompt == ""  # short: no model call
