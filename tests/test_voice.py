"""Speech on the real models: Whisper tiny.en hears a spoken answer (recorded with espeak-ng from text written here),
the interviewer's voice is heard back, bad recordings get a message a candidate can act on (never a traceback), the
`transcribe` command, and a damaged model file in the cache is replaced rather than used."""

from __future__ import annotations

import json
import subprocess
import wave

import pytest
from voice_clips import DRIFT_ANSWER, bad_clips, need_tools, say

from interviewer.config import Settings
from interviewer.voice import VoiceError
from interviewer.voice.models import WHISPER, ensure_model
from interviewer.voice.stt import Transcriber, available, word_error_rate
from interviewer.voice.tts import EspeakSpeaker, PiperSpeaker, piper_available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not available(), reason="faster-whisper is not installed")]
QUESTION = "How would you detect data drift on a model that is already in production?"


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory):
    return Transcriber(Settings(data_dir=tmp_path_factory.mktemp("data")))


def test_a_spoken_answer_becomes_its_words_with_delivery(transcriber, tmp_path):
    clip = say(tmp_path / "answer.wav", DRIFT_ANSWER, voice="en-us", wpm=165)
    heard = transcriber.transcribe(clip, QUESTION)
    assert word_error_rate(DRIFT_ANSWER, heard.text) <= 0.2, heard.text
    assert "threshold" in heard.text.lower() and "retrain" in heard.text.lower()
    d = heard.delivery
    assert abs(d.words - len(DRIFT_ANSWER.split())) <= 4
    assert 130 <= d.wpm <= 210, d  # espeak-ng was asked for 165 words a minute
    assert d.fillers == 0 and d.speaking_s <= d.recording_s


def test_fillers_and_a_long_pause_are_heard(transcriber, tmp_path):
    first = say(
        tmp_path / "a.wav", "Um, I would start with the metric. Uh, accuracy hides the minority class.", wpm=150
    )
    second = say(tmp_path / "b.wav", "Then I would reweight the loss and check recall on a held out set.", wpm=150)
    padded, joined = tmp_path / "padded.wav", tmp_path / "joined.wav"
    subprocess.run(["sox", str(first), str(padded), "pad", "0", "3.5"], check=True)  # 3.5 s of thinking
    subprocess.run(["sox", str(padded), str(second), str(joined)], check=True)
    d = transcriber.transcribe(joined, "How would you handle class imbalance?").delivery
    assert d.long_pauses >= 1 and d.longest_pause_s >= 2.5, d
    assert d.fillers >= 1 and set(d.filler_counts) <= {"um", "uh"}, d


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return bad_clips(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("name", ["silence", "0.2 s", "10 minutes", "noise", "not audio"])
def test_a_bad_recording_gets_a_message_to_act_on(transcriber, bad, name):
    path, words = bad[name]
    with pytest.raises(VoiceError) as caught:
        transcriber.transcribe(path, QUESTION)
    message = str(caught.value)
    assert words in message and message.rstrip().endswith(".") and "Traceback" not in message
    assert any(hint in message for hint in ("type", "Record", "microphone", "under")), message


@pytest.mark.parametrize("engine", ["espeak-ng", "piper"])
def test_a_question_read_aloud_is_heard_back(transcriber, tmp_path, engine):
    if engine == "piper" and not piper_available():
        pytest.skip("the optional piper extra is not installed")
    speaker = PiperSpeaker(Settings(data_dir=tmp_path)) if engine == "piper" else EspeakSpeaker()
    need_tools()
    wav = speaker.to_file(f"**{QUESTION}**", tmp_path)  # chat Markdown is not read out
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() > 2.0
    heard = transcriber.transcribe(wav).text
    assert word_error_rate(QUESTION, heard) <= 0.2, heard


def test_transcribe_command(tmp_path, capsys):
    from interviewer.cli import main

    clip = say(tmp_path / "answer.wav", DRIFT_ANSWER)
    main(["transcribe", str(clip), "--question", QUESTION, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert word_error_rate(DRIFT_ANSWER, out["text"]) <= 0.2 and out["delivery"]["words"] > 40
    assert out["words"][0]["start"] < out["words"][-1]["end"] <= out["seconds"] + 0.5
    main(["transcribe", str(clip)])
    assert "threshold" in capsys.readouterr().out
    notes = tmp_path / "notes.wav"
    notes.write_text("not a recording", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["transcribe", str(notes)])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith("error: That file couldn't be read as audio")


def test_a_damaged_model_file_is_replaced_not_used(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    folder = ensure_model(WHISPER, settings, progress=False)
    model = folder / "model.bin"
    size = model.stat().st_size
    with model.open("r+b") as f:  # one flipped byte, the stamp gone: as after a disk error
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    (folder / "model.bin.sha256").unlink()
    ensure_model(WHISPER, settings, progress=False)
    from interviewer.llm.engine import sha256_file

    assert sha256_file(model) == WHISPER.sha256 and model.stat().st_size == size
    assert {p.name for p in folder.iterdir()} >= set(WHISPER.files)
