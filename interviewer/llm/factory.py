"""`build_llm(settings)`: the configured model, picked from Settings. No I/O here."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from interviewer.errors import ConfigError

from .base import ClosableChatModel
from .client import OpenAIChatModel
from .fake import FakeChatModel
from .faults import RetryPolicy

if TYPE_CHECKING:
    from interviewer.config import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def build_llm(settings: Settings, *, retry: RetryPolicy | None = None) -> ClosableChatModel:
    """The configured model. No I/O here: the embedded engine starts on the first call (or `start()`)."""
    retry = retry or RetryPolicy.from_settings(settings)
    backend = settings.active_backend
    if backend == "fake":
        return FakeChatModel()
    if backend == "openai":
        if not (settings.openai_api_key or settings.openai_base_url):
            raise ConfigError(
                "backend 'openai' needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM, LM Studio, "
                "llama.cpp server); or set INTERVIEWER_BACKEND=embedded for the offline model"
            )
        model = settings.model or ("" if settings.openai_base_url else DEFAULT_OPENAI_MODEL)
        return OpenAIChatModel(
            model=model,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            timeout=settings.llm_timeout,
            retry=retry,
            prefill=settings.prefill_enabled,
        )
    from .engine import MODEL_NAME, EmbeddedServer

    server = EmbeddedServer(settings, api_key=secrets.token_urlsafe(16))
    return OpenAIChatModel(
        model=MODEL_NAME, server=server, timeout=settings.llm_timeout, retry=retry, prefill=settings.prefill_enabled
    )
