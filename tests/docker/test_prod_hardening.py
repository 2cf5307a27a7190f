"""Trying to break prod's guarantees from outside, one hostile setting each.

Each test starts its own generated project with one hostile change and
checks, through HTTP and the Docker API, that the guarantee still holds.
"""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
import requests

from tests.conftest import DATABASES
from tests.docker.stack import answers_ok, get, wait_for
from tests.docker.test_prod import (
    assert_no_debug_exposed,
    prod_serving,
    with_crash_route,
)

SLOW_VIEW = """

@bp.get("/slow")
def slow():
    import time

    time.sleep(3)
    return "finished"
"""


def replace(stack, relative: str, old: str, new: str) -> None:
    path = stack.path(relative)
    content = path.read_text()
    assert old in content, f"{old!r} not in {relative}"
    path.write_text(content.replace(old, new))


def env_override(**variables: str) -> str:
    lines = "".join(f'      {key}: "{value}"\n' for key, value in variables.items())
    return f"services:\n  prod:\n    environment:\n{lines}"


def write_flaskenv(stack) -> None:
    """.flaskenv where Flask's dotenv loading would find it: the working
    directory of the container (mounted there) and the package."""
    for where in (".flaskenv", f"{stack.slug}/.flaskenv"):
        stack.path(where).write_text("FLASK_DEBUG=1\n")
    stack.add_override(
        "services:\n  prod:\n    volumes:\n      - ./.flaskenv:/app/.flaskenv:ro\n"
    )


def switch_debug_on_while_serving(stack) -> None:
    stack.append(
        f"{stack.slug}/views.py",
        "\n\n@bp.before_app_request\ndef switch_debug_on():\n"
        "    from flask import current_app\n\n    current_app.debug = True\n",
    )


FLASKENV_IN_THE_CONTAINER = (
    "test -f /app/.flaskenv && test -f /app/*/.flaskenv && echo found"
)
# Each turns debug on in one way a user or their code might; with what must
# then be in the container (`env`, or a shell test), to prove the attempt was
# made, and the warning prod logs (None: it has no effect to warn about).
DEBUG_SWITCHES = {
    "FLASK_DEBUG=1 in the environment": (
        lambda s: s.add_override(env_override(FLASK_DEBUG="1")),
        "env", ["FLASK_DEBUG=1"], "FLASK_DEBUG is set: ignored",
    ),
    "FLASK_DEBUG=1 in .env": (
        lambda s: s.set_env(FLASK_DEBUG="1"),
        "env", ["FLASK_DEBUG=1"], "FLASK_DEBUG is set: ignored",
    ),
    "DEBUG, FLASK_ENV, FLASK_TESTING in the environment": (
        lambda s: s.add_override(
            env_override(DEBUG="1", FLASK_ENV="development", FLASK_TESTING="1")
        ),
        "env", ["DEBUG=1", "FLASK_ENV=development", "FLASK_TESTING=1"],
        "FLASK_TESTING is set: ignored",
    ),
    ".flaskenv with FLASK_DEBUG=1": (
        write_flaskenv, FLASKENV_IN_THE_CONTAINER, ["found"], None,
    ),
    "DEBUG = True in the config module": (
        lambda s: replace(
            s,
            f"{s.slug}/config.py",
            "    SECRET_KEY = None\n",
            "    SECRET_KEY = None\n    DEBUG = True\n",
        ),
        "env", [], "DEBUG = True in config.py: ignored",
    ),
    "app.debug = True in the app factory": (
        lambda s: replace(
            s,
            f"{s.slug}/__init__.py",
            "    return app\n",
            '    app.debug = True\n    app.config["DEBUG"] = True\n    return app\n',
        ),
        "env", [], "debug/testing was on (set by the app's code): forced off",
    ),
    "app.debug = True while serving": (switch_debug_on_while_serving, "env", [], None),
}  # fmt: skip


@pytest.mark.parametrize(
    ("switch", "look", "in_the_container", "warning"),
    DEBUG_SWITCHES.values(),
    ids=DEBUG_SWITCHES.keys(),
)
def test_debug_stays_off(new_stack, switch, look, in_the_container, warning):
    stack = with_crash_route(new_stack())
    switch(stack)
    with prod_serving(stack):
        command = ["env"] if look == "env" else ["sh", "-c", look]
        seen = stack.compose("exec", "-T", "prod", *command).stdout.splitlines()
        assert set(in_the_container) <= set(seen)
        get(stack.url("prod"))  # a first request, for the run-time switch
        serving = switch is switch_debug_on_while_serving  # on, with no effect
        assert_no_debug_exposed(stack, debug_flag_off=not serving)
        if warning:  # logged by the production app, in prod (and migrate)
            logs = "".join(map(stack.logs, stack.services("prod")))
            assert warning in logs


def refuses_to_start(stack, message: str, service: str = "prod") -> str:
    """Start `service`; expect it never to serve, and `message` in its log
    or, with a database, in the log of `migrate`, which builds the same
    production app first (prod then never starts)."""
    profile = ["--profile", "prod"] if service == "prod" else []
    sources = [service, "migrate"] if service == "prod" else [service]
    try:
        stack.compose(*profile, "up", "--build", "--detach", service, check=False)
        logs = wait_for(
            lambda: message in (text := "".join(map(stack.logs, sources))) and text,
            timeout=60,
        )
        assert not answers_ok(stack.url(service, "/healthz"))
        created = stack.compose(*profile, "ps", "--all", "-q", service).stdout.strip()
        if created:
            state = stack.container(service).attrs["State"]
            assert state.get("Health", {}).get("Status") != "healthy"
        return logs
    finally:
        stack.down()


KEY_ADVICE = "secrets.token_urlsafe"


@pytest.mark.parametrize(
    ("secret_key", "message"),
    [
        (None, "SECRET_KEY is not set"),
        ("", "SECRET_KEY is not set"),
        ("change-me", "SECRET_KEY is a published placeholder"),
        ("too-short-1234", "SECRET_KEY is too short"),
    ],
    ids=["missing", "empty", "placeholder from .env.example", "short"],
)
@pytest.mark.parametrize("database", DATABASES)  # migrate refuses, or gunicorn
def test_prod_refuses_a_weak_secret_key(new_stack, secret_key, message, database):
    stack = new_stack(database=database)
    if secret_key is None:
        stack.unset_env("SECRET_KEY")
    else:
        stack.set_env(SECRET_KEY=secret_key)
    assert KEY_ADVICE in refuses_to_start(stack, message)


PASSWORD_ADVICE = "Set POSTGRES_PASSWORD in .env"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("changeme", "the database password is a published placeholder"),
        ("Postgres", "the database password is a published placeholder"),
        ("short-but-0dd", "the database password is too short"),
    ],
    ids=["placeholder", "placeholder, other case", "short"],
)
def test_prod_refuses_a_weak_database_password(new_stack, password, message):
    stack = new_stack()
    stack.set_env(POSTGRES_PASSWORD=password)
    logs = refuses_to_start(stack, message)
    assert PASSWORD_ADVICE in logs
    assert password not in logs


# A refused start, word for word: one line per problem, and nothing more.
KEY_NOT_SET = (
    "Refusing to start: SECRET_KEY is not set. Set SECRET_KEY in .env to a "
    "random value of at least 32 characters, for example the output of: "
    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
)
PASSWORD_TOO_SHORT = (
    "Refusing to start: the database password is too short. Set "
    "POSTGRES_PASSWORD in .env to a random value of at least 16 characters "
    "(the generator wrote one), for example the output of: "
    'python -c "import secrets; print(secrets.token_urlsafe(32))"'
)


def printed_by(service: str, output: str) -> list[str]:
    """What `service` printed, in the output of a foreground `up`."""
    return re.findall(rf"^{service}-1 +\| (.*)$", output, re.MULTILINE)


def printed_by_the_container(output: str) -> list[str]:
    """What the container printed, in the output of `docker compose run`
    (Compose's own lines start with a space: " Container ... Running")."""
    return [line for line in output.splitlines() if line and line[0] != " "]


@pytest.mark.parametrize("database", DATABASES)
def test_a_refused_start_says_each_problem_in_one_line_and_no_traceback(
    new_stack, database
):
    """Started in the foreground, as a user would: `migrate` (the flask
    command) refuses first, with every problem; gunicorn, started alone,
    says the same. Nothing else, and a non-zero exit code."""
    stack = new_stack(database=database)
    stack.unset_env("SECRET_KEY")
    problems = [KEY_NOT_SET]
    if stack.has_database:
        stack.set_env(POSTGRES_PASSWORD="short-but-0dd")
        problems.append(PASSWORD_TOO_SHORT)
    try:
        if stack.has_database:
            up = stack.compose("--profile", "prod", "up", "--build", check=False)
            assert up.returncode != 0
            assert printed_by("migrate", up.stdout + up.stderr) == problems
            assert "Traceback" not in up.stdout + up.stderr
        else:  # prod would restart and refuse again (restart: unless-stopped)
            stack.compose("--profile", "prod", "build", "prod")
        gunicorn = stack.compose(
            "--profile", "prod", "run", "--rm", "--no-deps", "prod", check=False
        )
        assert gunicorn.returncode == 1
        assert printed_by_the_container(gunicorn.stdout + gunicorn.stderr) == problems
        assert "Traceback" not in gunicorn.stdout + gunicorn.stderr
    finally:
        stack.down()


def test_no_database_password_at_all_stops_compose_itself(new_stack):
    stack = new_stack()
    stack.set_env(POSTGRES_PASSWORD="")
    for profile in ("dev", "prod"):
        up = stack.compose("--profile", profile, "up", "--detach", check=False)
        assert up.returncode != 0
        assert "POSTGRES_PASSWORD" in up.stderr
        assert "scripts/make_env.py" in up.stderr
    assert stack.leftovers() == []


@pytest.mark.parametrize("database", DATABASES)
def test_prod_refuses_the_debugger_middleware_in_the_app(new_stack, database):
    stack = new_stack(database=database)
    stack.append(
        f"{stack.slug}/wsgi.py",
        "\nfrom werkzeug.debug import DebuggedApplication\n\n"
        "app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)\n",
    )
    refuses_to_start(stack, "Werkzeug debugger middleware")


def test_prod_refuses_the_debugger_middleware_around_the_app(new_stack):
    stack = new_stack()
    stack.append(
        f"{stack.slug}/wsgi.py",
        "\nfrom werkzeug.debug import DebuggedApplication\n\n"
        "app = DebuggedApplication(app, evalex=True)\n",
    )
    refuses_to_start(stack, "Werkzeug debugger middleware")


def test_prod_refuses_gunicorn_reload(new_stack):
    stack = new_stack()
    stack.set_env(GUNICORN_CMD_ARGS="--reload")
    refuses_to_start(stack, "gunicorn --reload is for development only")


def test_dev_refuses_to_disable_the_debugger_pin(new_stack):
    stack = new_stack()
    stack.add_override(
        'services:\n  dev:\n    environment:\n      WERKZEUG_DEBUG_PIN: "off"\n'
    )
    refuses_to_start(stack, "Refusing to start: WERKZEUG_DEBUG_PIN=off", "dev")


def test_prod_stops_gracefully_without_losing_a_request(new_stack):
    stack = new_stack()
    stack.append(f"{stack.slug}/views.py", SLOW_VIEW)
    with prod_serving(stack):
        result = {}

        def slow_request():
            url = stack.url("prod", "/slow")
            try:
                result["response"] = requests.get(url, timeout=20)
            except requests.RequestException as error:  # seen below, not lost
                result["response"] = error

        in_flight = threading.Thread(target=slow_request)
        in_flight.start()
        # The request is inside a worker once gunicorn's worker holds its
        # connection: wait for the established socket on port 8000.
        wait_for(lambda: established_connections(stack) > 0, timeout=10, pause=0.05)
        started = time.monotonic()
        stack.compose("stop", "prod")
        stop_seconds = time.monotonic() - started
        in_flight.join()

        assert isinstance(result["response"], requests.Response), result["response"]
        assert result["response"].status_code == 200
        assert result["response"].text == "finished"
        assert stop_seconds < 10
        state = stack.container("prod").attrs["State"]
        assert state["Running"] is False
        assert state["ExitCode"] == 0


ESTABLISHED = """
import sys
count = 0
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        local, state = line.split()[1], line.split()[3]
        count += local.endswith(":1F40") and state == "01"  # :8000, established
print(count)
"""


def established_connections(stack) -> int:
    """Connections to gunicorn's port inside the prod container."""
    result = stack.compose("exec", "-T", "prod", "python", "-c", ESTABLISHED)
    return int(result.stdout)


def test_dev_stops_quickly(new_stack):
    stack = new_stack()
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        started = time.monotonic()
        stack.compose("stop", "dev")
        assert time.monotonic() - started < 5
        assert stack.container("dev").attrs["State"]["ExitCode"] == 0


def raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


BAD_REQUESTS = {
    "garbage request line": b"GARBAGE\r\n\r\n",
    "unknown method": b"FOO / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "method not allowed": b"DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "lowercase method": b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad HTTP version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "huge header": b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    "too many headers": b"GET / HTTP/1.1\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    + b"\r\n",
    "huge URL": b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad Content-Length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "invalid header name": b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
}


@pytest.fixture(scope="module")
def plain_prod(new_stack):
    stack = new_stack()
    with prod_serving(stack):
        yield stack


@pytest.mark.parametrize("request_bytes", BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_bad_requests_get_a_4xx_and_no_traceback(plain_prod, request_bytes):
    answer = raw_http(plain_prod.prod_port, request_bytes)
    status_line = answer.split(b"\r\n", 1)[0]
    status = int(status_line.split()[1])
    assert 400 <= status < 500, status_line
    assert b"Traceback" not in answer
    assert answers_ok(plain_prod.url("prod", "/healthz"))
    assert "Traceback" not in plain_prod.logs("prod")


REMEMBER_VIEW = """

@bp.get("/remember")
def remember():
    from flask import session

    session["seen"] = True
    return "remembered"
"""


@pytest.fixture(scope="module")
def proxied_prod(new_stack):
    """Prod behind one TLS-terminating proxy, as the README says to declare it."""
    stack = new_stack()
    stack.append(f"{stack.slug}/views.py", REMEMBER_VIEW)
    stack.set_env(PROXY_COUNT="1", FORWARDED_ALLOW_IPS="*")
    with prod_serving(stack):
        yield stack


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_behind_a_tls_proxy_hsts_and_secure_cookies_follow_the_scheme(
    proxied_prod, scheme
):
    response = get(
        proxied_prod.url("prod", "/remember"), headers={"X-Forwarded-Proto": scheme}
    )
    assert response.text == "remembered"
    over_tls = scheme == "https"
    assert ("Strict-Transport-Security" in response.headers) is over_tls
    assert ("Secure" in response.headers["Set-Cookie"]) is over_tls
