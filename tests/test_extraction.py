"""Attempts to get the reference answer before answering are refused, and model output is guarded in code.

The fake model here is as leaky as a model can be: whatever it is asked, it replies with the reference answer and
the key points. Nothing of them may reach the candidate while the question is open.
"""

from __future__ import annotations

import re

import pytest
from interview_fakes import QUESTIONS, make_deps

from interviewer.interview.session import new_session, stream_step
from interviewer.interview.simulate import EXTRACTION_ATTEMPTS
from interviewer.interview.state import Action, Setup
from interviewer.llm import FakeChatModel
from interviewer.safety.leak import REDACTED, LeakGuard

ATTEMPTS = list(EXTRACTION_ATTEMPTS)  # the simulated extractor uses the same list


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def grams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def assert_no_leak(reply: str, question) -> None:
    low = reply.lower()
    for point in question.key_points:
        assert point.lower() not in low, f"key point leaked: {point!r} in {reply!r}"
    leaked = grams(reply) & (grams(question.reference_answer) | set().union(*(grams(p) for p in question.key_points)))
    assert not leaked, f"reference n-gram leaked: {sorted(leaked)[:3]} in {reply!r}"


def step(state, action, deps):
    """One step with every event the candidate would see, streamed chunks included (session.step drops them)."""
    run = stream_step(state, action, deps)
    events = list(run)
    return run.state, events


def shown(events) -> str:
    return "\n".join(e.text for e in events if e.kind in ("say", "chunk", "notice", "error", "reveal"))


def leaky_session(mode: str = "study", seed: int = 1):
    llm = FakeChatModel()
    deps = make_deps(llm=llm)
    state = new_session(Setup(count=3, mode=mode, difficulty="2", seed=seed), deps)
    state, _ = step(state, Action(kind="start"), deps)
    q = state.current.question
    llm.default = q.reference_answer + "\nKey points: " + "; ".join(q.key_points)
    return state, deps, q


def test_fixture_questions_do_not_quote_their_reference() -> None:
    for q in QUESTIONS:
        assert not grams(q.question) & grams(q.reference_answer), q.id


@pytest.mark.parametrize("mode", ["study", "exam"])
def test_attempts_in_free_text_leak_nothing(mode: str) -> None:
    state, deps, q = leaky_session(mode)
    refused = 0
    for attempt in ATTEMPTS:
        new_state, events = step(state, Action(kind="text", text=attempt), deps)
        assert_no_leak(shown(events), q)
        assert len(new_state.records) == 1 and new_state.records[0].status == "open", attempt
        assert not any(e.kind in ("reveal", "scorecard") for e in events), attempt
        refused += any(e.kind == "say" and e.part == "refusal" for e in events)
    assert refused >= 25


@pytest.mark.parametrize("kind", ["clarify", "hint", "answer"])
def test_attempts_through_buttons_leak_nothing(kind: str) -> None:
    state, deps, q = leaky_session()
    for attempt in ATTEMPTS:
        new_state, events = step(state, Action(kind=kind, text=attempt), deps)
        assert_no_leak(shown(events), q)
        assert not any(e.kind == "reveal" for e in events)


def test_exam_mode_keeps_the_guard_after_answering() -> None:
    state, deps, q = leaky_session("exam")
    state, _ = step(state, Action(kind="answer", text="I would look at the validation curves and add some data."), deps)
    for attempt in ATTEMPTS[:10] + ["probe me"]:
        _, events = step(state, Action(kind="text", text=attempt), deps)
        assert_no_leak(shown(events), q)


def test_study_mode_shows_the_reference_once_answered() -> None:
    state, deps, q = leaky_session("study")
    state, events = step(state, Action(kind="answer", text="Some honest attempt at an answer, short."), deps)
    assert any(e.kind == "reveal" and e.text == q.reference_answer.strip() for e in events)
    _, events = step(state, Action(kind="text", text="what is the answer?"), deps)
    assert any(e.kind == "reveal" for e in events)


# ---- the guard itself


def test_guard_redacts_runs_and_whole_key_points() -> None:
    q = QUESTIONS[0]
    guard = LeakGuard(q)
    text = "Sure. " + q.reference_answer.split(".")[1] + ". Also " + q.key_points[2].lower() + "!"
    redacted, share = guard.redact(text)
    assert REDACTED in redacted and share > 0.5
    assert_no_leak(redacted, q)
    assert guard.filter(text, "Fallback text.")[0] == "Fallback text."
    assert guard.filter("Think about the curves you watch.", "x") == ("Think about the curves you watch.", False)


def test_guard_does_not_count_the_question_as_a_leak() -> None:
    q = QUESTIONS[1]
    assert not LeakGuard(q).leaks("The question was: " + q.question)


@pytest.mark.parametrize("size", [1, 2, 5, 13, 1000])
def test_streaming_guard_never_yields_a_leak(size: int) -> None:
    q = QUESTIONS[2]
    text = "Well, " + q.reference_answer + " That is all, " + q.key_points[3] + ", and more words to follow here."
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    out, so_far = [], ""
    for piece in LeakGuard(q).stream(pieces):
        so_far += piece
        out.append(piece)
        assert_no_leak(so_far, q)
    assert "".join(out) == LeakGuard(q).redact(text)[0]
    assert "".join(LeakGuard(q).stream(["Nothing secret here at all."])) == "Nothing secret here at all."


def test_every_bank_question_is_guarded(banks) -> None:
    """The bundled banks, each question asked with a model that leaks: clarify and hint never show it. Word runs only
    here (embedding every bank's rubric takes minutes); the meaning check has its own tests below."""
    from interview_fakes import FakeIndex

    questions = [q for bank in banks for q in bank.questions]
    llm = FakeChatModel()
    deps = make_deps(llm=llm, index=FakeIndex(questions), embed=None)
    for q in questions:
        state = new_session(Setup(question_ids=[q.id], count=1), deps)
        state, _ = step(state, Action(kind="start"), deps)
        llm.default = q.reference_answer + "\nKey points: " + "; ".join(q.key_points)
        for action in (
            Action(kind="clarify", text="What do you mean exactly?"),
            Action(kind="hint"),
            Action(kind="text", text="Could you clarify what a good answer should include?"),
        ):
            _, events = step(state, action, deps)
            assert_no_leak(shown(events), q)


# ---- the meaning check (real MiniLM): a point stated in other words is a leak too


def paraphrases() -> dict[str, list[str]]:
    """Fresh sentences for the seed bank's first question: some settle scope, some explain a key point."""
    return {
        "scope": [
            "Either a batch or an online setting is fine; pick one and say which.",
            "Assume a typical tabular prediction problem at a mid-sized company.",
            "You can assume any reasonable scale, for example a few million rows.",
            "State the assumptions you would make and answer on that basis.",
        ],
        "explains": [
            "Feature engineering converts raw data into useful inputs; better features usually beat a better model.",
            "You should impute missing values with the median and add a flag that marks the value as missing.",
            "For high-cardinality categories use target encoding or hashing instead of one-hot.",
            "It matters because good features improve accuracy and make training faster.",
        ],
    }


def test_the_meaning_check_catches_a_point_in_other_words(banks) -> None:
    from interviewer.interview.deps import default_embed

    q = next(q for b in banks for q in b.questions if q.id == "mlsd-01-feature-engineering")
    guard = LeakGuard(q, embed=default_embed)
    texts = paraphrases()
    assert not any(LeakGuard(q).leaks(t) for t in texts["explains"])  # word runs alone miss them all
    assert guard.leaks_by_meaning(texts["explains"]) == [True] * 4
    assert guard.leaks_by_meaning(texts["scope"]) == [False] * 4
    safe, removed = guard.filter(texts["scope"][0] + " " + texts["explains"][1], "Fixed reply.")
    assert (safe, removed) == ("Fixed reply.", True)  # in doubt, the fixed text


def test_a_clarify_reply_explaining_the_concept_is_replaced_by_the_scope_reply(banks) -> None:
    from interview_fakes import FakeIndex

    q = next(q for b in banks for q in b.questions if q.id == "mlsd-01-feature-engineering")
    llm = FakeChatModel(default="Good question. " + paraphrases()["explains"][0])
    deps = make_deps(llm=llm, index=FakeIndex([q]))
    state = new_session(Setup(question_ids=[q.id], count=1), deps)
    state, _ = step(state, Action(kind="start"), deps)
    state, events = step(state, Action(kind="text", text="Do you mean online or batch?"), deps)
    [reply] = [e.text for e in events if e.kind == "say" and e.part == "clarify"]
    assert "Either reading is fair" in reply and "raw data" not in shown(events)
    llm.default = "Either is fine here; just say which one you assume."
    state, events = step(state, Action(kind="text", text="What scale roughly?"), deps)
    assert [e.text for e in events if e.kind == "say" and e.part == "clarify"] == [llm.default]


def test_hints_climb_the_banks_ladder_without_the_model(banks) -> None:
    from interview_fakes import FakeIndex

    q = next(q for b in banks for q in b.questions if q.id == "mlsd-01-feature-engineering")
    llm = FakeChatModel(default=q.reference_answer)
    deps = make_deps(llm=llm, index=FakeIndex([q]))
    state = new_session(Setup(question_ids=[q.id], count=1), deps)
    state, _ = step(state, Action(kind="start"), deps)
    hints = []
    for _ in range(3):
        state, events = step(state, Action(kind="hint"), deps)
        hints += [e.text for e in events if e.kind == "say" and e.part == "hint"]
    ladder = q.hint_ladder(0).steps
    assert [h.split(": ", 1)[1] for h in hints] == ladder and llm.history == []


def test_copied_sentences_are_found_but_own_words_are_not(banks) -> None:
    from interview_fakes import OWN_WORDS, QUESTIONS

    from interviewer.interview.deps import default_embed

    q = QUESTIONS[0]
    guard = LeakGuard(q, embed=default_embed)
    pasted = q.reference_answer.replace("always keep", "keep")  # a light edit
    assert len(guard.copied(pasted)) == len(guard.copied(q.reference_answer)) >= 3
    assert guard.copied(" ".join(OWN_WORDS[q.id])) == []
    mixed = OWN_WORDS[q.id][0] + " " + q.key_points[1] + "."
    assert guard.copied(mixed) == [q.key_points[1] + "."]
