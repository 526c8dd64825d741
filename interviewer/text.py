"""Shared text rules, one home each: words, stopwords, stems, negation, sentences, language share, and pattern
lists. The grader, the interview and the safety checks all import them from here.

Everything here is pure string work (no numpy, no model), so it is cheap and easy to test.
"""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just let me more most my myself of off
    on once only or other ought our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves one two get got make
    made use used using way thing things like well really basically actually mean means""".split()
)
NEGATIONS = frozenset(
    "not no never none nothing nobody neither nor cannot without cant isnt arent wasnt werent doesnt dont didnt wont "
    "wouldnt shouldnt couldnt hasnt havent hadnt".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n")
# A line break inside a paragraph is wrapping, unless a list item or a new paragraph follows, or a ':' precedes.
_WRAP = re.compile(r"(?<![:\n])[ \t]*\n(?![ \t]*(?:\n|[-*•>#]|\(?\d{1,2}[.)]\s|[a-h]\)\s))[ \t]*")
_ENUMERATOR = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-h]\)|step \d+:?)\s*", re.IGNORECASE)
_REAL_WORD = re.compile(r"[^\W\d_]{2,}")
_SUFFIXES = sorted(
    "ational ations ation ators ator ated ates ating ate ities ity ments ment ness ings ing ions ion edly ed ers er "
    "ies es s ly ive ives ous ful al ance ence ances ences ize izes ized izing ise ised ising able ible e y".split(),
    key=len,
    reverse=True,
)
# Function words of other languages: a share of these marks an answer not written in English.
_FOREIGN = frozenset(
    """el la los las del por para con una es que pero como más muy también está son le les des du et est une pour
    dans qui sur avec pas ce sont mais der die das und ist nicht mit sich den dem ein eine zu auch von wird sind
    il di che non per della sono gli nel uma não com os ao mais pelo está""".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens; contractions lose their apostrophe (don't -> dont)."""
    return [w.lower().replace("'", "").strip("-") for w in _WORD.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: evaporated, evaporation and evaporating all become 'evapor'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:7]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (no stopwords, no negations, no one-letter tokens)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in NEGATIONS and len(w) > 1]


def negated(text: str) -> bool:
    ws = words(text)
    return any(
        w in NEGATIONS or w.endswith("nt") and w[:-2] in {"is", "are", "was", "were", "do", "does", "did", "ca", "wo"}
        for w in ws
    )


def sentences(text: str, max_sentences: int = 60) -> list[str]:
    """Split into sentences (and list items / lines); very long ones are cut into ~40-word windows."""
    out: list[str] = []
    for part in _SENTENCE_END.split(_WRAP.sub(" ", text)):
        part = _ENUMERATOR.sub("", part.strip(" \t-*•>#"))
        if not _REAL_WORD.search(part):  # bare numbers and enumerators ("2.") are not sentences
            continue
        tokens = part.split()
        for start in range(0, len(tokens), 40):
            out.append(" ".join(tokens[start : start + 40]))
        if len(out) >= max_sentences:
            break
    return out[:max_sentences]


def split_points(reference: str, max_points: int = 7) -> list[str]:
    """Key points derived from a reference answer: its sentences, long ones split at ';' or ', and'."""
    points: list[str] = []
    for sentence in sentences(reference):
        parts = (
            re.split(r";\s+|,\s+(?:and|while|whereas|but)\s+", sentence) if len(sentence.split()) > 25 else [sentence]
        )
        points += [p.strip() for p in parts if len(content_stems(p)) >= 1]
    if len(points) > max_points:  # merge the tail so no content is lost
        points = points[: max_points - 1] + [" ".join(points[max_points - 1 :])]
    return points or [reference.strip()]


def overlap(answer: list[str], reference: list[str]) -> tuple[float, float]:
    """(recall of the reference's distinct stems, precision of the answer's distinct stems)."""
    a, r = set(answer), set(reference)
    if not a or not r:
        return 0.0, 0.0
    shared = len(a & r)
    return shared / len(r), shared / len(a)


def english_share(text: str) -> float:
    """Share of alphabetic characters that are ASCII letters, times 1 - share of foreign function words."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    ws = words(text)
    foreign = sum(w in _FOREIGN for w in ws) / max(len(ws), 1)
    english = sum(w in STOPWORDS for w in ws) / max(len(ws), 1)
    return ascii_share * (1.0 if english >= foreign else max(0.0, 1 - 3 * (foreign - english)))


def distinct_ratio(tokens: list[str]) -> float:
    return len(set(tokens)) / len(tokens) if tokens else 1.0


def any_of(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `patterns`."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def whole_sentences(text: str) -> str:
    """A reply cut off by max_tokens: back to its last complete sentence when the cut-off part is short, else the
    cut-off part kept with an ellipsis (dropping a whole long sentence would lose the point it was making)."""
    text = text.strip()
    if not text or text[-1] in ".!?\"')…":
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "), text.rfind('." '))
    if end > 0 and len(text[end:].split()) < 12:
        return text[: end + (2 if text[end : end + 2] == '."' else 1)]
    return text.rstrip(",;:- ") + "…"


def clip_sentences(text: str, max_chars: int) -> str:
    """`text` (whitespace collapsed) cut at a sentence end near `max_chars`, or hard-cut with " ..." when the last
    sentence end is in the first half."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > max_chars // 2 else cut + " ..."


NGRAM = 6  # a run of this many words shared with secret text is a leak (safety.leak, the bank linter)
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")  # apostrophes split words: more, shorter tokens make a stricter window


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """(lower-cased word, start, end) for each run of letters and digits."""
    return [(m.group().lower(), m.start(), m.end()) for m in _PLAIN_WORD.finditer(text)]


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = [w for w, _, _ in word_spans(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
