"""Settings, read from the environment once. Nothing else in the package reads env vars."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "interviewer"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "interviewer"


Backend = Literal["auto", "embedded", "openai", "fake"]
Profile = Literal["auto", "short", "rich"]
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"  # files shipped inside the package (tokenizer, grader parameters)


def bundled_dir(name: str) -> Path:
    """A content folder shipped with the app (knowledge/, prompts/): the checkout's copy, else the wheel's
    (pyproject force-includes them as interviewer/data/<name>)."""
    for candidate in (PACKAGE_DIR.parent / name, DATA_DIR / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(name)


class Settings(BaseSettings):
    """INTERVIEWER_* variables (and a .env file), plus the standard OPENAI_API_KEY / OPENAI_BASE_URL."""

    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    cache_dir: Path = Field(default_factory=_default_cache_dir, description="assembled model weights")
    knowledge_dir: Path | None = None
    chroma_path: Path | None = Field(None, description="persistent Chroma folder; default data_dir/chroma")
    chroma_host: str | None = Field(None, description="use a Chroma server (chroma run) instead of a folder")
    chroma_port: int = 8000
    collection: str = "questions"

    backend: Backend = "auto"
    model: str = Field("", description="model name for OpenAI-compatible servers; empty = backend default")
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "INTERVIEWER_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "INTERVIEWER_OPENAI_BASE_URL")
    )
    llm_timeout: float = 60.0
    llm_retries: int = 2
    llm_backoff: float = Field(0.5, description="first retry delay in seconds; doubles each retry")
    llm_max_delay: float = Field(8.0, description="cap on one retry delay, Retry-After included")
    llm_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    llm_context: int = 4096
    llm_grading: bool = Field(
        False,
        description="in an interview, also ask the model for key-point verdicts after "
        "the offline scorecard (slower; no measured gain on the embedded model)",
    )
    llm_prefill: bool | None = Field(
        None,
        description="send the feedback prompt's prefix while the candidate types, "
        "so the prompt cache holds it; default: on for local servers, off for OpenAI",
    )

    profile: Profile = Field(
        "auto",
        description="how much the model writes: short (a small local model: short feedback, bank probes) or rich "
        "(a capable backend: feedback quoting the candidate, probes built on their words); auto: short for the "
        "embedded model, rich for OpenAI-compatible servers",
    )

    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = Field(None, description="user:pass for the web UI")
    concurrency: int = 16

    # Voice (interviewer.voice): spoken answers and questions read aloud, all on this machine.
    voice_tts: Literal["auto", "piper", "espeak", "off"] = Field(
        "auto", description="voice for reading aloud: piper (the optional extra), espeak (espeak-ng), off; auto: best"
    )
    voice_threads: int = Field(default_factory=lambda: min(os.cpu_count() or 2, 4), description="Whisper threads")
    voice_max_seconds: float = Field(300.0, description="longest recording accepted as one answer")

    # Serving many candidates: replicas share the history database and the key that signs session ids.
    database_url: SecretStr | None = Field(
        None, description="postgresql://user:password@host:5432/db for the history; unset = SQLite in data_dir"
    )
    database_pool: int = Field(10, description="Postgres connections per app process (plus one for step locks)")
    secret_key: SecretStr | None = Field(
        None, description="signs session ids; unset = kept in the database (Postgres) or in data_dir (SQLite)"
    )

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def prefill_enabled(self) -> bool:
        if self.llm_prefill is not None:
            return self.llm_prefill
        return self.active_backend == "embedded" or bool(
            self.openai_base_url and "api.openai.com" not in self.openai_base_url
        )

    @property
    def active_profile(self) -> Literal["short", "rich"]:
        if self.profile != "auto":
            return self.profile
        return "rich" if self.active_backend == "openai" else "short"

    @property
    def active_backend(self) -> Literal["embedded", "openai", "fake"]:
        """auto: OpenAI(-compatible) when a key or base URL is set, else the embedded model."""
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.openai_api_key or self.openai_base_url) else "embedded"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
