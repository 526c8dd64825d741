"""The leak guard, on model text going out to the candidate, and the copy check on candidate text coming back.

- `LeakGuard(question, embed=...)`: removes from model output every run of >= 6 words found in the reference answer or
  key points, and any whole key point; with `embed` (MiniLM), a sentence that states a key point or a reference
  sentence in other words is a leak too (`leaks_by_meaning`), and `filter` then returns the fixed fallback. Runs in
  code, whatever the prompt said; used for clarifications, hints and probes while the reference is still hidden.
- `LeakGuard.copied(text)`: the sentences of a candidate's text taken from the reference or the key points (the
  model answer pasted back once it was shown), word for word or nearly so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from interviewer.knowledge.bank import Question
from interviewer.text import NGRAM, ngrams, sentences
from interviewer.text import word_spans as _tokens

REDACTED = "[…]"
EmbedFn = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows (knowledge.embeddings.MiniLM.embed)
# Cosine of an outgoing sentence to a key point or a reference sentence (MiniLM; measured on fresh sentences for the
# seed bank: scope remarks 0.2-0.45, sentences explaining a point or defining the concept 0.53-0.9). From MEANING_CLOSE
# a statement may state the point, and it is let through only when it restates the question itself (at least
# RESTATES to the question, and closer to it than to any point): "feature engineering matters in system design".
MEANING_CLOSE = 0.5
RESTATES = 0.8
# A question may name the area it asks about (the bank's own probes and hint ladders reach 0.7 to their point); it
# gives the point away only when it is about as close as a restatement (the linter's HINT_TOO_CLOSE is 0.72 to the
# point itself; here the nearest of every key point and reference sentence counts).
ASKS_CERTAIN = 0.8
COPY_RUN = 4  # words in a row shared with the reference or a key point
COPY_SHARE = 0.5  # a candidate sentence with half its words in such runs is copied
# ... or one this close in meaning to a reference sentence or key point: a light edit. A candidate restating a point
# in their own words reaches 0.9 (measured on fresh paraphrases), so only a near copy counts.
COPY_MEANING = 0.95
_VECTORS: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
_VECTORS_LOCK = threading.Lock()


def _secret_texts(question: Question) -> list[str]:
    return [p for p in question.key_points] + sentences(question.reference_answer)


def secret_vectors(question: Question, embed: EmbedFn) -> tuple[np.ndarray, np.ndarray]:
    """(key points and reference sentences, the question) embedded once per question and embedder; the warm-up
    calls this while the candidate reads, so a turn only embeds its own sentences."""
    owner = getattr(embed, "__self__", embed)
    key = (id(owner), question.content_hash())
    with _VECTORS_LOCK:
        found = _VECTORS.get(key)
    if found is None:
        vectors = np.asarray(embed([*_secret_texts(question), question.question]), dtype=np.float32)
        found = (vectors[:-1], vectors[-1])
        with _VECTORS_LOCK:
            if len(_VECTORS) > 1024:
                _VECTORS.clear()
            _VECTORS[key] = found
    return found


@dataclass
class LeakGuard:
    """Redacts reference text from model output. Public text (the question) is never counted as a leak."""

    question: Question
    n: int = NGRAM
    embed: EmbedFn | None = None  # None: word runs only (no meaning check)
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
        return bool(self._spans(_tokens(text))) or any(self.leaks_by_meaning(sentences(text)))

    def leaks_by_meaning(self, parts: Sequence[str]) -> list[bool]:
        """For each sentence: does it state a key point or a reference sentence in other words? (False for all
        without an embedder.)"""
        if self.embed is None or not parts:
            return [False] * len(parts)
        secret, asked = secret_vectors(self.question, self.embed)
        vectors = np.asarray(self.embed(list(parts)), dtype=np.float32)
        closest = (vectors @ secret.T).max(axis=1)
        to_question = vectors @ asked
        return [
            bool(c >= ASKS_CERTAIN)
            if part.rstrip(" \"')").endswith("?")
            else bool(c >= MEANING_CLOSE and not (q >= RESTATES and q >= c))
            for part, c, q in zip(parts, closest, to_question)
        ]

    def copied(self, text: str) -> list[str]:
        """Sentences of candidate text taken from the reference answer or the key points: most of their words in
        runs of it, or (with an embedder) a light edit of one of its sentences."""
        parts = sentences(text)
        runs = set().union(*(ngrams(t, COPY_RUN) for t in _secret_texts(self.question)))
        runs -= ngrams(self.question.question, COPY_RUN)
        copied = []
        for part in parts:
            words = [w for w, _, _ in _tokens(part)]
            hit = [False] * len(words)
            for i in range(len(words) - COPY_RUN + 1):
                if tuple(words[i : i + COPY_RUN]) in runs:
                    hit[i : i + COPY_RUN] = [True] * COPY_RUN
            copied.append(bool(words) and sum(hit) / len(words) >= COPY_SHARE)
        if self.embed is not None and parts:
            secret, _ = secret_vectors(self.question, self.embed)
            closest = (np.asarray(self.embed(parts), dtype=np.float32) @ secret.T).max(axis=1)
            copied = [c or bool(m >= COPY_MEANING) for c, m in zip(copied, closest)]
        return [p for p, c in zip(parts, copied) if c]

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
        """Safe text to show: redacted, or `fallback` when too much was redacted or a sentence states a point in
        other words (in doubt, the fixed text). Second value: anything removed."""
        if any(self.leaks_by_meaning(sentences(text))):
            return self.redact(fallback)[0], True
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
