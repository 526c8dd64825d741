"""Real chromium + Playwright: a 2-question study interview through the UI (the real offline grader; answers are
the seed bank's graded exemplars), a probe, the report download, resume after a reload, and inert rendering of HTML
typed by the candidate."""

from __future__ import annotations

import re

import pytest
from app_harness import exemplar, running_app, small_index
from conftest import start_in_browser

pytestmark = pytest.mark.browser

PAYLOAD = "<script>alert(1)</script><b>x</b>"
WAIT = 30_000


def current_question(page) -> str:
    """The id of the question in the last bold interviewer bubble."""
    texts = {q.question.strip(): q.id for q in small_index().all()}
    shown = page.locator("#chat .bot strong").all_inner_texts()
    for text in reversed(shown):
        if text.strip() in texts:
            return texts[text.strip()]
    raise AssertionError(f"no bank question in the chat: {shown}")


def send(page, text: str) -> None:
    box = page.locator("#composer textarea")
    box.fill(text)
    box.press("Enter")  # Enter sends
    page.wait_for_function("() => !document.querySelector('#composer textarea').value", timeout=WAIT)


def chat_has(page, text: str) -> None:
    page.wait_for_function(
        "t => (document.querySelector('#chat')?.innerText || '').includes(t)", arg=text, timeout=WAIT
    )


def shown_score(page) -> float:
    """The score on the side panel's scorecard."""
    return float(page.locator("#side .iv-big").inner_text().strip())


def enabled(page, elem_id: str) -> None:
    page.wait_for_selector(f"#{elem_id}:not([disabled])", timeout=WAIT)


def test_study_interview_in_the_browser(page, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with running_app(tmp_path) as running:
        start_in_browser(page, running.url, 2, WAIT)
        enabled(page, "btn-hint")
        first = current_question(page)

        # answer 1 (a strong exemplar, with HTML in it), then a probe
        send(page, f"{exemplar(first, 'strong')} {PAYLOAD}")
        page.wait_for_selector("#side .iv-scorecard", timeout=WAIT)
        enabled(page, "btn-probe")
        assert page.locator("#chat .user").filter(has_text=PAYLOAD).count() == 1, "typed HTML shows as text"
        assert page.locator("#chat b", has_text=re.compile("^x$")).count() == 0
        strong = shown_score(page)
        assert strong >= 6 and page.locator("#side .iv-chip.iv-pass").count() == 1
        points = page.locator("#side .iv-points li")
        assert points.count() == len(small_index().get(first).key_points)
        assert page.locator("#side .iv-points li.iv-covered").count() >= 1
        assert page.locator("#side .iv-evidence").count() >= 1, "the scorecard quotes the answer as evidence"
        page.click("#btn-probe")
        page.wait_for_selector("#side .iv-scorecard", timeout=WAIT)
        enabled(page, "btn-skip")
        send(page, "answer: I would compare both options on held-out data and watch the error.")
        chat_has(page, "Follow-up:")

        # a reload keeps the interview: the banner offers to resume it
        page.reload()
        page.wait_for_selector("#banner-resume", state="visible", timeout=WAIT)
        page.click("#banner-resume")
        chat_has(page, "Welcome back")
        enabled(page, "btn-next")

        page.click("#btn-next")
        page.wait_for_function("() => document.querySelectorAll('#chat .bot strong').length >= 2", timeout=WAIT)
        enabled(page, "btn-hint")
        second = current_question(page)
        assert second != first
        send(page, "answer: " + exemplar(second, "weak"))  # a weak answer: retried from History
        enabled(page, "btn-end")
        page.wait_for_selector("#side .iv-scorecard .iv-big.iv-fail", timeout=WAIT)
        assert shown_score(page) < strong - 3 and page.locator("#side .iv-points li.iv-missed").count() >= 2
        page.screenshot(path=str(tmp_path / "interview.png"), full_page=True)

        page.click("#btn-end")
        page.wait_for_selector("#download-md", state="visible", timeout=WAIT)
        assert page.locator("#report-head").inner_text().count("/10") >= 1
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        with page.expect_download(timeout=WAIT) as info:
            page.click("#download-md")
        markdown = open(info.value.path(), encoding="utf-8").read()

        # History lists the interview; "Retry weak questions" asks the weak one again
        page.get_by_role("tab", name="History").click()
        page.wait_for_selector("#history-table [role=gridcell]:has-text('finished')", timeout=WAIT)
        page.click("#retry-weak")
        page.wait_for_selector("#chat .bot strong", timeout=WAIT)
        enabled(page, "btn-hint")
        assert current_question(page) == second

    assert markdown.startswith("# Interview report")
    for qid in (first, second):
        assert small_index().get(qid).question in markdown
    assert "**Follow-up:**" in markdown and "**Model answer**" in markdown
    assert "&lt;script&gt;" in markdown and "<script>" not in markdown
    assert not dialogs, f"a dialog fired: {dialogs}"
    assert (tmp_path / "interview.png").stat().st_size > 10_000
