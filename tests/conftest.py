"""Shared fixtures. Tests run offline: each test gets its own data dir, and settings are re-read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from interviewer.llm import RetryPolicy
from interviewer.llm.engine import free_port  # noqa: F401 (tests import it from here)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
FAST_RETRY = RetryPolicy(retries=2, backoff=0.001, max_delay=0.01)  # stub-backed model tests: real retries, no waits
# A copy of ../shared/seeds/ml-system-design-interview.txt (the first bank's source), so a clone tests on its own.
SEED = ROOT / "tests" / "data" / "ml-system-design-interview.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def no_real_model(request, monkeypatch):
    """Only tests marked real_model may start the embedded LLM; anything else that tries fails loudly."""
    if request.node.get_closest_marker("real_model"):
        return
    from interviewer.llm import engine

    def refuse(self, *args, **kwargs):
        raise AssertionError("this test tried to start the embedded LLM; mark it real_model or use a fake")

    monkeypatch.setattr(engine.EmbeddedServer, "start", refuse)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Point the data dir at tmp and drop cached settings, so no test touches the user's history or index.
    The model cache dir is left alone: the assembled LLM weights are shared between runs on purpose."""
    from interviewer.config import get_settings

    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "data"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "INTERVIEWER_CHROMA_HOST", "INTERVIEWER_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def banks():
    from interviewer.knowledge.bank import load_banks

    return load_banks()


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory, banks):
    """A real persistent Chroma index holding every bundled bank (built once per test run)."""
    from interviewer.config import Settings
    from interviewer.knowledge.index import open_index

    index = open_index(Settings(data_dir=tmp_path_factory.mktemp("index")))
    index.ingest(banks)
    return index


def wait_http(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on loopback, stopped after the test."""
    port = free_port()
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def chromium_page(extra_args: list[str] | None = None, **context: object):
    """A fresh page in headless Debian chromium (Playwright); skips when chromium is absent. `extra_args` go to
    chromium (a fake microphone), `context` to the browser context (permissions, downloads)."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []))
        browser_context = browser.new_context(viewport={"width": 1360, "height": 900}, **context)
        yield browser_context.new_page()
        browser_context.close()
        browser.close()


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway Postgres (Debian's package, a temp dir, a free port) for the whole run; each test asks it for a
    fresh database. Skips when postgresql is not installed."""
    from postgres import PostgresServer, pg_bindir

    if pg_bindir() is None:
        pytest.skip("Debian's postgresql is not installed (make test installs it)")
    with PostgresServer() as server:
        yield server


@pytest.fixture
def page():
    """A fresh page in headless Debian chromium, downloads accepted."""
    with chromium_page(accept_downloads=True) as fresh:
        yield fresh


def start_in_browser(page, url: str, count: int, timeout: float) -> None:
    """Open the app, set the number of questions, press Start and wait for the first question."""
    page.goto(url)
    page.locator("#setup-count input[type=number]").fill(str(count))
    page.locator("#setup-count input[type=number]").press("Enter")
    page.click("#start")
    page.wait_for_selector("#chat .bot strong", timeout=timeout)
