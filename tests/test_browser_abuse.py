"""Real chromium: HTML and script from the candidate and from the model stay inert text everywhere in the page
(chat, scorecard evidence, report), and with auth on the History tab lists only the logged-in user's interviews."""

from __future__ import annotations

import re

import pytest
from app_harness import exemplar, running_app, small_index
from conftest import start_in_browser
from gradio_client import Client

from interviewer.llm import FakeChatModel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 30_000
PAYLOAD = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    '<svg onload="window.__pwned=3"></svg> [click](javascript:window.__pwned=4) '
    '<a href="javascript:window.__pwned=5">link</a> <iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>'
)
INERT = """() => ({
    pwned: window.__pwned ?? null,
    img: document.querySelectorAll('img[src="x"]').length,
    svg: document.querySelectorAll('svg[onload]').length,
    js_links: document.querySelectorAll('a[href^="javascript:"]').length,
    iframes: document.querySelectorAll('iframe[srcdoc]').length,
    scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
})"""
CLEAN = {"pwned": None, "img": 0, "svg": 0, "js_links": 0, "iframes": 0, "scripts": 0}


def laced(answer: str) -> str:
    """The answer with PAYLOAD before every sentence end, so whichever sentence the grader quotes as evidence holds
    it."""
    return re.sub(r"([.?!;:])( |$)", lambda m: f" {PAYLOAD}{m.group(1)}{m.group(2)}", " ".join(answer.split()))


def test_html_and_script_from_candidate_and_model_stay_inert(page, tmp_path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    model = FakeChatModel(default=f"Thanks for that. {PAYLOAD} Let's keep going with the data and the model.")
    with running_app(tmp_path, llm=model) as running:
        start_in_browser(page, running.url, 1, WAIT)
        page.wait_for_selector("#btn-hint:not([disabled])", timeout=WAIT)
        question = page.locator("#chat .bot strong").last.inner_text().strip()
        qid = next(q.id for q in small_index().all() if q.question.strip() == question)
        box = page.locator("#composer textarea")
        box.fill(laced(exemplar(qid, "strong")))
        box.press("Enter")
        page.wait_for_selector("#side .iv-scorecard", timeout=WAIT)
        quotes = page.locator("#side .iv-evidence").all_inner_texts()
        assert all("__pwned" in q for q in quotes), "evidence quotes hold the payload, as text"
        page.wait_for_selector("#btn-end:not([disabled])", timeout=WAIT)
        page.wait_for_function("() => document.querySelector('#chat').innerText.includes('onerror')", timeout=WAIT)
        assert page.evaluate(INERT) == CLEAN
        assert page.locator("#chat .user").filter(has_text="<script>window.__pwned=2</script>").count() == 1
        page.click("#btn-end")
        page.wait_for_selector("#download-md", state="visible", timeout=WAIT)
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert "<img src=x" in page.locator("#report-questions").inner_text()
        page.wait_for_timeout(300)  # any late onerror/onload would have fired by now
        assert page.evaluate(INERT) == CLEAN
    assert not dialogs


def test_history_lists_only_the_logged_in_users_interviews(page, tmp_path) -> None:
    with running_app(tmp_path, auth="ann:pw-ann,bob:pw-bob") as running:
        ann = Client(running.url, auth=("ann", "pw-ann"), verbose=False)
        for _ in range(2):
            ann.predict({"banks": ["ml_system_design"], "count": 1}, api_name="/start")
        bob = Client(running.url, auth=("bob", "pw-bob"), verbose=False)
        bob.predict({"banks": ["ml_system_design"], "count": 2}, api_name="/start")
        page.goto(running.url)
        page.fill("input[type=text]", "bob")  # Gradio's login form
        page.fill("input[type=password]", "pw-bob")
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#start", timeout=WAIT)
        page.get_by_role("tab", name="History").click()
        page.wait_for_selector("#history-table [role=gridcell]:has-text('in progress')", timeout=WAIT)
        rows = page.locator("#history-table [role=gridcell]:has-text('of 2')").count()
        assert rows == 1 and page.locator("#history-table [role=gridcell]:has-text('of 1')").count() == 0
