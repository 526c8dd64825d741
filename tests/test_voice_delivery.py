"""Delivery metrics and the voice glue, as pure logic (no model): pace, fillers and pauses from word timestamps;
which recording's delivery goes with an answer; it is kept with the answer and shows on the scorecard and in the
report; which interviewer lines are read aloud."""

from __future__ import annotations

import json

import pytest
from interview_fakes import QUESTIONS, make_deps

from interviewer.interview.report import build_report
from interviewer.interview.session import new_session, step
from interviewer.interview.state import Action, Setup, State
from interviewer.voice import Delivery, Word, measure, spoken_share
from webui.render import scorecard_html
from webui.voice import delivery_for, to_read


def timed(text: str, start: float = 0.0, step_s: float = 0.4, gaps: dict[int, float] | None = None) -> list[Word]:
    """Whisper-style words (leading space, punctuation attached), one every `step_s`, with extra silence before
    the words whose index is in `gaps`."""
    out, t = [], start
    for i, token in enumerate(text.split()):
        t += (gaps or {}).get(i, 0.0)
        out.append(Word(" " + token, t, t + step_s * 0.8))
        t += step_s
    return out


def test_pace_speaking_time_and_long_pauses():
    words = timed("I would cache the features near the model, and refresh them hourly.", start=1.0, gaps={6: 3.0})
    d = measure(words, recording_s=12.0)
    assert d.words == 12 and d.recording_s == 12.0
    assert d.speaking_s == pytest.approx(0.4 * 11 + 0.32 + 3.0)  # first word start to last word end
    assert d.wpm == pytest.approx(12 / (d.speaking_s / 60), rel=0.01)
    assert d.long_pauses == 1 and d.longest_pause_s == pytest.approx(3.08)
    assert "1 long pause" in d.summary() and any("long pause" in n for n in d.notes())


def test_fillers_are_counted_only_where_they_are_fillers():
    d = measure(
        timed(
            "Um, so, like, the model uses features like clicks and, you know, the time. Uh, do you know why, though?"
        ),
        9,
    )
    assert d.filler_counts == {"um": 1, "like": 1, "you know": 1, "uh": 1}
    assert d.fillers == 4 and d.fillers_per_min > 0
    plain = measure(timed("Models like XGBoost need features you know are stable, like counts."), 5)
    assert plain.fillers == 0, plain.filler_counts


def test_notes_name_what_to_work_on_and_nothing_else():
    fast = measure(timed("word " * 60, step_s=0.2), 13)  # 300 words a minute
    assert fast.wpm > 250 and any("Fast pace" in n for n in fast.notes())
    ums = measure(timed("Um, I think, um, we cache it, uh, near the model, um, yes."), 5)
    assert any("filler" in n for n in ums.notes())
    calm = measure(timed("I would shard the table by user id and replicate each shard across two zones."), 8)
    assert 120 <= calm.wpm <= 160 and calm.notes() == []


def test_nothing_heard_is_all_zero():
    assert (
        measure([], 3.0).model_dump() | {"filler_counts": {}}
        == Delivery(
            recording_s=3.0, speaking_s=0, words=0, wpm=0, fillers=0, fillers_per_min=0, long_pauses=0
        ).model_dump()
    )


SPOKEN = {
    "transcript": "I would retrain the model every week on fresh labels and watch the error.",
    "delivery": measure(
        timed("I would retrain the model every week on fresh labels and watch the error."), 6
    ).model_dump(),
}


def test_a_corrected_transcript_keeps_its_delivery_a_replaced_one_does_not():
    corrected = "I would retrain the model every week on fresh labels and watch the error rate."
    assert spoken_share(SPOKEN["transcript"], corrected) == 1.0
    assert delivery_for(SPOKEN, corrected) is not None
    assert delivery_for(SPOKEN, "Actually let me type it: a nightly batch job recomputes the embeddings.") is None
    assert delivery_for(None, corrected) is None


def _started(tmp_path) -> tuple[State, object]:
    deps = make_deps(tmp_path=tmp_path)
    state = new_session(Setup(count=1, mode="study", question_ids=[QUESTIONS[0].id]), deps)
    state, _ = step(state, Action(kind="start"), deps)
    return state, deps


def test_a_spoken_answer_keeps_its_delivery_to_the_scorecard_and_report(tmp_path):
    state, deps = _started(tmp_path)
    delivery = Delivery.model_validate(SPOKEN["delivery"])
    answer = "Compare training and validation error; add dropout, weight decay and early stopping, or more data."
    state, events = step(state, Action(kind="text", text=answer, delivery=delivery), deps)
    rec = state.current
    assert rec.status == "answered" and rec.delivery == delivery
    assert State.model_validate_json(state.model_dump_json()).current.delivery == delivery  # saved with the state
    assert "Delivery (spoken answer)" in scorecard_html(rec, 1) and delivery.summary() in scorecard_html(rec, 1)
    report = build_report(state)
    assert report.questions[0].delivery == delivery
    assert json.loads(report.as_json())["questions"][0]["delivery"]["wpm"] == delivery.wpm
    assert f"**Delivery (spoken):** {delivery.summary()}" in report.as_markdown()


def test_a_typed_answer_has_no_delivery(tmp_path):
    state, deps = _started(tmp_path)
    state, _ = step(state, Action(kind="text", text="Watch the gap between training and validation loss."), deps)
    assert state.current.status == "answered" and state.current.delivery is None
    assert "Delivery" not in scorecard_html(state.current, 1) and "Delivery" not in build_report(state).as_markdown()


def test_delivery_sent_with_a_request_is_not_kept(tmp_path):
    state, deps = _started(tmp_path)
    delivery = Delivery.model_validate(SPOKEN["delivery"])
    state, _ = step(state, Action(kind="text", text="could I have a hint please", delivery=delivery), deps)
    assert state.current.status == "open" and state.current.delivery is None


def test_read_aloud_is_what_the_interviewer_said_since_the_candidate_spoke(tmp_path):
    state, deps = _started(tmp_path)
    first = to_read(state)
    assert QUESTIONS[0].question in first
    state, _ = step(state, Action(kind="text", text="Compare training and validation error, then add dropout."), deps)
    after = to_read(state)
    assert after and QUESTIONS[0].question not in after
    assert QUESTIONS[0].reference_answer.strip()[:40] not in after, "the model answer is not read aloud"


# ---- judging a transcript (the bench's WER) and dropping Whisper's invented sign-off


@pytest.mark.parametrize(
    ("said", "heard", "wer"),
    [
        ("It is ninety-nine percent accurate.", "It is 99% accurate.", 0.0),  # how Whisper writes numbers
        ("Keep one thousand rows, not twenty.", "Keep 1,000 rows, not 20.", 0.0),
        ("Fraud is rare.", "Frog is rare.", 1 / 3),  # a misheard word still counts
        ("Fraud is rare.", "Fraud is rare. Thank you very much.", 4 / 3),  # and so do invented words
    ],
)
def test_word_error_rate_reads_numbers_as_digits(said: str, heard: str, wer: float) -> None:
    from interviewer.voice.stt import word_error_rate

    assert word_error_rate(said, heard) == pytest.approx(wer)


def test_a_short_unsure_segment_is_dropped_as_invented() -> None:
    from types import SimpleNamespace

    from interviewer.voice.stt import _invented

    def seg(no_speech: float, start: float, end: float):
        return SimpleNamespace(no_speech_prob=no_speech, start=start, end=end)

    assert _invented(seg(0.74, 12.9, 13.2))  # "Thank you very much." on the quiet tail (measured)
    assert not _invented(seg(0.12, 0.0, 12.9)) and not _invented(seg(0.2, 3.0, 3.4))  # real speech, a short "Yes."
