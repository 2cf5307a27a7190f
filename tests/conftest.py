"""Fixtures shared by the generation tests and the Docker tests."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from cookiecutter.main import cookiecutter

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO_ROOT / "template"
# uv's official image, as a generated Dockerfile names it (its `uv` stage):
# the image, and its version (exact: Dependabot reads the tag).
UV_STAGE = re.compile(r"^FROM (ghcr\.io/astral-sh/uv:(\d+\.\d+\.\d+)) AS uv$", re.M)


def load_module(path: Path, name: str) -> ModuleType:
    """A file of the template's (a hook, a script) as a module, to test alone."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The template's choices of `database` and `worker`, the default first.
_CHOICES = load_module(TEMPLATE_DIR / "local_extensions.py", "choices")
DATABASES = _CHOICES.DATABASES
WORKERS = _CHOICES.WORKERS
# Every combination of the options, the defaults first.
OPTIONS = [(database, worker) for worker in WORKERS for database in DATABASES]


def generate_project(
    output_dir: Path, *, accept_hooks: bool = True, **context: str
) -> Path:
    """Run cookiecutter on this repository as a user would, without prompts."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        cookiecutter(
            str(REPO_ROOT),
            no_input=True,
            output_dir=str(output_dir),
            extra_context=context,
            default_config=True,
            accept_hooks=accept_hooks,
        )
    )


@pytest.fixture
def generate(tmp_path: Path) -> Callable[..., Path]:
    """Generate a project under this test's temporary directory."""

    def _generate(**context: str) -> Path:
        return generate_project(tmp_path / "out", **context)

    return _generate
