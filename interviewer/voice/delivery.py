"""Delivery coaching from a spoken answer, computed in code from the words' timestamps: speaking time, words per
minute, filler words per minute and long pauses. The transcript's text is never scored here (the grader does that);
this is only how the answer sounded.

Fillers: "um", "uh" (and their spellings) always; "like" and "you know" only when punctuated as Whisper writes the
filler ("and, like, the model", "you know, the cost"), so "models like XGBoost" and "do you know why" are not
counted. A filler said without a pause around it can be missed: the count errs low, never high.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from pydantic import BaseModel, Field

from interviewer.text import words as text_words

ALWAYS_FILLERS = {"um": "um", "umm": "um", "uhm": "um", "hmm": "um", "uh": "uh", "uhh": "uh", "er": "uh", "erm": "uh"}
LONG_PAUSE_S = 2.0  # a silence inside an answer at least this long counts as a long pause
PACE = (110, 170)  # words per minute: slower or faster than this range gets a note
FILLERS_PER_MIN_NOTE = 4.0
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")


@dataclass(frozen=True)
class Word:
    """One recognised word with its time in the recording (seconds)."""

    text: str
    start: float
    end: float


class Delivery(BaseModel):
    """How an answer was spoken. Stored with the answer (QuestionRecord.delivery) for the scorecard and the report."""

    recording_s: float = Field(ge=0, description="length of the recording")
    speaking_s: float = Field(ge=0, description="first word to last word")
    words: int = Field(ge=0)
    wpm: float = Field(ge=0, description="words per minute of speaking time")
    fillers: int = Field(ge=0)
    fillers_per_min: float = Field(ge=0)
    filler_counts: dict[str, int] = Field(default_factory=dict, description="um, uh, like, you know")
    long_pauses: int = Field(ge=0, description=f"silences of {LONG_PAUSE_S:g} s or more between words")
    longest_pause_s: float = Field(0.0, ge=0)

    def summary(self) -> str:
        minutes, seconds = divmod(round(self.speaking_s), 60)
        spoken = f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
        pauses = f"{self.long_pauses} long pause" + ("" if self.long_pauses == 1 else "s")
        return f"{spoken} · {self.wpm:.0f} words/min · {self.fillers_per_min:.1f} fillers/min · {pauses}"

    def notes(self) -> list[str]:
        """Coaching lines, only where there is something to work on."""
        out = []
        if self.words >= 10 and self.wpm < PACE[0]:
            out.append(f"Slow pace ({self.wpm:.0f} words/min): aim for {PACE[0]}-{PACE[1]}.")
        elif self.wpm > PACE[1]:
            out.append(f"Fast pace ({self.wpm:.0f} words/min): slow down so each point lands.")
        if self.fillers_per_min > FILLERS_PER_MIN_NOTE:
            top = ", ".join(f'"{w}" ×{n}' for w, n in sorted(self.filler_counts.items(), key=lambda x: -x[1]))
            out.append(f"Many filler words ({self.fillers_per_min:.1f}/min: {top}): pause silently instead.")
        if self.long_pauses:
            out.append(
                f"{self.long_pauses} long pause(s), the longest {self.longest_pause_s:.1f} s: "
                "say what you are thinking about."
            )
        return out


def _bare(token: str) -> str:
    return _EDGE.sub("", token.strip()).lower()


def _set_off(words: Sequence[Word], first: int, last: int) -> bool:
    """Is words[first..last] a filler by its commas: "like," / "you know," or ", you know." (not "stable, like
    counts", "do you know why")?"""
    before = words[first - 1].text.strip() if first > 0 else ""
    after = words[last].text.strip()
    return after.endswith(",") or (before.endswith(",") and after.endswith((".", "?", "!")))


def fillers(words: Sequence[Word]) -> dict[str, int]:
    counts: dict[str, int] = {}
    i = 0
    while i < len(words):
        bare = _bare(words[i].text)
        found, span = ALWAYS_FILLERS.get(bare), 1
        if bare == "like" and _set_off(words, i, i):
            found = "like"
        elif bare == "you" and i + 1 < len(words) and _bare(words[i + 1].text) == "know" and _set_off(words, i, i + 1):
            found, span = "you know", 2
        if found:
            counts[found] = counts.get(found, 0) + 1
        i += span
    return counts


def measure(words: Sequence[Word], recording_s: float) -> Delivery:
    """Delivery metrics from timestamped words (in order) and the recording's length."""
    spoken = [w for w in words if _bare(w.text)]
    if not spoken:
        empty = dict(speaking_s=0, words=0, wpm=0, fillers=0, fillers_per_min=0, long_pauses=0)
        return Delivery(recording_s=round(recording_s, 2), **empty)
    speaking_s = max(0.0, spoken[-1].end - spoken[0].start)
    gaps = [max(0.0, b.start - a.end) for a, b in zip(spoken, spoken[1:])]
    counts = fillers(spoken)
    minutes = max(speaking_s, 1.0) / 60
    total_fillers = sum(counts.values())
    count = len(text_words("".join(w.text for w in spoken)))  # " re" + "-weighting" is one word
    return Delivery(
        recording_s=round(recording_s, 2),
        speaking_s=round(speaking_s, 2),
        words=count,
        wpm=round(count / minutes, 1),
        fillers=total_fillers,
        fillers_per_min=round(total_fillers / minutes, 2),
        filler_counts=counts,
        long_pauses=sum(g >= LONG_PAUSE_S for g in gaps),
        longest_pause_s=round(max(gaps, default=0.0), 2),
    )


def spoken_share(transcript: str, sent: str) -> float:
    """The share of the transcript's words that are still in the text sent: the recording's delivery belongs to
    the answer when the candidate only corrected a few words, not when they replaced it."""
    heard = text_words(transcript)
    if not heard:
        return 0.0
    kept = set(text_words(sent))
    return sum(w in kept for w in heard) / len(heard)
