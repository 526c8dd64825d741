"""Model text on its way to the candidate, one whole sentence at a time: each sentence is checked before it is shown
(no leak by words or by meaning, no question where the line is not one, nothing cut off), so what streams is always
the start of what stays, and a line ends on a whole sentence. `speak` says a replies.Line this way, with the code
text in its place when the model is down, says too little, or leaks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Generator, Iterable, Iterator

from interviewer.errors import ModelError
from interviewer.llm.prompts import render
from interviewer.safety.leak import LeakGuard

from .replies import Line
from .state import Event, QuestionRecord, State
from .steps import model_for, say

if TYPE_CHECKING:
    from .deps import Deps

_END = re.compile(r"[.!?…][\"')\]]*(?=\s)|\n")
_ABBREVIATION = re.compile(r"\b(e\.g|i\.e|vs|etc|approx|cf|Dr|Mr|Ms)\.$", re.IGNORECASE)
_LABELS = ("Interviewer:", "Assistant:", "Hint:", "Follow-up:", "Question:", "Clarification:", "Answer:")
MIN_WORDS = 3  # a reply shorter than this ("OK") says nothing


def split_sentences(chunks: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """(sentence, complete) as soon as each sentence ends; the last one is incomplete when the text stops mid-way
    (a token cap). A sentence ends at . ! ? or … followed by a space, or at a line break."""
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        start = 0
        for match in _END.finditer(buffer):
            piece = buffer[start : match.end()].strip()
            if match.group() != "\n" and _ABBREVIATION.search(piece):
                continue
            if piece:
                yield piece, True
            start = match.end()
        buffer = buffer[start:]
    tail = buffer.strip()
    if tail:
        yield tail, bool(re.search(r"[.!?…][\"')\]]*$", tail))


def is_question(sentence: str) -> bool:
    return sentence.rstrip(" \"')]").endswith("?")


def tidy(sentence: str) -> str:
    """A model's sentence without quotes, list markers or a speaker label in front."""
    text = sentence.strip().strip('"').strip()
    text = re.sub(r"^([-*•]|\d+[.)])\s+", "", text)
    for label in _LABELS:
        if text.startswith(label):
            text = text[len(label) :].strip()
    return text


def screened(
    chunks: Iterable[str],
    guard: LeakGuard | None,
    ask: bool = False,
    verdict: list[str] | None = None,
    clean: bool = True,
    strict: bool = True,
) -> Iterator[str]:
    """The sentences of `chunks` fit to show: whole, no leak, no question unless `ask` (then it ends at the first
    question). On a leak it stops and records "leak" in `verdict`; a question where none belongs is dropped and
    recorded as "question", and `strict` stops there too. `clean`: tidy the model's sentences."""
    for raw, complete in split_sentences(chunks):
        sentence = tidy(raw) if clean else raw
        if not complete or not sentence:
            continue
        if guard is not None and guard.leaks(sentence):
            if verdict is not None:
                verdict.append("leak")
            return
        if is_question(sentence) and not ask:  # only the bank and code put questions to the candidate
            if verdict is not None:
                verdict.append("question")
            if strict:
                return
            continue
        yield sentence
        if ask and is_question(sentence):
            return


def speak(
    st: State, deps: "Deps", line: Line, guard: LeakGuard | None = None, record: QuestionRecord | None = None
) -> Generator[Event, None, str]:
    """Say `line`: the model's checked sentences as they come. In doubt about the reply (a leak, a question where none
    belongs, too few words, no question for a follow-up) or with the model down, stop and say the code text instead
    (checked too, else the fixed text). Returns the final text (without the prefix); chunks are always followed by a
    `say` with the whole text, which replaces the streamed one (they differ only when the reply was in doubt)."""
    llm, kept, verdict = model_for(st, deps), [], []
    if llm is not None and line.prompt and line.part in deps.llm_parts:
        try:
            stream = llm.stream(render(line.prompt, **line.variables), max_tokens=line.max_tokens)
            for sentence in screened(stream, guard, line.ask, verdict):
                yield Event(kind="chunk", part=line.part, text=(line.prefix if not kept else " ") + sentence)
                kept.append(sentence)
            st.model_failures = 0
        except ModelError:
            st.model_failures += 1
            verdict.append("down")
    text = " ".join(kept)
    usable = not verdict and len(text.split()) >= MIN_WORDS and (not line.ask or is_question(text))
    if not usable:  # in doubt about the reply as a whole: code's text replaces what was streamed
        text = line.fallback
        if guard is not None and guard.leaks(text):
            text = line.last_resort
    yield say(st, deps, line.part, line.prefix + text, record)
    return text
