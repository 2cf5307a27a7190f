"""Which modules are watched or preloaded, and fork safety (modules.py)."""

import subprocess
import sys
import types
from pathlib import Path

import pytest
from devreload.modules import installed_dirs, split_modules

SITE = "/opt/venv/lib/python3.13/site-packages/"
DIRS = ("/usr/lib/python3.13/", SITE)
SCRIPTS = Path(__file__).parents[2] / "scripts"


def module(path):
    return types.SimpleNamespace(__file__=path)


def test_installed_modules_are_preloaded_and_all_others_watched():
    watched, installed = split_modules(
        {
            "flask": module(SITE + "flask/__init__.py"),
            "json": module("/usr/lib/python3.13/json/__init__.py"),
            "shop.views": module("/app/shop/views.py"),
            "sibling": module("/src/sibling/sibling/__init__.py"),  # editable
            "extra": module("/opt/pythonpath/extra.py"),  # PYTHONPATH
            "sys": types.SimpleNamespace(),  # built in
        },
        DIRS,
    )
    assert sorted(installed) == ["flask", "json"]
    assert sorted(watched) == [
        "/app/shop/views.py",
        "/opt/pythonpath/extra.py",
        "/src/sibling/sibling/__init__.py",
    ]


def test_an_in_project_virtualenv_is_installed_not_project_code():
    dirs = ("/usr/lib/python3.13/", "/app/.venv/lib/python3.13/site-packages/")
    watched, installed = split_modules(
        {
            "flask": module("/app/.venv/lib/python3.13/site-packages/flask/app.py"),
            "shop": module("/app/shop/__init__.py"),
        },
        dirs,
    )
    assert installed == ["flask"]
    assert watched == ["/app/shop/__init__.py"]


def test_this_interpreters_own_directories_are_installed():
    dirs = installed_dirs()
    assert any(pytest.__file__.startswith(d) for d in dirs)
    assert any(subprocess.__file__.startswith(d) for d in dirs)


HAZARDS = {
    "nothing": ("", "None"),
    # A thread started outside `threading`, as C libraries do (BLAS, gRPC):
    # threading.active_count() does not count it.
    "a thread started in C": (
        "import _thread, time; _thread.start_new_thread(time.sleep, (30,))",
        "1 thread running",
    ),
    "open sockets": ("import socket; kept = socket.socketpair()", "2 sockets open"),
    "its own sockets": (
        "import socket; kept = socket.socketpair(); own = {s.fileno() for s in kept}",
        "None",
    ),
    # The debugger's (DEBUGPY=1), there before any module is preloaded.
    "its own threads": (
        "import _thread, time; _thread.start_new_thread(time.sleep, (30,)); "
        "time.sleep(0.1); from devreload.modules import thread_ids; "
        "own_threads = thread_ids()",
        "None",
    ),
}


@pytest.mark.parametrize(("opened", "found"), HAZARDS.values(), ids=HAZARDS.keys())
def test_fork_hazards_are_what_the_process_really_holds(opened, found):
    code = (
        f"{opened}\nfrom devreload.modules import fork_hazards\n"
        "print(fork_hazards(globals().get('own', set()), "
        "globals().get('own_threads', set())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=SCRIPTS,
    )
    assert result.stdout.strip() == found
