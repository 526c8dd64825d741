"""Speech to text: Whisper tiny.en through faster-whisper (CTranslate2, int8 on the CPU), in this process.

Measured by bench/voice_stt.py (WER, and how long a 60 s answer takes). Settings that matter:
- the question as `initial_prompt`: its terms (names, jargon) come out spelled right; a disfluent prefix keeps the
  fillers (without it "Um, I would start" came out "I will start", and the delivery had no fillers to count);
- `condition_on_previous_text=True`: with it off, a 41 s answer lost its whole second 30 s window;
- speech cut at pauses (Silero VAD) into pieces of at most 20 s, each decoded on its own with the question and the
  end of what was heard so far as the prompt: in one 36 s answer, decoding the whole clip skipped a 20 s stretch
  (WER 63 %; cut into pieces, 15 %); silence and noise give no pieces, so no invented "Thank you.";
- word timestamps: the delivery metrics are computed from them.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from interviewer.config import Settings

from .audio import SAMPLE_RATE, Clip, VoiceError, load_clip
from .delivery import Delivery, Word, measure
from .models import WHISPER, ensure_model, installed

BEAM = 5
PIECE_S = 20  # speech is cut at pauses into pieces this long at most, each decoded on its own (see above)
INVENTED_NO_SPEECH, INVENTED_MAX_S = 0.5, 1.0  # see _invented
PROMPT_WORDS = 40  # the end of what was heard so far goes into the next piece's prompt
FILLER_STYLE = "Umm, let me think, uh."  # a disfluent prompt keeps the um and uh Whisper otherwise tidies away
NO_WORDS = (
    "I couldn't make out any words in that recording. Speak a little closer to the microphone, in a quiet "
    "place, or type your answer."
)


@dataclass(frozen=True)
class Transcript:
    text: str
    words: list[Word]
    seconds: float  # length of the recording

    @property
    def delivery(self) -> Delivery:
        return measure(self.words, self.seconds)


def available() -> bool:
    """Can this install transcribe? (faster-whisper and the Whisper package are installed.)"""
    return importlib.util.find_spec("faster_whisper") is not None and installed(WHISPER)  # found, not imported


class Transcriber:
    """One Whisper model per app, loaded on first use; one transcription at a time (the cores are few, and two at
    once would each take twice as long)."""

    def __init__(self, settings: Settings, *, progress: bool = False):
        self.settings, self.progress = settings, progress
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            from faster_whisper import WhisperModel

            folder = ensure_model(WHISPER, self.settings, progress=self.progress)
            threads = self.settings.voice_threads
            self._model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)
        return self._model

    def warm(self) -> None:
        with self._lock:
            self._load()

    def transcribe(self, path: str | Path, question: str = "") -> Transcript:
        """The words in the recording at `path`; `question` (the text being answered) guides the spelling."""
        return self.transcribe_clip(load_clip(path, self.settings.voice_max_seconds), question)

    def transcribe_clip(self, clip: Clip, question: str = "") -> Transcript:
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        vad = VadOptions(max_speech_duration_s=PIECE_S, min_silence_duration_ms=500, speech_pad_ms=300)
        words: list[Word] = []
        with self._lock:
            model = self._load()
            for piece in get_speech_timestamps(clip.samples, vad):
                heard = " ".join("".join(w.text for w in words).split()[-PROMPT_WORDS:])
                segments, _ = model.transcribe(
                    clip.samples[piece["start"] : piece["end"]],
                    language="en",
                    beam_size=BEAM,
                    word_timestamps=True,
                    condition_on_previous_text=True,
                    vad_filter=False,  # already cut at pauses
                    initial_prompt=" ".join(f"{FILLER_STYLE} {question.strip()} {heard}".split()),
                )
                offset = piece["start"] / SAMPLE_RATE
                kept = [s for s in segments if not _invented(s)]
                words += [Word(w.word, offset + w.start, offset + w.end) for s in kept for w in (s.words or [])]
        text = " ".join("".join(w.text for w in words).split())
        if not text or not any(ch.isalnum() for ch in text):
            raise VoiceError(NO_WORDS)
        return Transcript(text=text, words=words, seconds=clip.seconds)


def _invented(segment) -> bool:
    """A short segment Whisper is unsure holds speech: its classic sign-off ("Thank you very much.") on the quiet
    tail of a piece (measured: 0.3 s long, no-speech probability 0.74; real speech stayed below 0.15)."""
    return segment.no_speech_prob >= INVENTED_NO_SPEECH and segment.end - segment.start < INVENTED_MAX_S


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_UNITS += " seventeen eighteen nineteen"
_NUMBERS = {w: i for i, w in enumerate(_UNITS.split())}
_NUMBERS |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}


def _digits(words: list[str]) -> list[str]:
    """Spelled numbers as digits ("ninety nine percent" -> "99 %"), as Whisper writes them: a transcript that says
    "99%" for "ninety-nine percent" heard every word (the usual normalisation before a WER)."""
    out: list[str] = []
    total, current, inside = 0, 0, False
    for word in [*words, ""]:
        if word in _NUMBERS:
            current, inside = current + _NUMBERS[word], True
        elif word in _SCALES:
            current, inside = max(current, 1), True  # "a thousand" = "one thousand"
            if _SCALES[word] == 100:
                current *= 100
            else:
                total, current = total + current * _SCALES[word], 0
        else:
            if inside:
                out.append(str(total + current))
                total, current, inside = 0, 0, False
            if word:
                out.append("%" if word == "percent" else word)
    return out


def word_error_rate(reference: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on lower-cased words (hyphens split, spelled
    numbers as digits): how the bench and the tests judge a transcript."""

    def norm(text: str) -> list[str]:
        text = text.lower().replace("-", " ").replace(",", "").replace("%", " % ")
        return _digits(re.findall(r"[a-z0-9'%]+", text))

    ref, hyp = norm(reference), norm(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)
