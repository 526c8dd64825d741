"""Wall time of the README run command (`make run`) until the page answers, then stop it.

    .venv/bin/python bench/make_run_wall.py [--port 7861]
Prints JSON. Run it on a warm machine (venv installed, weights assembled) to measure the everyday start."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7861)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    env = dict(os.environ, INTERVIEWER_PORT=str(args.port), INTERVIEWER_DATA_DIR=tempfile.mkdtemp())
    log = open(tempfile.mktemp(suffix=".log"), "w")
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    answered = None
    try:
        while time.perf_counter() - start < args.timeout and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/", timeout=2) as resp:
                    if resp.status == 200 and b"<html" in resp.read(4096).lower():
                        answered = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.25)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print(
        json.dumps(
            {
                "command": "make run",
                "page_answered_s": round(answered, 2) if answered else None,
                "fresh_data_dir": True,
                "log": log.name,
            }
        )
    )


if __name__ == "__main__":
    main()
