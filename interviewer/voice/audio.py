"""A recording, checked before any model sees it: readable as audio, long enough, short enough, not silent.

Every refusal is a VoiceError whose message says what happened and what to do, for the candidate to read: a browser
upload, a file given to `interviewer transcribe` and an API call all come through `load_clip`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewer.errors import InterviewerError

SAMPLE_RATE = 16_000  # what Whisper takes
MIN_SECONDS = 1.0
MAX_BYTES = 100 << 20  # ~50 min of 16 kHz 16-bit WAV: larger is refused before it is read
SILENT_RMS = 0.002  # about -54 dBFS: a muted or unplugged microphone; a quiet room is well above it
SILENT_PEAK = 0.01


class VoiceError(InterviewerError):
    """A recording that cannot be turned into an answer; the message is for the candidate."""


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray  # float32 mono at SAMPLE_RATE, in [-1, 1]

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 90 else f"{seconds:.0f} seconds"


def probe_seconds(path: Path) -> float | None:
    """The duration the container declares (None when it declares none), without decoding the audio."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise VoiceError("That file has no sound in it. Record your answer again, or type it.")
            return container.duration / av.time_base if container.duration else None
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise VoiceError(
            "That file couldn't be read as audio. Record your answer again (or upload a WAV, MP3, OGG or WebM "
            "file), or type it."
        ) from exc


def decode(path: Path) -> np.ndarray:
    import av
    from faster_whisper import decode_audio

    try:
        return decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise VoiceError("That recording couldn't be decoded. Record your answer again, or type it.") from exc


def check(samples: np.ndarray, max_seconds: float) -> Clip:
    clip = Clip(np.asarray(samples, dtype=np.float32).reshape(-1))
    if clip.seconds < MIN_SECONDS:
        raise VoiceError(
            f"That recording is too short ({clip.seconds:.1f} s). Record again and speak for at least a second."
        )
    if clip.seconds > max_seconds:
        raise VoiceError(
            f"That recording is too long ({_minutes(clip.seconds)}). Keep one answer under {_minutes(max_seconds)}."
        )
    rms = float(np.sqrt(np.mean(np.square(clip.samples, dtype=np.float64))))
    if rms < SILENT_RMS or float(np.max(np.abs(clip.samples))) < SILENT_PEAK:
        raise VoiceError(
            "That recording is silent. Check that the right microphone is selected and not muted, then try again."
        )
    return clip


def load_clip(path: str | Path, max_seconds: float) -> Clip:
    """The recording at `path` as 16 kHz mono, or a VoiceError the candidate can act on."""
    path = Path(path)
    if not path.is_file():
        raise VoiceError("No recording came through. Record your answer again.")
    size = path.stat().st_size
    if size == 0:
        raise VoiceError("The recording is empty. Record your answer again.")
    if size > MAX_BYTES:
        raise VoiceError(f"That file is too large ({size >> 20} MB). Keep one answer under {_minutes(max_seconds)}.")
    declared = probe_seconds(path)
    if declared is not None and declared > max_seconds + 1:  # refused before decoding it all
        raise VoiceError(
            f"That recording is too long ({_minutes(declared)}). Keep one answer under {_minutes(max_seconds)}."
        )
    return check(decode(path), max_seconds)
