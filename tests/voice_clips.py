"""Recordings for the voice tests, made on the spot: espeak-ng speaks text written for the tests (never the
banks' exemplars), sox makes silence, a tone and noise. `make test` installs both (Debian packages)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# A candidate's own words, for "How would you detect data drift on a deployed model?"-style questions.
DRIFT_ANSWER = (
    "I would log every prediction together with its input features. Each day I compare the live feature "
    "distributions with the training data, using a population stability index. When the drift score passes a "
    "threshold, the on-call engineer gets an alert, and we retrain on the most recent month of labelled data."
)


def need_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (make test installs them)")


def say(path: Path, text: str, voice: str = "en-us", wpm: int = 160) -> Path:
    need_tools()
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True, timeout=60)
    return path


def sox(path: Path, *effect: str, seconds: float) -> Path:
    """A 16 kHz mono 16-bit WAV from sox's generator: sox(path, "whitenoise", seconds=5); no effect = silence."""
    need_tools()
    synth = ["synth", str(seconds), *effect] if effect else ["trim", "0", str(seconds)]
    subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", "-c", "1", str(path), *synth], check=True, timeout=60)
    return path


def bad_clips(folder: Path) -> dict[str, tuple[Path, str]]:
    """Recordings no answer should come from, each with the words its message must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    not_audio = folder / "notes.wav"
    not_audio.write_text("These are my interview notes, saved with the wrong name.\n" * 40, encoding="utf-8")
    return {
        "silence": (sox(folder / "silence.wav", seconds=5), "silent"),
        "0.2 s": (sox(folder / "blip.wav", "sine", "440", seconds=0.2), "too short"),
        "10 minutes": (sox(folder / "long.wav", "sine", "300", "vol", "0.3", seconds=600), "too long"),
        "noise": (sox(folder / "noise.wav", "whitenoise", "vol", "0.3", seconds=5), "couldn't make out any words"),
        "not audio": (not_audio, "couldn't be read as audio"),
    }
