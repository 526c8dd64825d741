"""Capacity per core: the app's CPU per turn by kind, and how many candidates one core serves at a realistic pace.
Prints JSON (and writes it to --out).

    .venv/bin/python bench/capacity.py [--out FILE] [--pace 30] [--latency 0.3] [--n 20 40 ...] [--duration 90]
                                       [--database-url postgresql://...]

The app (`python app.py`, OpenAI backend on the loopback stub model, SQLite or --database-url) runs under
`taskset -c 0`; this load generator and the stub run on core 1 (the model's own time is the stub's latency, the
model server being another machine in a real deployment). Definitions (also written into the JSON):
- cpu_ms[kind]: the app's user+system CPU for one turn of that kind, from the call until the app is idle again
  (background work a turn starts, such as embedding the next rubric, counts), mean over sequential candidates
  after every question was asked once (cold costs reported apart). Kinds: start, hint, answer (a first answer,
  graded), probe, probe_answer (an answer to a follow-up, graded), next, report (the /report call).
- model_calls[kind]: chat requests the stub receives per turn of that kind.
- over_model_s = turn latency - model_calls x latency: what the app adds to the model's own time.
- a level: N candidates, each taking one turn every `pace` seconds (random phase), running interviews in a loop
  (start, hint, answer, probe, probe_answer, next, answer, probe, probe_answer, next, report), for `duration`
  seconds. It passes when p95 over_model_s <= 1.5 and no turn fails. app_core_busy: the app's CPU seconds per
  second during the level (near 1: its core was the limit; well below with a high p95: something else was).
- candidates_per_core: the largest N that passed (levels run in ascending order, up to the first that fails;
  default levels 25, 50, 70, 85 and 100% of cpu_bound_candidates). cpu_bound_candidates = pace / mean CPU per
  turn of that mix (the core 100% busy): the ceiling the levels approach.
- model_server_per_100: what 100 candidates at this pace ask of the model server (requests/s, prompt characters
  /s and the max_tokens they allow/s: an upper bound on generated tokens).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import loadkit  # noqa: E402
from jsonout import emit  # noqa: E402

from interviewer.knowledge.bank import load_bank  # noqa: E402

SETUP = {"banks": ["ml_system_design"], "count": 2, "mode": "study", "difficulty": "adaptive"}
KINDS = ["start", "hint", "answer", "probe", "probe_answer", "next", "report"]
GOAL_MS = {"answer": 120.0, "probe_answer": 120.0}  # every other kind: 30 ms
OVER_MODEL_P95_S = 1.5
KEY_POINTS = {q.id: q.key_points for q in load_bank(loadkit.SEED_BANK).questions}


def answer_text(question: dict, marker: str) -> str:
    points = KEY_POINTS.get(question["id"], ["the data, the model and how it is served"])
    return f"Speaking for {marker}: " + " ".join(f"I think {p[0].lower()}{p[1:].rstrip('.')}." for p in points)


PROBE_ANSWER = "I would check it offline on a held-out slice first, then roll it out behind a flag and watch it."


class Interview:
    """One candidate's interviews, one turn per `turn()` call, looping to a new interview after the report."""

    def __init__(self, url: str, marker: str, http: httpx.Client, setup: dict | None = None):
        self.url, self.marker, self.http, self.setup = url, marker, http, setup or SETUP
        self.plan: list[str] = []
        self.sid, self.question, self.phase = "", None, ""

    def next_kind(self) -> str:
        if not self.plan:
            self.plan = ["start", "hint", "answer", "probe", "probe_answer", "next"]
            self.plan += ["answer", "probe", "probe_answer", "next", "report"]
        kind = self.plan.pop(0)
        if kind == "probe_answer" and self.phase != "probe":  # the question had no follow-up to ask
            return self.next_kind()
        return kind

    def turn(self, kind: str) -> dict:
        name, args = {
            "start": ("start", (self.setup,)),
            "hint": ("hint", (self.sid,)),
            "answer": ("answer", (self.sid, answer_text(self.question or {"id": ""}, self.marker), None)),  # no audio
            "probe": ("probe", (self.sid,)),
            "probe_answer": ("answer", (self.sid, f"{self.marker}: {PROBE_ANSWER}", None)),
            "next": ("next", (self.sid,)),
            "report": ("report", (self.sid,)),
        }[kind]
        r = loadkit.call(self.http, self.url, name, *args)
        if kind != "report":
            self.sid, self.question, self.phase = r["session_id"], r["question"] or self.question, r["phase"]
        return r


@contextmanager
def pinned_app(base_url: str, tmp: Path, core: int, **env: str) -> Iterator[loadkit.AppProcess]:
    port = loadkit.free_port()
    log = tmp / "app.log"
    began = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["taskset", "-c", str(core), sys.executable, str(loadkit.ROOT / "app.py")],
            cwd=loadkit.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=loadkit.app_env(base_url, tmp / "data", port, **env),
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        loadkit.wait_page(url, proc)
        yield loadkit.AppProcess(proc, url, log, time.perf_counter() - began)
    finally:
        loadkit.stop(proc)


def allowed_cpus(pid: int) -> list[str]:
    """Cpus_allowed_list of every thread of a process (all "0" when taskset took)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list"):
                out.append(line.split(":")[1].strip())
    return sorted(set(out))


def idle_cpu_rate(pid: int, seconds: float = 4.0) -> float:
    """CPU the app uses while no request is in flight (after the work earlier turns started has finished)."""
    time.sleep(3.0)
    before = loadkit.cpu_seconds(pid)
    time.sleep(seconds)
    return (loadkit.cpu_seconds(pid) - before) / seconds


def measure_turns(app: loadkit.AppProcess, stub: loadkit.StubProcess, rounds: int, settle: float) -> dict:
    """Sequential candidates: each turn's CPU (until the app is idle again) and model calls, by kind."""
    pid, idle = app.proc.pid, idle_cpu_rate(app.proc.pid)
    cpu: dict[str, list[float]] = {k: [] for k in KINDS}
    calls: dict[str, list[int]] = {k: [] for k in KINDS}
    prompt_chars: dict[str, list[int]] = {k: [] for k in KINDS}
    max_tokens: dict[str, list[int]] = {k: [] for k in KINDS}
    with httpx.Client(timeout=120) as http:
        for n in range(rounds):
            interview = Interview(app.url, f"cand-{n}-{os.urandom(3).hex()}", http)
            while True:
                kind = interview.next_kind()
                stats, before, began = stub.stats(), loadkit.cpu_seconds(pid), time.perf_counter()
                interview.turn(kind)
                time.sleep(settle)
                used = loadkit.cpu_seconds(pid) - before - idle * (time.perf_counter() - began)
                after = stub.stats()
                cpu[kind].append(max(0.0, used))
                calls[kind].append(after["chat"] - stats["chat"])
                prompt_chars[kind].append(after["prompt_chars"] - stats["prompt_chars"])
                max_tokens[kind].append(after["max_tokens"] - stats["max_tokens"])
                if kind == "report":
                    break
    return {
        "idle_cpu_ms_per_s": round(idle * 1000, 2),
        "cpu_ms": {k: round(statistics.mean(v) * 1000, 1) for k, v in cpu.items() if v},
        "cpu_ms_p90": {k: round(sorted(v)[int(0.9 * (len(v) - 1))] * 1000, 1) for k, v in cpu.items() if v},
        "samples": {k: len(v) for k, v in cpu.items()},
        "model_calls": {k: round(statistics.mean(v), 2) for k, v in calls.items() if v},
        "prompt_chars": {k: round(statistics.mean(v)) for k, v in prompt_chars.items() if v},
        "max_tokens": {k: round(statistics.mean(v)) for k, v in max_tokens.items() if v},
    }


def run_level(
    url: str, n: int, pace: float, duration: float, latency: float, calls: dict[str, float], pid: int
) -> dict:
    """N candidates, one turn each every `pace` seconds, for `duration` seconds (turns begun after a warm-up
    of one pace are counted)."""
    results: list[tuple[str, float, float]] = []  # (kind, latency, began since start)
    errors: list[str] = []
    stop = threading.Event()
    start = time.monotonic()

    def candidate(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(timeout=120) as http:
            interview = Interview(url, f"cand-{i}-{os.urandom(3).hex()}", http)
            due = start + rng.uniform(0, pace)
            while not stop.is_set():
                if stop.wait(max(0.0, due - time.monotonic())):
                    return
                kind, began = interview.next_kind(), time.monotonic()
                try:
                    interview.turn(kind)
                except Exception as exc:  # noqa: BLE001 (every failure counts)
                    errors.append(f"{kind}: {exc!r}"[:200])
                    interview.plan = []  # start a new interview
                    interview.phase = ""
                results.append((kind, time.monotonic() - began, began - start))
                due += pace

    threads = [threading.Thread(target=candidate, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(pace)
    cpu, began = loadkit.cpu_seconds(pid), time.monotonic()
    time.sleep(duration)
    cpu_share = (loadkit.cpu_seconds(pid) - cpu) / (time.monotonic() - began)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    counted = [(k, s) for k, s, at in results if at >= pace]
    over = [s - calls.get(k, 0) * latency for k, s in counted]
    p95 = sorted(over)[int(0.95 * (len(over) - 1))] if over else float("nan")
    return {
        "candidates": n,
        "turns": len(counted),
        "turns_per_s": round(len(counted) / duration, 2),
        "over_model_s": {
            "p50": round(statistics.median(over), 3) if over else None,
            "p95": round(p95, 3),
            "max": round(max(over), 3) if over else None,
        },
        "app_core_busy": round(cpu_share, 3),  # near 1.0: the app used its whole core; well below: it waited
        "load_avg_1m": loadkit.load_avg(),
        "errors": len(errors),
        "error_examples": errors[:3],
        "passed": bool(over) and p95 <= OVER_MODEL_P95_S and not errors,
    }


def commit_state() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=loadkit.ROOT).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return {"commit": None, "tree": str(loadkit.ROOT), "note": "not a git checkout"}
    dirty = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {"commit": commit, "uncommitted_files": len(dirty), "files": dirty[:60]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pace", type=float, default=30.0, help="seconds between one candidate's turns")
    parser.add_argument("--latency", type=float, default=0.3, help="the stub model's time per call, seconds")
    parser.add_argument("--rounds", type=int, default=8, help="sequential candidates for the CPU per turn")
    parser.add_argument("--settle", type=float, default=0.4, help="seconds after a turn for background work")
    parser.add_argument("--n", type=int, nargs="*", help="levels to run (default: from the CPU model)")
    parser.add_argument("--duration", type=float, default=90.0, help="seconds each level is measured")
    parser.add_argument("--database-url", help="run the app on this Postgres instead of SQLite")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores: one for the app, one for the load generator")
    os.sched_setaffinity(0, {1})  # this process and what it starts (the stub) stay off the app's core
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the app and the stub are stopped too
    tmp = Path(tempfile.mkdtemp(prefix="interviewer-capacity-"))
    env = {"INTERVIEWER_DATABASE_URL": args.database_url} if args.database_url else {}
    result: dict[str, Any] = {
        "definitions": __doc__.split("Definitions (also written into the JSON):")[1].strip(),
        "measured_on": commit_state(),
        "database": "postgres" if args.database_url else "sqlite",
        "pace_s": args.pace,
        "latency_s": args.latency,
        "load_avg_1m_before": loadkit.load_avg(),
    }
    with loadkit.stub_process(tmp, args.latency) as stub, pinned_app(stub.base_url, tmp, 0, **env) as app:
        result["app_cpus"], result["generator_cpus"] = allowed_cpus(app.proc.pid), sorted(os.sched_getaffinity(0))
        ids = sorted(KEY_POINTS)  # warm-up: the first grade of each question embeds its rubric (cached after)
        cold_cpu, before = [], loadkit.cpu_seconds(app.proc.pid)
        with httpx.Client(timeout=120) as http:
            for pair in zip(ids[::2], ids[1::2]):
                interview = Interview(app.url, "cand-0-000000", http, SETUP | {"question_ids": list(pair)})
                for kind in ("start", "answer", "next", "answer", "next"):
                    interview.turn(kind)
                cold_cpu.append(loadkit.cpu_seconds(app.proc.pid) - before)
                before = loadkit.cpu_seconds(app.proc.pid)
        result["warmup_cpu_ms_per_interview"] = round(statistics.mean(cold_cpu) * 1000, 1)
        turns = measure_turns(app, stub, args.rounds, args.settle)
        result |= turns
        probe = turns["samples"]["probe_answer"] / max(1, turns["samples"]["probe"])  # how often a probe is asked
        weights = {"start": 1, "hint": 1, "answer": 2, "probe": 2, "probe_answer": 2 * probe, "next": 2, "report": 1}
        per_interview_ms = sum(turns["cpu_ms"][k] * w for k, w in weights.items())
        mean_ms = per_interview_ms / sum(weights.values())
        result["mean_cpu_ms_per_turn"] = round(mean_ms, 1)
        result["cpu_bound_candidates"] = int(args.pace * 1000 / mean_ms)
        print(json.dumps({k: result[k] for k in ("cpu_ms", "model_calls", "mean_cpu_ms_per_turn")}), file=sys.stderr)
        bound = result["cpu_bound_candidates"]
        levels = args.n or sorted({max(1, int(bound * f)) for f in (0.25, 0.5, 0.7, 0.85, 1.0)})
        result["levels"] = []
        for n in levels:  # ascending; the first level that fails ends the search
            level = run_level(app.url, n, args.pace, args.duration, args.latency, turns["model_calls"], app.proc.pid)
            result["levels"].append(level)
            print(json.dumps(result["levels"][-1]), file=sys.stderr, flush=True)
            if not result["levels"][-1]["passed"]:
                break
    passed = [lv["candidates"] for lv in result["levels"] if lv["passed"]]
    result["candidates_per_core"] = max(passed) if passed else 0
    turns_per_s = 100 / args.pace
    calls = sum(turns["model_calls"][k] * w for k, w in weights.items()) / sum(weights.values())
    chars = sum(turns["prompt_chars"][k] * w for k, w in weights.items()) / sum(weights.values())
    new = sum(turns["max_tokens"][k] * w for k, w in weights.items()) / sum(weights.values())
    result["model_server_per_100"] = {
        "requests_per_s": round(turns_per_s * calls, 2),
        "prompt_chars_per_s": round(turns_per_s * chars),
        "prompt_tokens_per_s_approx": round(turns_per_s * chars / 4),
        "max_new_tokens_per_s": round(turns_per_s * new),
    }
    result["goals"] = {
        k: {"cpu_ms": v, "goal_ms": GOAL_MS.get(k, 30.0), "met": v <= GOAL_MS.get(k, 30.0)}
        for k, v in turns["cpu_ms"].items()
    }
    result["load_avg_1m_after"] = loadkit.load_avg()
    emit(result, args.out)


if __name__ == "__main__":
    main()
