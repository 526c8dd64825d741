"""The interview tab's voice: record an answer (its transcript lands in the answer box, editable, before anything
is sent), hear the interviewer's lines (a toggle), and the recording's delivery kept with the answer.

The speech itself is interviewer.voice; here are the components, the callbacks and the glue to the session. A bad
recording is a warning the candidate reads; the answer box is never touched then, so nothing typed is lost.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from interviewer.config import Settings
from interviewer.errors import InterviewerError
from interviewer.interview.state import State
from interviewer.voice import Delivery, VoiceError, spoken_share
from interviewer.voice.stt import Transcriber, Transcript, available
from interviewer.voice.tts import Speaker, build_speaker

from .sessions import Sessions

log = logging.getLogger("interviewer.app")
KEEP_DELIVERY = 0.6  # the recording's delivery goes with the answer while this share of its words is still sent
UNHEARD = {"reveal", "scorecard"}  # interviewer lines not read aloud (the model answer is long: read it)
KEEP_SPEECH_S = 600  # spoken replies older than this are deleted
TRANSCRIBED = "Your recording is in the answer box: fix any misheard words, then send it."


class Voice:
    """The app's speech tools, built once in app.build_app. Models load on first use (or when the candidate starts
    recording / turns reading aloud on), never at start-up."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.transcriber: Transcriber | None = Transcriber(settings) if available() else None
        self.speaker: Speaker | None = build_speaker(settings)
        self.folder = Path(tempfile.mkdtemp(prefix="interviewer-speech-"))

    def transcribe(self, path: str | Path, question: str = "") -> Transcript:
        if self.transcriber is None:
            raise VoiceError("Speech to text is not installed on this server (pip install faster-whisper); type it.")
        return self.transcriber.transcribe(path, question)

    def speak(self, text: str) -> Path | None:
        if not self.speaker or not text.strip():
            return None
        for old in self.folder.glob("speech-*.wav"):  # Gradio has served its own copy of each by now
            with contextlib.suppress(OSError):  # another request may be pruning too
                if time.time() - old.stat().st_mtime > KEEP_SPEECH_S:
                    old.unlink()
        return self.speaker.to_file(text, self.folder)

    def warm(self, what: str) -> None:
        """Load a model in the background (the candidate is busy recording or reading meanwhile)."""
        target = self.transcriber if what == "stt" else self.speaker
        load = getattr(target, "warm", None) or getattr(target, "load", None)
        if load is not None:
            threading.Thread(target=load, name=f"voice-warm-{what}", daemon=True).start()


def question_text(state: State) -> str:
    """What the candidate is answering: the open follow-up, else the current question (guides Whisper's spelling)."""
    rec = state.current
    if rec is None:
        return ""
    probe = rec.open_probe
    return probe.text if state.phase == "probe" and probe else rec.question.question


def to_read(state: State) -> str:
    """The interviewer's lines since the candidate last spoke, as one text to read aloud."""
    lines: list[str] = []
    for turn in reversed(state.turns):
        if turn.speaker == "candidate":
            break
        if turn.speaker == "interviewer" and turn.kind not in UNHEARD and turn.text.strip():
            lines.append(turn.text.strip())
    return " ".join(reversed(lines))


def delivery_for(spoken: dict | None, text: str) -> Delivery | None:
    """The last recording's delivery, if the text being sent is still mostly that recording's words."""
    if not spoken or spoken_share(spoken.get("transcript", ""), text) < KEEP_DELIVERY:
        return None
    return Delivery.model_validate(spoken["delivery"])


def voice_controls(ui: Any, voice: Voice) -> None:
    """The recorder, the read-aloud toggle and its player, under the answer box (hidden where unavailable)."""
    ui.spoken = gr.State(None)
    with gr.Row(equal_height=True, elem_id="iv-voice"):
        ui.mic = gr.Audio(
            sources=["microphone", "upload"],
            type="filepath",
            format=None,  # the file as recorded: interviewer.voice decodes it, any format
            waveform_options=gr.WaveformOptions(sample_rate=16000),
            label="Answer out loud: record, check the transcript in the box, then send",
            visible=voice.transcriber is not None,
            scale=3,
            elem_id="mic",
        )
        with gr.Column(scale=1, min_width=180, visible=voice.speaker is not None):
            ui.read_aloud = gr.Checkbox(False, label="Read questions and feedback aloud", elem_id="read-aloud")
            ui.speech = gr.Audio(
                label="Interviewer", autoplay=True, interactive=False, visible=False, elem_id="speech", type="filepath"
            )


def on_record(
    voice: Voice, sessions: Sessions, ui: Any, token: str, audio: str | None, typed: str, user: str | None = None
) -> dict:
    """A recording stopped (or a file was uploaded): its transcript goes into the answer box after what is typed."""
    if not audio:
        return {ui.mic: gr.skip()}
    try:
        question = question_text(sessions.get(token, user)) if token else ""
    except InterviewerError:
        question = ""
    try:
        transcript = voice.transcribe(audio, question)
    except VoiceError as exc:
        gr.Warning(str(exc))
        return {ui.mic: None}  # the answer box keeps what was typed
    except Exception:  # a fault in the speech stack must not cost the candidate their typed answer
        log.exception("transcription failed")
        gr.Warning("Transcribing failed on the server. Type your answer, or try recording again.")
        return {ui.mic: None}
    typed = typed or ""
    text = f"{typed.rstrip()} {transcript.text}" if typed.strip() else transcript.text
    gr.Info(TRANSCRIBED)
    spoken = {"transcript": transcript.text, "delivery": transcript.delivery.model_dump()}
    return {ui.composer: text, ui.spoken: spoken, ui.mic: None}


def on_speak(voice: Voice, sessions: Sessions, ui: Any, token: str, enabled: bool, user: str | None = None) -> dict:
    """Read the interviewer's newest lines aloud, when the toggle is on."""
    if not enabled or not token or voice.speaker is None:
        return {ui.speech: gr.skip()}
    try:
        path = voice.speak(to_read(sessions.get(token, user)))
    except (InterviewerError, OSError) as exc:
        log.warning("reading aloud failed: %s", exc)
        return {ui.speech: gr.skip()}
    return {ui.speech: gr.Audio(value=str(path), visible=True) if path else gr.skip()}


def on_toggle(voice: Voice, ui: Any, enabled: bool) -> dict:
    if enabled:
        voice.warm("tts")
    return {ui.speech: gr.Audio(visible=enabled)}
