"""`interviewer doctor`: one line per check; exit code 0 only when every check passes.

Checks: the active backend and model, the embedded weights (present, sha256 verified), the embedding
model, the Chroma index, and a 1-token round trip through the configured LLM. Nothing here prints the
API key: the backend line says only whether one is set, and errors come already redacted from llm/client.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .config import Settings
from .errors import InterviewerError
from .llm import DEFAULT_OPENAI_MODEL, Message, build_llm


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name:<11} {self.detail}"


def _failure(exc: Exception) -> str:
    """Domain errors carry a readable message; anything else is named by its type too."""
    return str(exc) if isinstance(exc, InterviewerError) else f"{type(exc).__name__}: {exc}"


def check_backend(settings: Settings) -> Check:
    backend = settings.active_backend
    if backend == "embedded":
        from interviewer.llm.engine import MODEL_NAME

        return Check(
            "backend",
            True,
            f"embedded: {MODEL_NAME} via llama.cpp in-process, "
            f"{settings.llm_threads} threads, context {settings.llm_context}",
        )
    if backend == "openai":
        where = settings.openai_base_url or "https://api.openai.com/v1"
        model = settings.model or (
            "(first model the server lists)" if settings.openai_base_url else DEFAULT_OPENAI_MODEL
        )
        key = "API key set" if settings.openai_api_key else "no API key"
        return Check("backend", True, f"openai-compatible: {model} at {where} ({key})")
    return Check("backend", True, "fake (scripted replies, for tests only)")


def check_weights(settings: Settings) -> Check:
    from interviewer.llm.engine import ensure_weights, weights_status

    used = settings.active_backend == "embedded"
    try:
        if used:
            ensure_weights(settings)  # assembles on first use, exactly as a real start would
        status = weights_status(settings, full=True)
    except Exception as exc:  # the doctor reports every failure instead of stopping at the first
        return Check("weights", not used, _failure(exc))
    detail = f"{status.path}: {status.detail}" if status.present else status.detail
    if not used:
        return Check("weights", True, f"{detail} (not used by the {settings.active_backend} backend)")
    return Check("weights", status.verified, detail)


def check_embeddings(settings: Settings) -> Check:
    try:
        from interviewer.knowledge.embeddings import get_model

        model = get_model()
        vector = model.embed(["doctor check"])[0]
    except Exception as exc:
        return Check("embeddings", False, _failure(exc))
    ok = len(vector) > 0 and all(math.isfinite(float(x)) for x in vector)
    return Check("embeddings", ok, f"{getattr(model, 'name', type(model).__name__)}: {len(vector)} dims")


def check_chroma(settings: Settings) -> Check:
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.chroma_dir)
    try:
        from interviewer.knowledge.index import open_index

        index = open_index(settings)
        count = getattr(index, "count", None)
        size = f", {count()} items" if callable(count) else ""
    except Exception as exc:
        return Check("chroma", False, f"unavailable at {where} ({_failure(exc)})")
    return Check("chroma", True, f"{where}{size}")


def check_round_trip(settings: Settings) -> Check:
    try:
        llm = build_llm(settings)
    except Exception as exc:
        return Check("round trip", False, _failure(exc))
    try:
        began = time.perf_counter()
        reply = llm.complete([Message("user", "Reply with the single word OK.")], max_tokens=1)
        return Check(
            "round trip", True, f"{llm.name} answered {reply.strip()!r} in {time.perf_counter() - began:.1f} s"
        )
    except Exception as exc:
        return Check("round trip", False, _failure(exc))
    finally:
        llm.close()


DEFAULT_CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_backend,
    check_weights,
    check_embeddings,
    check_chroma,
    check_round_trip,
)


def run_doctor(settings: Settings, checks: Sequence[Callable[[Settings], Check]] = DEFAULT_CHECKS) -> int:
    results = []
    for check in checks:
        result = check(settings)
        print(result.as_line(), flush=True)
        results.append(result)
    failed = [r.name for r in results if not r.ok]
    print(f"{len(failed)} check(s) failed: {', '.join(failed)}" if failed else "all checks passed")
    return 1 if failed else 0
