"""The uv.lock shipped for each variant of the generated project.

A variant is a set of template choices that changes the lock: the Python
version (requires-python), the database and the worker (their libraries). Locks are made
by `uv lock` in a container of a Python the variant accepts, with the
project's own pinned uv (the image of its Dockerfile's `uv` stage);
scripts/refresh-locks.sh writes them into the template, and the tests check
that each one is what `uv lock` makes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import (
    DATABASES,
    REPO_ROOT,
    UV_STAGE,
    WORKERS,
    generate_project,
    load_module,
)

SHIPPED = REPO_ROOT / "template" / "{{cookiecutter.project_slug}}" / ".locks"
# Which Python each variant is locked with: any the variant accepts. Only
# these two base images exist where no registry is reachable.
LOCKING_PYTHON = {
    "3.10": "3.13",
    "3.11": "3.13",
    "3.12": "3.13",
    "3.13": "3.13",
    "3.14": "3.14",
}
# The version of uv the template's Dockerfile names.
UV_VERSION = UV_STAGE.search(
    (
        REPO_ROOT / "template" / "{{cookiecutter.project_slug}}" / "Dockerfile"
    ).read_text()
).group(2)


hooks = load_module(
    REPO_ROOT / "template" / "hooks" / "post_gen_project.py", "post_gen_project"
)


def variants() -> list[tuple[str, str, str]]:
    """(python_version, database, worker) of every variant."""
    return [
        (python, database, worker)
        for python in LOCKING_PYTHON
        for database in DATABASES
        for worker in WORKERS
    ]


def placeholder_project(
    out: Path, python_version: str, database: str, worker: str
) -> Path:
    """The variant's project, named as the shipped locks are, without hooks
    (they would install the lock this makes)."""
    name = hooks.LOCK_PLACEHOLDER.replace("-", " ").title()
    return generate_project(
        out,
        project_name=name,
        python_version=python_version,
        database=database,
        worker=worker,
        accept_hooks=False,
    )


def uv(project: Path, python_version: str, *args: str) -> subprocess.CompletedProcess:
    """`uv ARGS` in the project, in a container of the locking Python."""
    python = LOCKING_PYTHON[python_version]
    tag = f"template-uv:{python}"
    # The locking Python with the uv of the project's `uv` stage (uv's image:
    # no Python of its own), built by Compose (BuildKit).
    uv_image = UV_STAGE.search((project / "Dockerfile").read_text()).group(1)
    dockerfile = f"FROM python:{python}-slim\nCOPY --from={uv_image} /uv /uv\n"
    build = {"context": ".", "dockerfile_inline": dockerfile}
    compose_file = json.dumps({"services": {"uv": {"build": build, "image": tag}}})
    subprocess.run(
        ["docker", "compose", "-f", "-", "--project-directory", ".", "-p",
         "template-uv", "build"],
        input=compose_file, text=True, cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    return subprocess.run(
        ["docker", "run", "--rm", "-v", f"{project}:/project", "-w", "/project",
         "-e", "UV_SYSTEM_CERTS=1", "-e", "UV_PYTHON_DOWNLOADS=never",
         "-e", "UV_CACHE_DIR=/tmp/uv-cache", tag, "/uv", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
