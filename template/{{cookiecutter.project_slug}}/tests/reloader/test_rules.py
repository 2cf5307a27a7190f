"""Which files matter and which directories are skipped (rules.py)."""

import pytest
from devreload.rules import BROWSER, FROM_SCRATCH, REBUILD, RESTART, Rules

RULES = Rules(["/app"], include=["*.yaml"], exclude=["data"])


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("views.py", RESTART),
        ("pyproject.toml", RESTART),
        ("settings.yaml", RESTART),  # RELOADER_INCLUDE
        (".env", FROM_SCRATCH),
        (".flaskenv", FROM_SCRATCH),
        ("uv.lock", REBUILD),
        ("Dockerfile", REBUILD),
        ("index.html", None),
        ("style.css", None),
        (".views.py.swp", None),
        ("views.py~", None),
        (".#views.py", None),
        ("#views.py#", None),
        ("views.py___jb_tmp___", None),
        ("4913", None),
        ("views.tmp", None),
    ],
)
def test_file_kinds(name, kind):
    assert RULES.kind(f"/app/{name}") == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("templates/index.html", BROWSER),
        ("static/style.css", BROWSER),
        ("static/app.js", BROWSER),
        ("static/logo.svg", BROWSER),
        ("pkg/templates/mail/welcome.j2", BROWSER),
        ("views.py", RESTART),
        ("templates/.index.html.swp", None),
        ("notes.md", None),
        ("docs/index.html", None),  # not a template folder
        ("test-results/shot.png", None),
    ],
)
def test_with_live_reload_templates_and_static_files_are_the_browsers(name, kind):
    assert Rules(["/app"], browser=True).kind(f"/app/{name}") == kind


@pytest.mark.parametrize(
    ("path", "skipped"),
    [
        ("/app/.git", True),
        ("/app/pkg/__pycache__", True),
        ("/app/frontend/node_modules", True),
        ("/app/.venv", True),
        ("/app/sub/.venv", True),
        ("/app/data", True),  # RELOADER_EXCLUDE
        ("/app/build", True),
        ("/app/dist", True),
        ("/app/instance", True),
        ("/app/pkg/build", False),  # a package may be called so
        ("/app/pkg/instance", False),
        ("/app/env", False),  # a virtualenv only if it holds pyvenv.cfg
        ("/app/pkg", False),
    ],
)
def test_skipped_directories(path, skipped):
    assert RULES.skips_dir(path) is skipped


def test_marker_files_mark_virtualenvs_and_caches():
    assert Rules.marks_skipped(["bin", "lib", "pyvenv.cfg"])
    assert Rules.marks_skipped(["CACHEDIR.TAG", "v"])
    assert not Rules.marks_skipped(["__init__.py", "views.py"])
