"""Generating projects through cookiecutter's API, as `cookiecutter <repo>` does."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException, UndefinedVariableInTemplate
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import OPTIONS, REPO_ROOT, TEMPLATE_DIR, generate_project

sys.path.insert(0, str(TEMPLATE_DIR))
from local_extensions import SUPPORTED_PYTHON  # noqa: E402

NASTY_NAMES = [
    "My Flask App",
    'Bob\'s "Quoted" Shop',
    "Fish & Chips <Ltd>",
    "Café Ünïcödé Straße",
    "日本語のアプリ",
    "Emoji 🚀 Rocket 😀",
    "<script>alert(1)</script>",
    "$(rm -rf /) `id` ${HOME}",
    'back\\slash """triple""" \'\'\'',
    "# not a comment: [section] key = value",
    "{{ 7 * 7 }}",
    "x" * 200,
]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def files_of(project: Path, *suffixes: str) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and p.name.endswith(suffixes)]


class ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's merge tags (!reset, !override)."""


for _tag in ("!reset", "!override"):
    ComposeLoader.add_constructor(_tag, lambda loader, node: None)


def assert_files_parse(project: Path) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", project.name)
    for path in files_of(project, ".py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for path in files_of(project, ".toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))
    for path in files_of(project, ".yml", ".yaml"):
        list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=ComposeLoader))  # noqa: S506 - a safe loader
    for path in files_of(project, ".json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_defaults(generate):
    project = generate()
    assert project.name == "my_flask_app"
    for path in [
        "Dockerfile",
        "docker-compose.yml",
        "compose/gunicorn.conf.py",
        "scripts/devserver.py",
        "my_flask_app/__init__.py",
        "my_flask_app/views.py",
        "my_flask_app/config.py",
        "tests/test_views.py",
        "pyproject.toml",
        "uv.lock",
        ".env.example",
        ".dockerignore",
        ".gitignore",
        "README.md",
    ]:
        assert (project / path).is_file(), path
    dockerfile = (project / "Dockerfile").read_text()
    assert "FROM python:3.13-slim AS python-slim" in dockerfile
    assert "FROM ${PYTHON_IMAGE} AS base" in dockerfile
    assert re.search(r"^FROM ghcr\.io/astral-sh/uv:\S+ AS uv$", dockerfile, re.M)
    assert not (project / "compose/uv").exists()  # no installer of its own
    assert not (project / "requirements").exists()
    assert not (project / ".locks").exists()


DATABASE_FILES = [
    "my_flask_app/database.py",
    "my_flask_app/extensions.py",
    "my_flask_app/models.py",
    "my_flask_app/notes.py",
    "my_flask_app/templates/notes.html",
    "migrations/env.py",
    "compose/postgres.yml",
    "scripts/db-backup.sh",
    "scripts/db-restore.sh",
    "tests/database/conftest.py",
]


def test_a_database_by_default(generate):
    project = generate()
    for path in DATABASE_FILES:
        assert (project / path).is_file(), path
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    assert compose["include"] == ["compose/postgres.yml"]
    database = yaml.safe_load((project / "compose/postgres.yml").read_text())
    assert set(database["services"]) == {"db", "prod-db", "migrate"}
    env = (project / ".env").read_text()
    password = re.search(r"^POSTGRES_PASSWORD=(.+)$", env, re.M).group(1)
    assert len(password) >= 32
    assert password not in (project / ".env.example").read_text()


WORKER_FILES = [
    "my_flask_app/worker.py",
    "my_flask_app/jobs.py",
    "compose/celery.yml",
    "scripts/devworker.py",
    "tests/worker",
    "tests/database/test_jobs.py",
]
SHARED_FILES = [
    "pyproject.toml",
    "docker-compose.yml",
    ".env",
    "compose/dev.env",
    "compose/prod.env",
    "my_flask_app/__init__.py",
    "deploy/stack.yml",
    "deploy/kubernetes.yml",
    "README.md",
]


def test_without_a_worker_nothing_of_celery_is_generated(generate):
    project = generate()  # worker=none, the default
    for path in WORKER_FILES:
        assert not (project / path).exists(), path
    for path in SHARED_FILES:
        text = (project / path).read_text().lower()
        assert "celery" not in text and "broker" not in text, path


def test_with_a_worker_the_celery_files_and_a_broker_password(generate):
    project = generate(worker="celery")
    compose = yaml.safe_load((project / "compose" / "celery.yml").read_text())
    assert set(compose["services"]) == {
        "broker",
        "prod-broker",
        "dev-worker",
        "prod-worker",
    }
    env = (project / ".env").read_text()
    password = re.search(r"^BROKER_PASSWORD=(.+)$", env, re.M).group(1)
    assert len(password) >= 32
    assert "compose/celery.yml" in (project / "docker-compose.yml").read_text()


def test_without_a_database_the_project_is_stateless(generate):
    project = generate(database="none")
    for path in DATABASE_FILES:
        assert not (project / path).exists(), path
    assert not (project / "tests" / "database").exists()
    compose = (project / "docker-compose.yml").read_text()
    assert set(yaml.safe_load(compose)["services"]) == {"dev", "prod"}
    for text in (compose, (project / "pyproject.toml").read_text()):
        assert "postgres" not in text.lower()
    assert "POSTGRES" not in (project / ".env").read_text()
    assert "database" not in (project / "my_flask_app" / "__init__.py").read_text()


@pytest.mark.parametrize(("database", "worker"), OPTIONS)
def test_the_readme_renders_as_markdown_in_each_variant(generate, database, worker):
    readme = (generate(database=database, worker=worker) / "README.md").read_text()
    lines = readme.splitlines()
    assert readme.count("```") % 2 == 0
    for index, line in enumerate(lines):
        assert "```#" not in line, line  # a block tag ate a line break
        if line.startswith("#") and index:
            assert lines[index - 1] == "", f"no blank line before {line!r}"
    assert ("## Database" in readme) == (database == "postgres")
    assert ("## Background jobs" in readme) == (worker == "celery")
    assert "{%" not in readme and "{{ cookiecutter" not in readme


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHON)
def test_the_lock_is_the_variants_and_names_the_project(generate, python_version):
    project = generate(project_name="Zebra Shop", python_version=python_version)
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    assert lock["requires-python"] == f">={python_version}"
    names = [package["name"] for package in lock["package"]]
    assert names == sorted(names)  # as uv writes them
    (own,) = [p for p in lock["package"] if p.get("source") == {"virtual": "."}]
    assert own["name"] == "zebra-shop"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"flask", "gunicorn"} <= {d["name"] for d in own["dependencies"]}
    assert pyproject["dependency-groups"]["dev"]


def test_no_template_syntax_is_left_unrendered(generate):
    project = generate()
    for path in files_of(project, ".py", ".toml", ".yml", ".md", ".env", "Dockerfile"):
        assert not re.search(r"\{\{\s*cookiecutter|\{%", path.read_text()), path


def test_post_generation_writes_a_random_secret_key(generate, tmp_path):
    first = generate(project_name="One")
    second = generate(project_name="Two")
    keys = [
        re.search(r"^SECRET_KEY=(.+)$", (p / ".env").read_text(), re.M).group(1)
        for p in (first, second)
    ]
    assert all(len(key) >= 48 for key in keys)
    assert keys[0] != keys[1]
    assert "SECRET_KEY=change-me" in (first / ".env.example").read_text()
    assert ".env" in (first / ".gitignore").read_text().splitlines()
    assert ".env" in (first / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_any_name_renders_files_that_parse(tmp_path, name):
    project = generate_project(tmp_path / "out", project_name=name)
    assert_files_parse(project)
    config = (project / project.name / "config.py").read_text(encoding="utf-8")
    rendered = ast.literal_eval(
        re.search(r"^PROJECT_NAME = (.+)$", config, re.M).group(1)
    )
    expected = "49" if name == "{{ 7 * 7 }}" else name  # cookiecutter renders values
    assert rendered == expected
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == expected
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<script>" not in readme


@pytest.mark.parametrize(
    "context",
    [
        {"project_slug": "a/../../escaped"},
        {"project_slug": "../escaped"},
        {"project_slug": "/tmp/absolute"},
        {"project_slug": "sub/dir"},
        {"project_slug": ".."},
        {"project_slug": "My Shop"},
        {"project_slug": "my-shop"},
        {"project_slug": "class"},
        {"project_slug": "1abc"},
        {"project_slug": "flask"},
        {"project_slug": ""},
        {"project_slug": "{{ '../x' }}"},
        {"project_name": "{{ unclosed"},
        {"project_name": "{{ unknown_name }}"},
        {"project_name": ""},
        {"project_name": "two\nlines"},
        {"project_name": "!!!"},
        {"python_version": "2.7"},
        {"python_version": "3.13\nRUN rm -rf /"},
        {"database": "mysql"},
        {"database": ""},
    ],
    ids=repr,
)
def test_bad_input_is_rejected_and_leaves_nothing(tmp_path, context):
    sandbox = tmp_path / "sandbox"
    output = sandbox / "deep" / "out"
    output.mkdir(parents=True)
    before = tree(tmp_path)
    absolute_target = Path("/tmp/absolute")
    assert not absolute_target.exists()

    with pytest.raises(FailedHookException, match=r"Invalid \w+ .*Nothing was written"):
        generate_project(output, **context)

    assert tree(tmp_path) == before
    assert not absolute_target.exists()


def cookiecutter_cli(
    output: Path, *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """`cookiecutter --no-input -o <output> <this template> <arguments>`, as
    a shell in `cwd` runs it."""
    shell = {"PWD": str(cwd)} if cwd else {}
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(output)]
        + [str(REPO_ROOT), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **shell},
    )


@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_the_cli_ends_with_the_next_steps(tmp_path, where):
    """A user who pressed Enter through the prompts knows what to type next:
    `cd` into the project from where they are."""
    output = tmp_path / "projects"
    output.mkdir()
    cwd = output if where == "here" else tmp_path
    result = cookiecutter_cli(output, "project_name=Data Shop", cwd=cwd)
    assert result.returncode == 0, result.stderr
    steps = result.stdout[result.stdout.index("Next:") :]
    directory = "data_shop" if where == "here" else "projects/data_shop"
    assert f"cd {directory}\n  docker compose up dev\n" in steps
    assert "http://127.0.0.1:5000" in steps
    assert f"{directory}/README.md" in steps


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("project_slug=../x", "Invalid project_slug '../x'"),
        ("database=mysql", "Invalid database 'mysql'"),
        ("worker=rq", "Invalid worker 'rq'"),
        # Cookiecutter keeps the trailing newline: a comment left open.
        ("project_name={#\n", "Invalid input '{#\\n'"),
    ],
)
def test_cli_reports_bad_input_in_one_clear_line(tmp_path, argument, message):
    result = cookiecutter_cli(tmp_path, argument)
    assert result.returncode == 1
    assert message in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


NASTY_PIECES = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "/",
        "..",
        "\n",
        "\t",
        "'",
        '"',
        "&",
        "<",
        ">",
        "é",
        "ß",
        "😀",
        "日本",
        " ",
        "a",
        "Z",
        "9",
        "_",
        "-",
        "\\",
        "\x00",
        "#",
        "$",
    ]
)
NASTY_TEXT = st.one_of(st.text(max_size=60), st.lists(NASTY_PIECES).map("".join))
REJECTIONS = (FailedHookException, UndefinedVariableInTemplate)


@settings(max_examples=150, deadline=None)
@given(variable=st.sampled_from(["project_name", "project_slug"]), value=NASTY_TEXT)
def test_any_input_renders_files_that_parse_or_is_rejected_cleanly(variable, value):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        output = root / "out"
        try:
            project = generate_project(output, **{variable: value})
        except REJECTIONS:
            assert tree(root) == {"out"}, "a rejected input left files behind"
            return
        assert project.parent == output
        assert_files_parse(project)


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"database": "none"},
        {"project_name": "Long name é " * 15},
        {"project_name": NASTY_NAMES[8]},
    ],
    ids=["default", "without a database", "longest slug", "quotes and backslashes"],
)
def test_generated_code_passes_the_projects_own_linters(tmp_path, context):
    project = generate_project(tmp_path / "out", **context)
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--no-cache", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [*ruff, *command], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
