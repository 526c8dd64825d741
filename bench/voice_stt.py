"""Speech to text on this machine: word error rate over spoken answers, and how long a 60 s answer takes.

The answers (bench/voice_answers.yaml) were written for the bench; each is spoken by two synthetic voices/speeds
(espeak-ng's en-us, en-gb and a female variant at 145-175 words a minute; Piper's joe at two speeds when the piper
extra is installed), transcribed the way the app does (the question as the prompt), and scored by WER. Then one
60 s answer is transcribed `--runs` times. Prints JSON.

    .venv/bin/python bench/voice_stt.py [--limit N] [--runs 5]

Targets (issue 14): WER p50 <= 10 %; a 60 s answer ready <= 6 s p50 on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.config import Settings  # noqa: E402
from interviewer.voice.models import PIPER_JOE, ensure_model  # noqa: E402
from interviewer.voice.stt import Transcriber, word_error_rate  # noqa: E402
from interviewer.voice.tts import piper_available  # noqa: E402

ANSWERS = Path(__file__).with_name("voice_answers.yaml")
ESPEAK = [
    ("espeak en-us 160", "en-us", 160),
    ("espeak en-gb 145", "en-gb", 145),
    ("espeak en-us+f3 175", "en-us+f3", 175),
]
PIPER = [("piper joe 1.0", 1.0), ("piper joe 1.15 (slower)", 1.15)]


def espeak(path: Path, text: str, voice: str, wpm: int) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
    return path


def piper_voice(settings: Settings):
    from piper import PiperVoice

    return PiperVoice.load(str(ensure_model(PIPER_JOE, settings, progress=False) / PIPER_JOE.files[0]))


def piper(voice, path: Path, text: str, length_scale: float) -> Path:
    from piper import SynthesisConfig

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(voice.config.sample_rate)
        for chunk in voice.synthesize(text, syn_config=SynthesisConfig(length_scale=length_scale)):
            out.writeframes(chunk.audio_int16_bytes)
    return path


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def speakers(settings: Settings) -> list[tuple[str, object]]:
    """(name, make(path, text) -> path) for every synthetic voice on this machine."""
    out = [(name, lambda p, t, v=v, s=s: espeak(p, t, v, s)) for name, v, s in ESPEAK]
    if piper_available():
        voice = piper_voice(settings)
        out += [(name, lambda p, t, ls=ls: piper(voice, p, t, ls)) for name, ls in PIPER]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N answers (each spoken twice)")
    parser.add_argument("--runs", type=int, default=5, help="timed transcriptions of the 60 s answer")
    args = parser.parse_args()
    settings = Settings()
    items = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))[: args.limit or None]
    voices = speakers(settings)
    transcriber = Transcriber(settings)
    began = time.perf_counter()
    transcriber.warm()
    load_s = time.perf_counter() - began
    folder = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    rows = []
    for i, item in enumerate(items):
        for k in (i % len(voices), (i + 2) % len(voices)):
            name, make = voices[k]
            clip = make(folder / f"{i}-{k}.wav", item["answer"])
            began = time.perf_counter()
            heard = transcriber.transcribe(clip, item["question"])
            took = time.perf_counter() - began
            rows.append(
                {
                    "answer": i,
                    "voice": name,
                    "audio_s": round(seconds(clip), 1),
                    "wer": word_error_rate(item["answer"], heard.text),
                    "rtf": took / seconds(clip),
                }
            )
    # a 60 s answer: two answers back to back, cut at 60 s
    long_text = " ".join(item["answer"] for item in yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))[:2])
    joined = voices[0][1](folder / "long.wav", long_text)
    sixty = folder / "sixty.wav"
    subprocess.run(["sox", str(joined), str(sixty), "trim", "0", "60"], check=True)
    times = []
    for _ in range(args.runs):
        began = time.perf_counter()
        transcriber.transcribe(sixty, "Tell me about a model you designed.")
        times.append(time.perf_counter() - began)
    wers = sorted(r["wer"] for r in rows)
    by_voice = {
        v: round(statistics.median(r["wer"] for r in rows if r["voice"] == v), 3) for v in {r["voice"] for r in rows}
    }
    print(
        json.dumps(
            {
                "model": "whisper tiny.en int8 (faster-whisper), beam 5, VAD, question as prompt",
                "threads": settings.voice_threads,
                "clips": len(rows),
                "audio_s": {"min": min(r["audio_s"] for r in rows), "max": max(r["audio_s"] for r in rows)},
                "wer_p50": round(statistics.median(wers), 3),
                "wer_mean": round(statistics.fmean(wers), 3),
                "wer_max": round(wers[-1], 3),
                "wer_by_voice_p50": dict(sorted(by_voice.items())),
                "worst": [
                    {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
                    for r in sorted(rows, key=lambda r: -r["wer"])[:3]
                ],
                "rtf_p50": round(statistics.median(r["rtf"] for r in rows), 3),
                "model_load_s": round(load_s, 2),
                "answer_60s_ready_s": {"p50": round(statistics.median(times), 2), "runs": [round(t, 2) for t in times]},
                "targets": {"wer_p50": 0.10, "answer_60s_ready_s_p50": 6.0},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
