"""Overhead of our client path (OpenAIChatModel: retries, stream resume, redaction) against a raw
`openai` call, both on the loopback stub so the model costs nothing. Prints JSON.

    .venv/bin/python bench/llm_stub_overhead.py [--n 300]

Goal: ours / raw <= 1.05 on median latency per call. OpenAIChatModel always streams (so its timeout
bounds silence rather than reply length), so the raw baselines are:
- raw_openai_stream: the openai Stream, which drops the connection after [DONE] (new TCP/TLS per call);
- raw_openai_stream_read_to_end: the same SSE read to its end as ours, minus our wrapper (retries,
  resume, typed errors): ours / this is the overhead of our code;
- raw_openai_nonstream: one JSON body; the gap to it is SSE framing on the wire, not our code.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openai  # noqa: E402

from interviewer.llm import Message, OpenAIChatModel  # noqa: E402
from interviewer.llm.stub import StubServer  # noqa: E402

REPLY = (
    "A Python list is an ordered, mutable sequence. It keeps insertion order, allows duplicates, "
    "and supports indexing, slicing, append and pop; a tuple is the immutable counterpart."
)
MESSAGES = [Message("system", "You are a technical interviewer."), Message("user", "What is a list?")]


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "median_ms": round(statistics.median(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "p90_ms": round(ms[int(len(ms) * 0.9)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="calls per variant")
    args = parser.parse_args()
    with StubServer(reply=REPLY, chunk_chars=12) as stub:
        # separate clients, so no variant reuses a connection another variant left in the pool
        raw = openai.OpenAI(base_url=stub.base_url, api_key="bench", max_retries=0, timeout=30)
        raw_nonstream = openai.OpenAI(base_url=stub.base_url, api_key="bench", max_retries=0, timeout=30)
        raw_lines = openai.OpenAI(base_url=stub.base_url, api_key="bench", max_retries=0, timeout=30)
        ours = OpenAIChatModel(base_url=stub.base_url, model="stub-model", api_key="bench", timeout=30)
        payload = [{"role": m.role, "content": m.content} for m in MESSAGES]

        def raw_stream() -> str:
            with raw.chat.completions.create(
                model="stub-model", messages=payload, temperature=0, stream=True
            ) as chunks:
                return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

        def raw_stream_read_to_end() -> str:
            """The same wire work as ours (SSE read to the end, connection kept) minus our wrapper."""
            pieces = []
            request = {"model": "stub-model", "messages": payload, "temperature": 0, "stream": True}
            with raw_lines.chat.completions.with_streaming_response.create(**request) as response:
                for line in response.iter_lines():
                    if line.startswith("data:") and line[5:].strip() != "[DONE]":
                        pieces.append(json.loads(line[5:])["choices"][0]["delta"].get("content") or "")
            return "".join(pieces)

        def raw_plain() -> str:
            reply = raw_nonstream.chat.completions.create(model="stub-model", messages=payload, temperature=0)
            return reply.choices[0].message.content

        variants = {
            "raw_openai_stream": raw_stream,
            "raw_openai_stream_read_to_end": raw_stream_read_to_end,
            "ours_complete": lambda: ours.complete(MESSAGES),
            "ours_stream": lambda: "".join(ours.stream(MESSAGES)),
            "raw_openai_nonstream": raw_plain,
        }
        for call in variants.values():  # warm up connections, imports, pydantic caches
            for _ in range(20):
                assert call() == REPLY
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.n):  # interleaved, so drift in machine load hits every variant alike
            for name, call in variants.items():
                samples[name].append(timed(call))
        ours.close()
        for client in (raw, raw_nonstream, raw_lines):
            client.close()
    result = {name: summary(s) for name, s in samples.items()}
    base = result["raw_openai_stream"]["median_ms"]
    result["ratio_ours_complete_vs_raw_stream"] = round(result["ours_complete"]["median_ms"] / base, 3)
    result["ratio_ours_stream_vs_raw_stream"] = round(result["ours_stream"]["median_ms"] / base, 3)
    same_wire = result["raw_openai_stream_read_to_end"]["median_ms"]
    result["ratio_ours_complete_vs_raw_same_wire"] = round(result["ours_complete"]["median_ms"] / same_wire, 3)
    plain = result["raw_openai_nonstream"]["median_ms"]
    result["ratio_ours_complete_vs_raw_nonstream"] = round(result["ours_complete"]["median_ms"] / plain, 3)
    result["goal"] = "<= 1.05"
    result["n"] = args.n
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
