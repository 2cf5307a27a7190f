"""The prod service: gunicorn, debug forced off, SECRET_KEY required."""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from tests.conftest import DATABASES
from tests.docker.stack import Load, answers_ok, get, wait_for

BOOM_VIEW = """

@bp.get("/boom")
def boom():
    raise RuntimeError("secret detail from a test")


@bp.get("/debug-flag")
def debug_flag():
    from flask import current_app

    return {"debug": current_app.debug}
"""
PROD_UP = "--profile prod up --build --wait --wait-timeout 120"  # until healthy


@contextlib.contextmanager
def prod_serving(stack):
    """`docker compose --profile prod up`, until prod answers: sooner than
    `--wait`, which waits for the healthcheck's first run, 10 s in."""
    with stack.running("--profile prod up --build --detach prod"):
        wait_for(lambda: answers_ok(stack.url("prod", "/healthz")), timeout=120)
        yield stack


def with_crash_route(stack):
    stack.append(f"{stack.slug}/views.py", BOOM_VIEW)
    return stack


def app_debug_flag(stack) -> bool:
    """app.debug of the production app, as the serving process has it."""
    return get(stack.url("prod", "/debug-flag")).json()["debug"]


def assert_no_debug_exposed(stack, debug_flag_off: bool = True) -> None:
    response = get(stack.url("prod", "/boom"))
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    for leak in ("Traceback", "secret detail", "Werkzeug Debugger", "__debugger__"):
        assert leak not in response.text
    debugger_asset = get(
        stack.url("prod", "/?__debugger__=yes&cmd=resource&f=debugger.js")
    )
    assert "Werkzeug" not in debugger_asset.text
    if debug_flag_off:  # code that sets it while serving can't be undone
        assert app_debug_flag(stack) is False


@pytest.fixture(scope="module", params=DATABASES)
def prod(new_stack, request):
    stack = new_stack(project_name="Prod Shop", database=request.param)
    stack = with_crash_route(stack)
    stack.set_env(LIVE_RELOAD="1")  # dev only, whatever the environment says
    with stack.running(PROD_UP):
        yield stack


def test_prod_serves_through_gunicorn(prod):
    response = get(prod.url("prod"))
    assert response.status_code == 200
    assert "Prod Shop" in response.text
    assert response.headers["Server"].startswith("gunicorn")
    assert get(prod.url("prod", "/healthz")).json() == {"status": "ok"}
    # The log says where to open it, as dev's banner does.
    assert f"Serving on http://127.0.0.1:{prod.prod_port}" in prod.logs("prod")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/boom", "/static/style.css"])
def test_every_answer_carries_the_security_headers(prod, path):
    # X-Forwarded-Proto from a client prod does not trust (PROXY_COUNT unset):
    # plain HTTP all the same, so no HSTS.
    response = get(prod.url("prod", path), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code in (200, 404, 500)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "Strict-Transport-Security" not in response.headers


def test_profile_prod_starts_no_dev_service(prod):
    assert prod.services_running() == prod.services("prod")


def test_prod_hides_errors(prod):
    assert_no_debug_exposed(prod)


def test_the_500_page_in_a_browser_loads_nothing_and_runs_no_script(prod, browser):
    browser.get(prod.url("prod", "/boom"))
    assert "Internal Server Error" in browser.page_source
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
    )
    # Nothing the page asked for (the browser asks for a favicon by itself).
    assert [url for url in loaded if not url.endswith("/favicon.ico")] == []
    assert browser.execute_script("return document.scripts.length") == 0
    assert "__debugger__" not in browser.page_source


def test_prod_serves_no_live_reload_script_nor_its_stream(prod, browser):
    assert run_in(prod, "printenv", "LIVE_RELOAD") == "1"
    as_a_browser = {"Accept": "text/html", "Sec-Fetch-Dest": "document"}
    assert "__livereload" not in get(prod.url("prod"), headers=as_a_browser).text
    for path in ("/__livereload/events", "/__livereload/page.js"):
        assert get(prod.url("prod", path)).status_code == 404
    browser.get(prod.url("prod", "/"))
    assert "Prod Shop" in browser.title
    sources = browser.execute_script(
        "return [...document.scripts].map(s => s.src || s.text)"
    )
    assert sources == []
    assert "__livereload" not in browser.page_source


def run_in(stack, *command: str) -> str:
    return stack.compose("exec", "-T", "prod", *command).stdout.strip()


def test_prod_runs_as_a_non_root_user(prod):
    assert prod.container("prod").attrs["Config"]["User"] == "app"
    assert run_in(prod, "id", "-u") == "10001"


def test_prod_root_filesystem_is_read_only(prod):
    assert prod.container("prod").attrs["HostConfig"]["ReadonlyRootfs"] is True
    attempt = prod.compose(
        "exec", "-T", "prod", "python", "-c", "open('/app/written', 'w')", check=False
    )
    assert attempt.returncode != 0
    assert "Read-only file system" in attempt.stderr + attempt.stdout
    assert run_in(prod, "python", "-c", "open('/tmp/ok', 'w'); print('ok')") == "ok"
    # /tmp is in memory: a tmpfs, not a writable layer.
    mounts = [line.split() for line in run_in(prod, "cat", "/proc/mounts").splitlines()]
    assert [fs for _, where, fs, *_ in mounts if where == "/tmp"] == ["tmpfs"]


def test_prod_has_no_capabilities_and_no_new_privileges(prod):
    host_config = prod.container("prod").attrs["HostConfig"]
    assert host_config["CapDrop"] == ["ALL"]
    assert not host_config["CapAdd"]
    assert "no-new-privileges:true" in host_config["SecurityOpt"]
    status = run_in(prod, "cat", "/proc/1/status")
    assert "CapEff:\t0000000000000000" in status
    assert "NoNewPrivs:\t1" in status


def test_prod_mounts_no_sources(prod):
    mounts = prod.container("prod").attrs["Mounts"]
    assert [m for m in mounts if m["Type"] == "bind"] == []


def test_prod_image_holds_only_what_runs(prod):
    migrations = {"migrations"} if prod.has_database else set()
    assert set(run_in(prod, "ls", "-A", "/app").split()) == {
        "compose",  # gunicorn.conf.py
        "scripts",
        prod.slug,
        *migrations,  # for `migrate`, which runs this image
    }
    assert run_in(prod, "ls", "/app/scripts") == "healthcheck.py"
    found = run_in(
        prod,
        "python",
        "-c",
        "import importlib.util as u; names = ('debugpy', 'pytest', 'ruff', 'dotenv'); "
        "print([name for name in names if u.find_spec(name)])",
    )
    # python-dotenv is a runtime dependency (flask CLI); the dev tools are not.
    assert found == "['dotenv']"
    # uv installed the dependencies without leaving itself behind.
    left = "command -v uv; ls -d /uv /opt/uv /root/.cache/uv 2>/dev/null; true"
    assert run_in(prod, "sh", "-c", left) == ""
    assert run_in(prod, "find", "/app", "-name", ".env*", "-o", "-name", ".git") == ""


def test_the_installed_packages_are_bytecode_from_the_build(prod):
    """Nothing writes .pyc files at run time (read-only, and
    PYTHONDONTWRITEBYTECODE): compiled at build, or every start compiles
    each library it imports from source."""
    check = "import flask, os; print(os.path.exists(flask.__cached__))"
    assert run_in(prod, "python", "-c", check) == "True"


def test_prod_is_healthy_and_restarts(prod):
    attrs = prod.container("prod").attrs
    assert attrs["State"]["Health"]["Status"] == "healthy"
    assert attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"


def test_prod_port_is_published_on_loopback_only(prod):
    bindings = prod.container("prod").attrs["NetworkSettings"]["Ports"]["8000/tcp"]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}


def test_the_prod_log_is_quiet_and_useful(prod):
    marker = uuid.uuid4().hex
    for path in ("/healthz", "/readyz", f"/?seen={marker}", "/healthz"):
        get(prod.url("prod", path))
    # The healthcheck has probed it every 10 s since the start, too.
    logs = wait_for(lambda: marker in (text := prod.logs("prod")) and text)
    assert "Control server error" not in logs
    assert "Read-only file system" not in logs
    assert logs.count(f"GET /?seen={marker} HTTP/1.1") == 1  # one line a request
    for probe in ("GET /healthz", "GET /readyz"):
        assert probe not in logs


def test_a_graceful_reload_of_the_workers_fails_no_request(prod):
    before = prod.logs("prod").count("Booting worker")
    with Load(prod.url("prod", "/")).running() as load:
        time.sleep(1)
        prod.compose("--profile", "prod", "kill", "-s", "HUP", "prod")
        wait_for(lambda: prod.logs("prod").count("Booting worker") > before)
        time.sleep(2)
    assert load.failures == []
    assert len(load.answers) > 20
    assert "Hang up" in prod.logs("prod")
    assert prod.container("prod").attrs["State"]["Running"] is True
