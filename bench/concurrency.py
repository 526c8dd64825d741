"""Concurrency and app overhead: N simulated candidates (gradio_client, one session each) against `python app.py`
(a subprocess, so the load generator doesn't share its GIL) with the stub LLM at 0.5 s a call. Prints JSON.

    .venv/bin/python bench/concurrency.py [--n 1 8 32] [--latency 0.5] [--concurrency 32] [--out FILE]

Each candidate: start (2 questions, study mode), answer, next, answer, next (finished): 5 timed turns, then the
report (untimed) for the leakage check. Definitions (also written into the JSON):
- llm_calls: chat requests the stub receives per turn, counted in the one-candidate run (start 2: greeting and
  transition; answer 1: feedback (the grade is offline); next 1: transition, or 0 when it finishes).
- ideal turn latency = llm_calls x latency: the model is the only cost; the app and the network add nothing.
- ideal throughput at N = N x turns / (a candidate's summed ideal turn latencies): all N proceed in parallel and
  only ever wait on the model (the stub serves any number at once).
- throughput = N x turns / wall time (barrier release to the last turn's end); efficiency = throughput / ideal.
- slowdown = turn latency / ideal turn latency, per turn that calls the model; p95 over all candidates.
- leakage: each candidate puts its own id in every sentence of its answers; the scorecard quotes them as evidence,
  and every response and the report must hold the candidate's own id and no other. (The model never sees an
  answer: the feedback prompt carries code's verdicts by key-point number, so its replies cannot carry one.)
- overhead: one candidate, sequential turns that call the model: app time / raw LLM time, where raw LLM time =
  llm_calls x the median time of the same streamed call made straight to the stub with the openai client. Measured
  with gradio_client and with a lean REST client (loadkit.call), which shows what gradio_client adds by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import loadkit  # noqa: E402
from gradio_client import Client  # noqa: E402
from jsonout import emit  # noqa: E402

from interviewer.knowledge.bank import load_bank  # noqa: E402

SETUP = {"banks": ["ml_system_design"], "count": 2, "mode": "study", "difficulty": "adaptive"}
SCRIPT = ["start", "answer", "next", "answer", "next"]
KEY_POINTS = {q.id: q.key_points for q in load_bank(loadkit.SEED_BANK).questions}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else float("nan")


class Candidate:
    """One simulated candidate: a session of its own, every turn timed, every response checked for other ids."""

    def __init__(self, n: int, url: str, lean: bool = False, setup: dict | None = None):
        self.marker = f"cand-{n}-{uuid.uuid4().hex[:6]}"
        self.setup = setup or SETUP
        self.lean = lean
        self.http = httpx.Client() if lean else None
        # gradio_client's own default is 5 s per HTTP request, which a saturated 2-core machine can exceed
        self.client = None if lean else Client(url, verbose=False, httpx_kwargs={"timeout": httpx.Timeout(120)})
        self.url = url
        self.turns: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.leaks: list[str] = []

    def _call(self, name: str, *args: Any) -> dict:
        if self.http is not None:
            return loadkit.call(self.http, self.url, name, *args)
        return self.client.predict(*args, api_name=f"/{name}")

    def _check(self, response: dict) -> None:
        others = set(loadkit.MARKER.findall(json.dumps(response))) - {self.marker}
        if others:
            self.leaks.append(f"{self.marker} saw {sorted(others)}")

    def run(self, barrier: threading.Barrier | None = None, between: Callable[[str], None] | None = None) -> None:
        if barrier is not None:
            barrier.wait(timeout=300)
        sid, question = "", None
        try:
            for kind in SCRIPT:
                args: tuple = (self.setup,) if kind == "start" else (sid,)
                if kind == "answer":
                    args = (
                        sid,
                        " ".join(
                            f"In {self.marker}, {p[0].lower()}{p[1:].replace(';', ',')}."
                            for p in KEY_POINTS[question["id"]]
                        ),
                        None,  # no recording
                    )
                began = time.perf_counter()
                r = self._call(kind, *args)
                self.turns.append((kind, time.perf_counter() - began))
                if between:
                    between(kind)
                self._check(r)
                sid, question = r["session_id"], r["question"] or question
                quoted = [kp["evidence"] for kp in (r["scorecard"] or {}).get("key_points", []) if kp["evidence"]]
                if kind == "answer" and not any(self.marker in q for q in quoted):
                    self.errors.append(f"{self.marker}: its scorecard does not quote its answer: {quoted}")
            report = self._call("report", sid)
            self._check(report)
            answers = [q["answer"] for q in report["report"]["questions"]]
            if len(answers) != 2 or not all(self.marker in a for a in answers):
                self.errors.append(f"{self.marker}: report answers {answers}")
        except Exception as exc:  # noqa: BLE001 (the bench counts every failure, whatever its type)
            turn = SCRIPT[len(self.turns)] if len(self.turns) < len(SCRIPT) else "report"
            self.errors.append(f"{self.marker} at turn {len(self.turns) + 1} ({turn}): {exc!r}"[:300])


def calls_per_turn(url: str, stub: loadkit.StubProcess) -> list[int]:
    counts: list[int] = []
    last = [stub.stats()["chat"]]

    def between(kind: str) -> None:
        now = stub.stats()["chat"]
        counts.append(now - last[0])
        last[0] = now

    Candidate(0, url).run(between=between)
    return counts


def run_level(n: int, url: str, calls: list[int], latency: float, app_pid: int, lean: bool) -> dict:
    with ThreadPoolExecutor(n) as pool:
        candidates = list(pool.map(lambda i: Candidate(i, url, lean=lean), range(1, n + 1)))
    barrier = threading.Barrier(n + 1)
    threads = [threading.Thread(target=c.run, args=(barrier,)) for c in candidates]
    for t in threads:
        t.start()
    barrier.wait(timeout=300)
    began, cpu, client_cpu = time.perf_counter(), loadkit.cpu_seconds(app_pid), time.process_time()
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - began
    cpu, client_cpu = loadkit.cpu_seconds(app_pid) - cpu, time.process_time() - client_cpu
    ideal_per_candidate = sum(calls) * latency
    turns = [t for c in candidates for t in c.turns]
    slowdown = [s / (k * latency) for c in candidates for (kind, s), k in zip(c.turns, calls) if k]
    done = len(turns)
    throughput = done / wall
    ideal = n * len(SCRIPT) / ideal_per_candidate
    return {
        "client": "rest_sse" if lean else "gradio_client",
        "candidates": n,
        "turns": done,
        "wall_s": round(wall, 3),
        "throughput_turns_per_s": round(throughput, 3),
        "ideal_turns_per_s": round(ideal, 3),
        "efficiency": round(throughput / ideal, 3),
        "turn_latency_s": {
            "p50": pct([s for _, s in turns], 0.5),
            "p95": pct([s for _, s in turns], 0.95),
            "max": pct([s for _, s in turns], 1.0),
        },
        "per_kind_p95_s": {kind: pct([s for k, s in turns if k == kind], 0.95) for kind in dict.fromkeys(SCRIPT)},
        "slowdown_vs_ideal": {"p50": pct(slowdown, 0.5), "p95": pct(slowdown, 0.95)},
        "app_cpu_s": round(cpu, 2),
        "app_cpu_ms_per_turn": round(cpu / max(done, 1) * 1000, 1),
        "client_cpu_s": round(client_cpu, 2),
        # what the machine's cores allow at best: the CPU the app and the clients used, spread over every core
        "cpu_bound_efficiency_ceiling": round(
            min(1.0, os.cpu_count() * ideal_per_candidate / max(cpu + client_cpu, 1e-9)), 3
        ),
        "errors": [e for c in candidates for e in c.errors][:10],
        "error_count": sum(len(c.errors) for c in candidates),
        "leaks": [e for c in candidates for e in c.leaks][:10],
        "leak_count": sum(len(c.leaks) for c in candidates),
        "load_avg_1m": loadkit.load_avg(),
    }


def raw_llm_call_s(base_url: str, rounds: int = 7) -> dict[str, float]:
    """The same streamed calls the app makes, straight to the stub with the openai client (read to the end)."""
    import openai

    client = openai.OpenAI(base_url=base_url, api_key=loadkit.DUMMY_KEY, max_retries=0, timeout=30)
    messages = [{"role": "user", "content": "Key points:\n1. a\n2. b\nCandidate answer: cand-0-000000"}]
    fmt = {"type": "json_schema", "json_schema": {"name": "Verdicts", "schema": {"type": "object"}}}
    out = {}
    for name, extra in (("chat", {}), ("structured", {"response_format": fmt})):
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            with client.chat.completions.with_streaming_response.create(
                model="stub-model", messages=messages, temperature=0, stream=True, **extra
            ) as response:
                for _line in response.iter_lines():
                    pass
            samples.append(time.perf_counter() - began)
        out[name] = round(statistics.median(samples), 4)
    client.close()
    return out


def overhead(url: str, calls: list[int], raw_call: float, rounds: int, app_pid: int) -> dict:
    out: dict[str, Any] = {}
    cpu: dict[str, list[float]] = {}
    for label, lean in (("gradio_client", False), ("rest_sse", True)):
        app_s, llm_s, zero_call = 0.0, 0.0, []
        by_kind: dict[str, list[float]] = {}
        for r in range(rounds):
            c = Candidate(1000 + r, url, lean=lean)
            marks = [loadkit.cpu_seconds(app_pid)]
            c.run(between=lambda kind: marks.append(loadkit.cpu_seconds(app_pid)))
            if c.errors:
                return {"error": c.errors[:3]}
            for kind, before, after in zip(SCRIPT, marks, marks[1:]):
                cpu.setdefault(kind, []).append(after - before)
            for (kind, s), k in zip(c.turns, calls):
                if k:
                    app_s, llm_s = app_s + s, llm_s + k * raw_call
                    by_kind.setdefault(kind, []).append(s / (k * raw_call))
                else:
                    zero_call.append(s)
        out[label] = {
            "app_over_raw_llm": round(app_s / llm_s, 4),
            "added_ms_per_model_turn": round((app_s - llm_s) / (rounds * sum(1 for k in calls if k)) * 1000, 1),
            "turn_without_model_ms_p50": round(statistics.median(zero_call) * 1000, 1) if zero_call else None,
            "app_over_raw_llm_by_turn_p50": {k: round(statistics.median(v), 3) for k, v in by_kind.items()},
        }
    out["app_cpu_ms_per_turn_p50"] = {kind: round(statistics.median(v) * 1000, 1) for kind, v in cpu.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, help="INTERVIEWER_CONCURRENCY for the app (default: the app's)")
    parser.add_argument("--overhead-rounds", type=int, default=5)
    parser.add_argument(
        "--client",
        choices=["gradio_client", "rest_sse", "both"],
        default="both",
        help="load generator: gradio_client (as users would), the lean REST client, or each in turn",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="interviewer-load-"))
    env = {"INTERVIEWER_CONCURRENCY": str(args.concurrency)} if args.concurrency else {}
    result: dict[str, Any] = {
        "definitions": __doc__.split("Definitions (also written into the JSON):")[1].strip(),
        "latency_s": args.latency,
        "script": SCRIPT,
        "load_avg_1m_before": loadkit.load_avg(),
    }
    with loadkit.stub_process(tmp, args.latency) as stub, loadkit.app_process(stub.base_url, tmp, **env) as app:
        result["app_start_s"] = round(app.started_s, 2)
        result["app_concurrency"] = args.concurrency or "default"
        # Warm-up: the first grade of each question embeds its rubric and exemplars (cached after that), so ask
        # every question once: the levels then measure a server in its steady state. The cold cost is reported.
        ids = sorted(KEY_POINTS)
        cold = []
        for pair in zip(ids[::2], ids[1::2]):
            c = Candidate(0, app.url, setup=SETUP | {"question_ids": list(pair)})
            c.run()
            cold += [s for kind, s in c.turns if kind == "answer"]
            if c.errors:
                raise SystemExit(f"warm-up failed: {c.errors}")
        result["cold_answer_turn_s"] = {"p50": pct(cold, 0.5), "max": pct(cold, 1.0)}
        calls = calls_per_turn(app.url, stub)
        result["llm_calls_per_turn"] = dict(zip([f"{i}:{k}" for i, k in enumerate(SCRIPT)], calls))
        raw = raw_llm_call_s(stub.base_url)
        result["raw_llm_call_s"] = raw
        result["overhead"] = overhead(app.url, calls, max(raw.values()), args.overhead_rounds, app.proc.pid)
        before = stub.stats()["chat"]
        levels = []
        clients = [False, True] if args.client == "both" else [args.client == "rest_sse"]
        for lean in clients:
            for n in args.n:
                levels.append(run_level(n, app.url, calls, args.latency, app.proc.pid, lean))
                print(json.dumps(levels[-1]), file=sys.stderr, flush=True)
        expected = len(clients) * sum(n * sum(calls) for n in args.n)
        result["levels"] = levels
        result["stub_calls"] = {"expected": expected, "received": stub.stats()["chat"] - before}
    result["goals"] = {
        "efficiency_at_32_ge_0.8": {lv["client"]: lv["efficiency"] >= 0.8 for lv in levels if lv["candidates"] == 32},
        "zero_errors": all(lv["error_count"] == 0 for lv in levels),
        "zero_leaks": all(lv["leak_count"] == 0 for lv in levels),
        "overhead_le_1.05": {
            k: result["overhead"][k].get("app_over_raw_llm", 99) <= 1.05
            for k in ("gradio_client", "rest_sse")
            if k in result["overhead"]
        },
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
