"""Reading questions aloud on this machine: from a question's text to its first audio.

For the first `--limit` questions of the bundled banks: Piper (when the optional extra is installed) and espeak-ng
each write the WAV the app plays (`to_file`, the whole question, which is what the browser waits for), and for Piper
also the first sentence's audio (what a streaming player would start on). The voice is loaded once first (reported
apart: the app loads it when the read-aloud toggle is switched on). Prints JSON.

    .venv/bin/python bench/voice_tts.py [--limit 20]

Target (issue 14): first audio of a spoken question <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.config import Settings  # noqa: E402
from interviewer.knowledge.bank import load_banks  # noqa: E402
from interviewer.voice.tts import EspeakSpeaker, PiperSpeaker, piper_available, speakable  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    questions = [q.question for bank in load_banks() for q in bank.questions][: args.limit]
    folder = Path(tempfile.mkdtemp(prefix="tts-bench-"))
    out: dict[str, object] = {
        "questions": len(questions),
        "words_p50": statistics.median(len(q.split()) for q in questions),
        "target_first_audio_s": 1.0,
    }
    speakers = [("espeak-ng", EspeakSpeaker())]
    if piper_available():
        piper = PiperSpeaker(Settings())
        began = time.perf_counter()
        voice = piper.load()
        out["piper_load_s"] = round(time.perf_counter() - began, 2)
        speakers.insert(0, ("piper", piper))
        firsts = []
        for q in questions:
            began = time.perf_counter()
            next(iter(voice.synthesize(speakable(q))))
            firsts.append(time.perf_counter() - began)
        out["piper_first_sentence_s"] = {"p50": pct(firsts, 0.5), "p95": pct(firsts, 0.95)}
    for name, speaker in speakers:
        times = []
        for q in questions:
            began = time.perf_counter()
            speaker.to_file(q, folder)
            times.append(time.perf_counter() - began)
        out[f"{name}_whole_question_wav_s"] = {"p50": pct(times, 0.5), "p95": pct(times, 0.95), "max": pct(times, 1)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
