"""Text to speech for the interviewer's lines: Piper's natural "joe" voice when the optional `piper` extra is
installed (piper-tts is GPL-3.0-or-later, so it is opt-in), else Debian's espeak-ng (robotic, always offline), else
none (the read-aloud toggle is then hidden).

    speaker = build_speaker(settings)       # None: no voice on this machine
    path = speaker.to_file("How would you ...?", folder)   # a WAV to play

Piper takes ~0.6 s for a 25-word question on 2 cores (bench/voice_tts.py); the voice loads once (~1 s).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path
from typing import Protocol

from interviewer.config import Settings

from .audio import VoiceError
from .models import PIPER_JOE, ensure_model, installed

MAX_CHARS = 1500  # a reply longer than this is cut at a sentence: nobody listens to a page read aloud
ESPEAK = "espeak-ng"
_MARKUP = re.compile(r"[*_`#>|]+")


def speakable(text: str) -> str:
    """Chat text as plain sentences: Markdown marks dropped, whitespace collapsed, long text cut at a sentence."""
    text = " ".join(_MARKUP.sub(" ", text or "").split())
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    return cut[: cut.rfind(". ") + 1] or cut


class Speaker(Protocol):
    name: str

    def to_file(self, text: str, folder: Path) -> Path: ...


def _out_path(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(prefix="speech-", suffix=".wav", dir=folder, delete=False) as f:
        return Path(f.name)


class PiperSpeaker:
    name = "piper"

    def __init__(self, settings: Settings):
        self.settings = settings
        self._voice = None
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._voice is None:
                from piper import PiperVoice

                folder = ensure_model(PIPER_JOE, self.settings, progress=False)
                self._voice = PiperVoice.load(str(folder / PIPER_JOE.files[0]))
            return self._voice

    def to_file(self, text: str, folder: Path) -> Path:
        voice, path = self.load(), _out_path(folder)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(voice.config.sample_rate)
            for chunk in voice.synthesize(speakable(text)):  # one chunk per sentence
                out.writeframes(chunk.audio_int16_bytes)
        return path


class EspeakSpeaker:
    name = "espeak-ng"

    def to_file(self, text: str, folder: Path) -> Path:
        path = _out_path(folder)
        try:
            subprocess.run(
                [ESPEAK, "-v", "en-us", "-s", "165", "-w", str(path), "--stdin"],
                input=speakable(text).encode(),
                check=True,
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceError("Reading aloud failed (espeak-ng); the text is in the chat.") from exc
        return path


def piper_available() -> bool:
    return importlib.util.find_spec("piper") is not None and installed(PIPER_JOE)  # found, not imported


def build_speaker(settings: Settings) -> Speaker | None:
    """The best voice this install has, as `settings.voice_tts` allows (auto: piper, then espeak-ng)."""
    choice = settings.voice_tts
    if choice in ("auto", "piper") and piper_available():
        return PiperSpeaker(settings)
    if choice in ("auto", "espeak") and shutil.which(ESPEAK):
        return EspeakSpeaker()
    return None
