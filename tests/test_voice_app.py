"""Voice in the running app: the gradio_client API answers with a recording (transcript, scorecard, delivery in the
report), a bad recording is an error message and the session goes on; in real chromium with a fake microphone
playing a generated clip, the transcript lands in the answer box after what was typed, is edited, sent and scored,
and a file that is not audio gets a message while the typed text stays."""

from __future__ import annotations

import pytest
from app_harness import running_app
from conftest import chromium_page, start_in_browser
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from voice_clips import DRIFT_ANSWER, say

from interviewer.voice.stt import available, word_error_rate

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not available(), reason="faster-whisper is not installed")]
DRIFT = "mlsd-07-concept-drift"
SETUP = {"question_ids": [DRIFT], "count": 1, "mode": "study"}
WAIT = 120_000  # generous: the suite shares 2 cores; these wait for behaviour, not speed
SHORT_ANSWER = (  # ~10 s spoken: what the fake microphone plays
    "I would compare the live feature distributions with the training data every day, and retrain on recent "
    "labels when the drift score passes a threshold."
)


def test_the_api_answers_with_a_recording(tmp_path):
    clip = say(tmp_path / "answer.wav", DRIFT_ANSWER)
    notes = tmp_path / "notes.wav"
    notes.write_text("my notes, not a recording\n" * 20, encoding="utf-8")
    with running_app(tmp_path) as running:
        client = Client(running.url, verbose=False)
        sid = client.predict(SETUP, api_name="/start")["session_id"]
        with pytest.raises(AppError, match="couldn't be read as audio"):
            client.predict(sid, audio=handle_file(str(notes)), api_name="/answer")
        r = client.predict(sid, audio=handle_file(str(clip)), api_name="/answer")
        assert word_error_rate(DRIFT_ANSWER, r["transcript"]) <= 0.25, r["transcript"]  # the flow; WER: bench
        card = r["scorecard"]
        assert r["phase"] == "review" and card["question_id"] == DRIFT and card["delivery"] == r["delivery"]
        assert r["delivery"]["words"] > 40 and r["delivery"]["wpm"] > 100
        report = client.predict(sid, api_name="/report")
        question = report["report"]["questions"][0]
        assert question["answer"] == r["transcript"] and question["delivery"]["wpm"] == r["delivery"]["wpm"]
        assert "**Delivery (spoken):**" in report["markdown"]
        r = client.predict(sid, "Retrain on recent data when the error rises.", api_name="/answer")
        assert r["transcript"] is None and r["delivery"] is None  # text answers still work, unchanged


@pytest.fixture
def mic_page(tmp_path):
    """Chromium whose microphone plays a generated spoken answer (Chromium loops the file)."""
    clip = say(tmp_path / "mic.wav", SHORT_ANSWER, wpm=155)
    fake_mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={clip}",
    ]
    with chromium_page(fake_mic, permissions=["microphone"]) as page:
        yield page


@pytest.mark.browser
def test_record_an_answer_in_the_browser(mic_page, tmp_path):
    page = mic_page
    notes = tmp_path / "notes.wav"
    notes.write_text("my notes, not a recording\n" * 20, encoding="utf-8")
    with running_app(tmp_path) as running:
        start_in_browser(page, running.url, 1, WAIT)
        page.click("#read-aloud input")  # questions and feedback read aloud from now on
        box = page.locator("#composer textarea")
        box.fill("To start with:")

        page.click("#mic button.record")
        page.wait_for_timeout(10_500)  # the clip is ~10 s
        page.click("#mic button.stop-button")
        page.wait_for_function("() => document.querySelector('#composer textarea').value.length > 60", timeout=WAIT)
        text = box.input_value()
        assert text.startswith("To start with: "), "the transcript goes after what was typed"
        heard = set(text.lower().replace(",", " ").replace(".", " ").split())
        assert {"feature", "distributions", "data", "drift", "threshold"} <= heard, (
            text
        )  # through a fake mic: WER in bench

        # a file that is not audio: a message, and the answer box keeps its text
        page.click("#mic button[aria-label='Upload file']")
        page.locator("#mic input[type=file]").set_input_files(str(notes))
        page.wait_for_selector(".toast-body:has-text('couldn')", timeout=WAIT)
        assert box.input_value() == text

        box.fill(text.replace("To start with: ", "") + " I checked it by hand.")  # edited before sending
        box.press("Enter")
        page.wait_for_selector("#side .iv-scorecard .iv-delivery", timeout=WAIT)
        assert "words/min" in page.locator("#side .iv-delivery").inner_text()
        page.wait_for_selector("#speech audio[src]", state="attached", timeout=WAIT)  # the feedback, spoken
        answered = page.locator("#chat .user").last.inner_text()
        assert "I checked it by hand." in answered and "To start with" not in answered
        page.screenshot(path=str(tmp_path / "voice.png"), full_page=True)
