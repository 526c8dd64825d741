"""The leak guard, on model text going out to the candidate.

- `LeakGuard(question)`: removes from model output every run of >= 6 words found in the reference answer or key
  points, and any whole key point, before the candidate sees it. Runs in code, whatever the prompt said; used for
  clarifications, hints and probes while the reference is still hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from interviewer.knowledge.bank import Question
from interviewer.text import NGRAM, ngrams
from interviewer.text import word_spans as _tokens

REDACTED = "[…]"


@dataclass
class LeakGuard:
    """Redacts reference text from model output. Public text (the question) is never counted as a leak."""

    question: Question
    n: int = NGRAM
    _secret: set[tuple[str, ...]] = field(init=False, repr=False)
    _points: list[tuple[str, ...]] = field(init=False, repr=False)
    _by_last: dict[str, list[tuple[str, ...]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        public = ngrams(self.question.question, self.n)
        secret_text = [self.question.reference_answer, *self.question.key_points]
        self._secret = set().union(*(ngrams(t, self.n) for t in secret_text)) - public
        asked = {w for w, _, _ in _tokens(self.question.question)}
        self._points = []  # key points too short for the n-gram check, matched whole
        for point in self.question.key_points:
            words = tuple(w for w, _, _ in _tokens(point))
            if words and len(words) < self.n and not set(words) <= asked:
                self._points.append(words)
        self._by_last: dict[str, list[tuple[str, ...]]] = {}
        for words in self._points:
            self._by_last.setdefault(words[-1], []).append(words)

    def _flags(self, tokens: list[tuple[str, int, int]]) -> list[bool]:
        words = [w for w, _, _ in tokens]
        hit = [False] * len(words)
        for i in range(len(words) - self.n + 1):
            if tuple(words[i : i + self.n]) in self._secret:
                hit[i : i + self.n] = [True] * self.n
        for point in self._points:
            k = len(point)
            for i in range(len(words) - k + 1):
                if tuple(words[i : i + k]) == point:
                    hit[i : i + k] = [True] * k
        return hit

    def _spans(self, tokens: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
        hit = self._flags(tokens)
        spans: list[tuple[int, int]] = []
        for i, flagged in enumerate(hit):
            if not flagged:
                continue
            start, end = tokens[i][1], tokens[i][2]
            if spans and (i > 0 and hit[i - 1]):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def leaks(self, text: str) -> bool:
        return bool(self._spans(_tokens(text)))

    def redact(self, text: str) -> tuple[str, float]:
        """(text with leaked runs replaced by `[…]`, share of its words that were removed)."""
        tokens = _tokens(text)
        spans = self._spans(tokens)
        if not spans:
            return text, 0.0
        removed = sum(1 for _, s, e in tokens if any(a <= s and e <= b for a, b in spans))
        out, last = [], 0
        for start, end in spans:
            out.append(text[last:start] + REDACTED)
            last = end
        out.append(text[last:])
        return "".join(out), removed / max(1, len(tokens))

    def filter(self, text: str, fallback: str, max_share: float = 0.25) -> tuple[str, bool]:
        """Safe text to show: redacted, or `fallback` when too much was redacted. Second value: anything removed."""
        redacted, share = self.redact(text)
        if share == 0.0:
            return text, False
        if share > max_share or not redacted.replace(REDACTED, "").strip(" .,;:-\n"):
            safe, _ = self.redact(fallback)
            return safe, True
        return redacted, True

    def stream(self, chunks: Iterable[str]) -> Iterator[str]:
        """Redact while streaming: a word is released once enough words after it are known that no window
        containing it is still open. Nothing secret is ever yielded, even for a moment. Linear in the text."""
        lag = self.n - 1  # whole-matched key points are shorter than n
        text, scan_from, released, prev_flag = "", 0, 0, False
        tokens: list[tuple[str, int, int]] = []  # complete words only
        flags: list[bool] = []
        for chunk in chunks:
            text += chunk
            found = [(w, a + scan_from, b + scan_from) for w, a, b in _tokens(text[scan_from:])]
            if found and found[-1][2] == len(text):  # the last word may go on in the next chunk
                scan_from = found.pop()[1]
            else:
                scan_from = len(text)
            self._extend(tokens, flags, found)
            ready = len(tokens) - lag
            if ready > released:
                out, prev_flag = self._release(text, tokens, flags, released, ready, prev_flag)
                released = ready
                if out:
                    yield out
        self._extend(tokens, flags, [(w, a + scan_from, b + scan_from) for w, a, b in _tokens(text[scan_from:])])
        out, _ = self._release(text, tokens, flags, released, len(tokens), prev_flag)
        out += text[tokens[-1][2] :] if tokens else text
        if out:
            yield out

    def _extend(self, tokens: list, flags: list[bool], new: list[tuple[str, int, int]]) -> None:
        """Append words and flag every window that ends at one of them."""
        for token in new:
            tokens.append(token)
            flags.append(False)
            j = len(tokens)
            words = tuple(w for w, _, _ in tokens[max(0, j - self.n) : j])
            if len(words) == self.n and words in self._secret:
                flags[j - self.n : j] = [True] * self.n
            for point in self._by_last.get(token[0], ()):
                k = len(point)
                if j >= k and tuple(w for w, _, _ in tokens[j - k : j]) == point:
                    flags[j - k : j] = [True] * k

    def _release(
        self, text: str, tokens: list, flags: list[bool], start: int, stop: int, prev_flag: bool
    ) -> tuple[str, bool]:
        out: list[str] = []
        for i in range(start, stop):
            gap_from = tokens[i - 1][2] if i > 0 else 0
            if not (prev_flag and flags[i]):
                out.append(text[gap_from : tokens[i][1]])
            if flags[i]:
                if not prev_flag:
                    out.append(REDACTED)
            else:
                out.append(text[tokens[i][1] : tokens[i][2]])
            prev_flag = flags[i]
        return "".join(out), prev_flag
