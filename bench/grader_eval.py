"""Evaluate the grader and print one JSON report.

- ASAG 2-way unseen-answers test splits, offline mode, without exemplars and with the train answers of the same
  question as graded exemplars (as the banks' exemplars are in the product);
- the banks' own exemplars (Spearman against their hand-given scores);
- optionally LLM mode on an evenly spread subset of each test split (`--llm-rows N`, needs a working backend:
  INTERVIEWER_BACKEND / OPENAI_* or the embedded model).

    .venv/bin/python bench/grader_eval.py [--data DIR] [--llm-rows 100] [--skip-banks]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.grading.batch import eval_file  # noqa: E402

CORPORA = ("scientsbank", "beetle")


def _brief(report: dict) -> dict:
    return {
        k: report[k] for k in ("graded", "binary", "numeric", "latency_ms", "modes", "flags", "skipped") if k in report
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag-2way")
    parser.add_argument("--llm-rows", type=int, default=0, help="LLM mode on N rows per test split (0 = skip)")
    parser.add_argument("--skip-banks", action="store_true")
    args = parser.parse_args(argv)
    out: dict = {"offline": {}}
    for corpus in CORPORA:
        test, train = args.data / f"{corpus}-test-unseen-answers.jsonl", args.data / f"{corpus}-train.jsonl"
        out["offline"][corpus] = {
            "without_exemplars": _brief(eval_file(test, mode="offline")),
            "with_exemplars": _brief(eval_file(test, mode="offline", exemplars=train)),
        }
    if not args.skip_banks:
        out["banks_offline"] = eval_file(None, mode="offline")
    if args.llm_rows:
        from interviewer.config import get_settings
        from interviewer.llm import build_llm

        llm = build_llm(get_settings())
        out["llm"] = {}
        for corpus in CORPORA:
            test, train = args.data / f"{corpus}-test-unseen-answers.jsonl", args.data / f"{corpus}-train.jsonl"
            out["llm"][corpus] = {
                "offline_same_rows": _brief(eval_file(test, mode="offline", limit=args.llm_rows, exemplars=train)),
                "llm": _brief(eval_file(test, mode="llm", limit=args.llm_rows, exemplars=train, llm=llm)),
            }
        getattr(llm, "close", lambda: None)()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
