"""Werkzeug's debugger in a real browser, against `docker compose up dev`:
its page, its JavaScript, the PIN and the console, through the forked
servers, after reloads and behind the published port.

DEBUGGER_SCREENSHOT=path saves the console at work there (scripts/
screenshot.sh refreshes the README's picture with it).
"""

from __future__ import annotations

import os
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.docker.browser import (
    FOREIGN_HOST,
    evaluate,
    frame_of,
    latest_pin,
    open_console,
    page_text,
    until,
)
from tests.docker.stack import (
    PROBE_VIEW,
    answers_ok,
    save_and_wait_for_reload,
    serves,
    stand_in_user,
    wait_for,
)

SECRET_VIEW = """

@bp.get("/secret")
def secret():
    secret_value = 41
    raise RuntimeError(f"boom near {secret_value}")
"""
BREAKAGES = {
    "syntax error": ("def broken(:\n", "SyntaxError"),
    "import error": ("import no_such_module_here\n", "ModuleNotFoundError"),
}


@pytest.fixture(scope="module")
def dev(new_stack):
    """The default project's dev service, run as a non-root host user (whose
    name, unknown in the container, goes into the PIN)."""
    stack = new_stack(project_name="Browser Shop")
    stack.append(f"{stack.slug}/views.py", SECRET_VIEW)
    uid, gid = stand_in_user(stack.project)
    stack.set_env(HOST_UID=str(uid), HOST_GID=str(gid))
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


def show_secret_plus_one(browser, stack) -> str:
    """As a user does: open the failing page, open the console in the view's
    frame, enter the PIN from the log, evaluate an expression."""
    browser.get(stack.url("dev", "/secret"))
    until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "div.traceback"))
    assert "RuntimeError: boom near 41" in browser.page_source
    frame = frame_of(browser, "secret")
    open_console(browser, frame, pin=latest_pin(stack.logs("dev")))
    answer = evaluate(browser, frame, "secret_value + 1")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    return answer


def test_the_console_takes_the_pin_from_the_log_and_evaluates_in_the_frame(
    dev, browser, tmp_path
):
    assert show_secret_plus_one(browser, dev).endswith("42")
    screenshot = os.environ.get("DEBUGGER_SCREENSHOT") or str(tmp_path / "debugger.png")
    assert browser.save_screenshot(screenshot)


def test_after_a_reload_the_same_pin_opens_the_console(dev, browser, views):
    pin = latest_pin(dev.logs("dev"))
    marker = uuid.uuid4().hex
    save_and_wait_for_reload(
        dev, views, views.read_text() + PROBE_VIEW.format(marker=marker)
    )
    serves(dev, "/probe", marker)
    assert latest_pin(dev.logs("dev")) == pin
    assert show_secret_plus_one(browser, dev).endswith("42")


@pytest.mark.parametrize(
    ("breaking", "error"), BREAKAGES.values(), ids=BREAKAGES.keys()
)
def test_an_error_page_then_the_app_at_the_next_navigation(
    dev, browser, views, breaking, error
):
    original = views.read_text()
    save_and_wait_for_reload(dev, views, breaking + original)
    browser.get(dev.url("dev", "/"))
    until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "div.traceback"))
    assert error in browser.page_source
    marker = uuid.uuid4().hex
    save_and_wait_for_reload(dev, views, original + PROBE_VIEW.format(marker=marker))
    browser.get(dev.url("dev", "/probe"))  # once: no refreshing until it works
    assert browser.find_element(By.TAG_NAME, "body").text == marker


def test_a_foreign_host_gets_no_console(dev, browser):
    """A DNS-rebinding page: the traceback, but no console and no PIN."""
    url = dev.url("dev", "/secret").replace("127.0.0.1", FOREIGN_HOST)
    browser.get(url)
    until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "div.traceback"))
    assert browser.execute_script("return EVALEX") is False
    assert browser.find_elements(By.CSS_SELECTOR, "div.frame pre img") == []
    refused = browser.execute_script(
        "return fetch(makeDebugURL({cmd: 'printpin'})).then(r => r.status)"
    )
    assert refused == 400


def test_the_notes_form_posts_in_a_real_browser(dev, browser):
    """The page's own form passes the cross-site check (Chromium sends
    Sec-Fetch-Site and Origin) and its CSP (form-action 'self')."""
    text = f"from the browser {uuid.uuid4().hex[:8]}"
    browser.get(dev.url("dev", "/notes"))
    field = browser.find_element(By.NAME, "text")
    field.send_keys(text + Keys.ENTER)
    # The page's text in one call: the list found on the page being left
    # would be stale by the time its text is read.
    until(browser, lambda b: text in page_text(b))
    assert browser.current_url == dev.url("dev", "/notes")
