"""The dev service: debug server, debugger, bind mount and polling reloader."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATABASES
from tests.docker.locks import UV_VERSION
from tests.docker.stack import (
    get,
    shows_error_until_fixed,
    wait_for,
    write_in_place,
)

BOOM_VIEW = """

@bp.get("/boom")
def boom():
    raise RuntimeError("boom from a test")
"""


@pytest.fixture(scope="module", params=DATABASES)
def dev(new_stack, request):
    stack = new_stack(project_name="Dev Shop", database=request.param)
    # Plain `up`, no service named: COMPOSE_PROFILES=dev in .env selects dev.
    with stack.running("up --build --wait --wait-timeout 120"):
        yield stack


def test_plain_up_starts_dev_only(dev):
    assert dev.services_running() == dev.services("dev")


def test_dev_serves_the_app(dev):
    response = get(dev.url("dev"))
    assert response.status_code == 200
    assert "Dev Shop" in response.text
    assert get(dev.url("dev", "/healthz")).json() == {"status": "ok"}


def test_dev_container_is_healthy_and_in_debug_mode(dev):
    container = dev.container("dev")
    assert container.attrs["State"]["Health"]["Status"] == "healthy"
    assert "Debugger is active" in dev.logs("dev")


def test_exception_shows_the_werkzeug_debugger(dev, views):
    write_in_place(views, views.read_text() + BOOM_VIEW)
    page = wait_for(
        lambda: (r := get(dev.url("dev", "/boom"))).status_code == 500 and r.text
    )
    assert "Werkzeug Debugger" in page
    assert "RuntimeError: boom from a test" in page
    assert "Traceback" in page


def test_syntax_error_keeps_the_server_up_and_a_fix_recovers(dev, views):
    page = shows_error_until_fixed(dev, views, "def broken(:\n")
    assert "SyntaxError" in page
    assert get(dev.url("dev")).status_code == 200


def test_flask_cli_works_in_the_container(dev):
    routes = dev.compose("exec", "-T", "dev", "flask", "routes").stdout
    assert "main.index" in routes
    assert "main.health" in routes


def test_dev_has_the_uv_of_the_dockerfile(dev):
    """uv stays in dev (for `uv add`), from the image the Dockerfile names
    (uv's official one, or the stand-in scripts/setup-docker.sh builds)."""
    version = dev.compose("exec", "-T", "dev", "uv", "--version").stdout
    assert version.startswith(f"uv {UV_VERSION} "), version
    where = dev.compose("exec", "-T", "dev", "sh", "-c", "command -v uv")
    assert where.stdout.strip() == "/usr/local/bin/uv"


def run_in_dev_image(dev, *command: str):
    """A one-off command in a new dev container, as `docker compose run` does
    (with the database it depends on, if any: the tests use it)."""
    return dev.compose("run", "--rm", "-T", "dev", *command, check=False)


def test_generated_project_suite_passes_in_the_dev_image(dev):
    result = run_in_dev_image(dev, "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


def test_generated_project_is_lint_clean(dev):
    for check in (["check"], ["format", "--check"]):
        result = run_in_dev_image(dev, "ruff", *check, "--no-cache", ".")
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_readmes_test_commands_print_the_tests_only(dev):
    """As written in the README (with -T: no terminal here): no build output
    before pytest's own."""
    readme = dev.path("README.md").read_text()
    commands = re.findall(r"docker compose ((?:exec|run)[^`\n#]*? dev pytest)", readme)
    assert {command.split()[0] for command in commands} == {"exec", "run"}
    for command in commands:
        verb, *rest = command.split()
        result = dev.compose(verb, "-T", *rest, "-q", "-p", "no:cacheprovider")
        output = result.stdout + result.stderr
        assert " passed" in output
        assert "#1 [" not in output and "Building" not in output, output[:2000]


def test_dev_port_is_published_on_loopback_only(dev):
    bindings = dev.container("dev").attrs["NetworkSettings"]["Ports"]["5000/tcp"]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}


def test_the_start_banner_shows_the_address_to_open(dev):
    assert f"Serving on http://127.0.0.1:{dev.dev_port} (" in dev.logs("dev")


def test_healthchecks_stay_out_of_the_log(dev):
    # `up --wait` returned once the container was healthy: the healthcheck ran.
    assert dev.container("dev").attrs["State"]["Health"]["Log"]
    get(dev.url("dev", "/"))
    log = dev.logs("dev")
    assert '"GET / HTTP/1.1" 200' in log
    assert "/healthz" not in log
