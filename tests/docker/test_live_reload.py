"""Live reload in a real browser, against `docker compose up dev`: open
pages follow saves of code, templates and stylesheets, error pages
included, every tab, over one connection (scripts/devreload/livereload.py).

Each check counts the pages the browser loaded (Chromium's network log):
a page that reloaded before the new server served would have shown the
old code and needed a second load, or shown it still.
"""

from __future__ import annotations

import time
import uuid

import pytest
from selenium.webdriver.common.by import By

from tests.docker.browser import page_loads, page_text, start_browser, until
from tests.docker.stack import (
    PROBE_VIEW,
    answers_ok,
    get,
    save_and_wait_for_reload,
    serves,
    wait_for,
    write_in_place,
)

BROKEN_VIEW = """

@bp.get("/broken")
def broken():
    raise RuntimeError("broken on purpose")
"""
BREAKAGES = {
    "syntax error": ("def broken(:\n", "SyntaxError"),
    "import error": ("import no_such_module_here\n", "ModuleNotFoundError"),
}


@pytest.fixture(scope="module")
def dev(new_stack):
    stack = new_stack(project_name="Live Shop")
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


@pytest.fixture
def watching():
    """A headless Chromium that keeps what its tabs load."""
    driver = start_browser(network_log=True)
    yield driver
    driver.quit()


@pytest.fixture
def restored(dev):
    """Files of the project, given back as they were after the test."""
    saved = {}

    def path(relative: str):
        file = dev.path(relative)
        saved.setdefault(file, file.read_text())
        return file

    yield path
    for file, text in saved.items():
        if file.read_text() != text:
            write_in_place(file, text)
    time.sleep(0.5)  # the reload, if any
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=30)


def open_tabs(driver, url: str, count: int) -> list[str]:
    """`count` tabs showing `url`, each connected to the dev server's stream."""
    for index in range(count):
        if index:
            driver.switch_to.new_window("tab")
        driver.get(url)
    time.sleep(0.5)  # their shared connection is made
    page_loads(driver)  # from now on
    return driver.window_handles


def new_probe(dev, views, original: str) -> str:
    """Save a probe view; its marker, once the dev server serves it."""
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)
    return marker


def test_a_code_change_reloads_every_open_tab_once_on_the_new_code(
    dev, watching, restored
):
    views = restored(f"{dev.slug}/views.py")
    original = views.read_text()
    new_probe(dev, views, original)
    url = dev.url("dev", "/probe")
    tabs = open_tabs(watching, url, 3)
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    for tab in tabs:
        watching.switch_to.window(tab)
        until(watching, lambda d: page_text(d) == marker)
    time.sleep(1)  # any second load would show now
    assert page_loads(watching) == [(url, 200)] * 3


def test_open_tabs_share_one_connection_and_an_idle_page_requests_nothing(
    dev, watching
):
    before = dev.logs("dev").count("GET /__livereload/events")
    open_tabs(watching, dev.url("dev", "/"), 3)
    time.sleep(3)
    assert dev.logs("dev").count("GET /__livereload/events") - before == 1
    requests = [
        entry
        for entry in watching.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    assert requests == []


def test_a_template_change_reloads_the_page(dev, watching, restored):
    template = restored(f"{dev.slug}/templates/index.html")
    url = dev.url("dev", "/")
    open_tabs(watching, url, 1)
    marker = uuid.uuid4().hex
    write_in_place(
        template,
        template.read_text().replace(
            "{% endblock %}", f"<p>{marker}</p>\n{{% endblock %}}", 1
        ),
    )
    until(watching, lambda d: marker in page_text(d))
    time.sleep(1)
    assert page_loads(watching) == [(url, 200)]
    assert "refreshing open pages" in dev.logs("dev")


def test_a_stylesheet_change_is_swapped_in_place_without_a_navigation(
    dev, watching, restored
):
    stylesheet = restored(f"{dev.slug}/static/style.css")
    open_tabs(watching, dev.url("dev", "/notes"), 1)
    field = watching.find_element(By.NAME, "text")
    field.send_keys("typed, not sent")
    watching.execute_script("window.beforeTheChange = true")
    write_in_place(
        stylesheet, stylesheet.read_text() + "\nbody { color: rgb(1, 2, 3); }\n"
    )
    until(
        watching,
        lambda d: (
            d.execute_script("return getComputedStyle(document.body).color")
            == "rgb(1, 2, 3)"
        ),
    )
    assert watching.execute_script("return window.beforeTheChange") is True
    assert field.get_attribute("value") == "typed, not sent"
    assert page_loads(watching) == []
    links = watching.find_elements(By.CSS_SELECTOR, "link[rel=stylesheet]")
    assert len(links) == 1  # the old one went once the new one applied


@pytest.mark.parametrize(
    ("breaking", "error"), BREAKAGES.values(), ids=BREAKAGES.keys()
)
def test_the_error_page_of_a_broken_save_shows_then_the_fix_by_itself(
    dev, watching, restored, breaking, error
):
    views = restored(f"{dev.slug}/views.py")
    original = views.read_text()
    new_probe(dev, views, original)
    open_tabs(watching, dev.url("dev", "/probe"), 1)
    write_in_place(views, breaking + original)
    until(watching, lambda d: d.find_elements(By.CSS_SELECTOR, "div.traceback"))
    assert error in watching.page_source
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    until(watching, lambda d: page_text(d) == marker)


def test_the_debuggers_traceback_shows_the_fixed_view_by_itself(
    dev, watching, restored
):
    views = restored(f"{dev.slug}/views.py")
    original = views.read_text()
    save_and_wait_for_reload(dev, views, original + BROKEN_VIEW)
    open_tabs(watching, dev.url("dev", "/broken"), 1)
    assert "broken on purpose" in watching.page_source  # the debugger's page
    marker = uuid.uuid4().hex
    fixed = BROKEN_VIEW.replace('raise RuntimeError("broken on purpose")', "")
    write_in_place(views, original + fixed + f"    return {marker!r}\n")
    until(watching, lambda d: page_text(d) == marker)


def test_the_answer_to_a_form_post_is_reopened_with_a_get_never_posted_again(
    dev, watching, restored
):
    views = restored(f"{dev.slug}/views.py")
    url = dev.url("dev", "/notes")
    open_tabs(watching, url, 1)
    # An empty note: refused with a page of its own (400), as a form post
    # that fails shows its error.
    watching.execute_script(
        "const form = document.createElement('form');"
        "form.method = 'post'; form.action = '/notes';"
        "document.body.append(form); form.submit();"
    )
    until(watching, lambda d: "1 to 500 characters" in page_text(d))
    posts = dev.logs("dev").count('"POST /notes ')
    page_loads(watching)
    save_and_wait_for_reload(dev, views, views.read_text() + "\n# saved\n")
    until(watching, lambda d: "1 to 500 characters" not in page_text(d))
    time.sleep(1)
    assert page_loads(watching) == [(url, 200)]
    assert dev.logs("dev").count('"POST /notes ') == posts


def test_a_page_waits_quietly_while_the_dev_server_is_away_then_reloads_once(
    dev, watching
):
    url = dev.url("dev", "/")
    open_tabs(watching, url, 1)
    dev.compose("stop", "dev")
    time.sleep(5)
    dev.compose("start", "dev")
    assert wait_for(lambda: page_loads(watching), timeout=30) == [(url, 200)]
    time.sleep(2)  # no loop: one load, and no more
    assert page_loads(watching) == []


def test_live_reload_off_serves_no_script_and_no_stream(dev):
    """Last in this module. Set in .env: the dev server starts over with it."""
    as_a_browser = {"Accept": "text/html", "Sec-Fetch-Dest": "document"}
    assert "__livereload" in get(dev.url("dev", "/"), headers=as_a_browser).text
    dev.set_env(LIVE_RELOAD="0")
    page = wait_for(
        lambda: (
            (page := get(dev.url("dev", "/"), headers=as_a_browser)).ok
            and "__livereload" not in page.text
            and page
        ),
        timeout=30,
    )
    assert "<body" in page.text
    assert get(dev.url("dev", "/__livereload/events")).status_code == 404
    assert get(dev.url("dev", "/__livereload/page.js")).status_code == 404
