"""Locked builds: the lock shipped for each variant, images that install
exactly it, and adding a dependency with only Docker installed."""

from __future__ import annotations

import contextlib

import docker
import pytest

from tests.conftest import generate_project
from tests.docker.locks import uv, variants
from tests.docker.stack import answers_ok, stand_in_user, wait_for


# name==version and a digest of the RECORD (every installed file's hash) of
# each distribution in the image's virtualenv.
@pytest.fixture(scope="module", autouse=True)
def _remove_the_uv_images(docker_client):
    """The images locks.uv() builds (one per Python), gone after the module."""
    yield
    for image in docker_client.images.list(name="template-uv"):
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(image.id, force=True)


INSTALLED = """
import hashlib, pathlib, sysconfig
for info in sorted(pathlib.Path(sysconfig.get_paths()["purelib"]).glob("*.dist-info")):
    record = hashlib.sha256((info / "RECORD").read_bytes()).hexdigest()[:16]
    print(info.name.removesuffix(".dist-info").replace("-", "==", 1), record)
"""


@pytest.mark.parametrize(("python_version", "database", "worker"), variants())
def test_each_shipped_lock_is_what_uv_lock_makes(
    tmp_path, python_version, database, worker
):
    project = generate_project(
        tmp_path,
        project_name="Zebra Shop",
        python_version=python_version,
        database=database,
        worker=worker,
    )
    shipped = (project / "uv.lock").read_text()
    check = uv(project, python_version, "lock", "--check")
    assert check.returncode == 0, check.stderr
    relock = uv(project, python_version, "lock")
    assert relock.returncode == 0, relock.stderr
    assert (project / "uv.lock").read_text() == shipped  # not one byte moved


def test_a_lock_that_does_not_match_pyproject_fails_the_build(new_stack):
    stack = new_stack()
    pyproject = stack.path("pyproject.toml")
    pyproject.write_text(
        pyproject.read_text().replace('"gunicorn>=23",', '"gunicorn>=23",\n    "six",')
    )
    result = stack.compose("--profile", "prod", "build", "prod", check=False)
    assert result.returncode != 0
    assert "needs to be updated, but `--locked` was provided" in (
        result.stdout + result.stderr
    )


def test_prod_builds_from_one_lock_install_the_same_files(new_stack):
    """Twice from nothing: no layer cache, no uv cache."""
    stack = new_stack()
    installed = []
    for _ in range(2):
        stack.compose(
            "--profile", "prod", "build", "--no-cache",
            "--build-arg", "UV_NO_CACHE=1", "prod",
        )  # fmt: skip
        run = ("run", "--rm", "--no-deps", "-T", "prod", "python", "-c", INSTALLED)
        installed.append(stack.compose("--profile", "prod", *run).stdout)
    assert installed[0] == installed[1]
    assert "flask==" in installed[0]
    assert "pytest==" not in installed[0]


def contents(project) -> dict[str, bytes]:
    """Every file of the project, by its path."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file()
    }


def test_adding_a_dependency_is_one_command_and_the_next_up(new_stack):
    stack = new_stack()
    uid, gid = stand_in_user(stack.project)
    stack.set_env(HOST_UID=str(uid), HOST_GID=str(gid))
    before = contents(stack.project)
    stack.compose("run", "--rm", "--no-deps", "dev", "uv", "add", "six")
    assert '"six>=' in stack.path("pyproject.toml").read_text()
    after = contents(stack.project)
    changed = {
        path
        for path in before.keys() | after.keys()
        if before.get(path) != after.get(path)
    }
    assert changed == {"pyproject.toml", "uv.lock"}  # and nothing else
    for changed in ("pyproject.toml", "uv.lock"):
        owner = stack.path(changed).stat()
        assert (owner.st_uid, owner.st_gid) == (uid, gid), changed
    with stack.running("up --detach dev"):  # no --build: dev is built at each up
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        import_six = ("exec", "-T", "dev", "python", "-c", "import six")
        assert stack.compose(*import_six, check=False).returncode == 0


def test_the_python_314_variant_builds_and_serves(new_stack):
    stack = new_stack(python_version="3.14")
    stack.compose("build", "dev")
    with stack.running("--profile prod up --build --detach prod"):
        wait_for(lambda: answers_ok(stack.url("prod", "/healthz")), timeout=60)
        version = stack.compose("exec", "-T", "prod", "python", "--version").stdout
        assert version.startswith("Python 3.14")


def test_python_image_replaces_the_base_image(new_stack):
    stack = new_stack()  # 3.13, and a base image of 3.14 instead
    stack.set_env(PYTHON_IMAGE="python:3.14-slim")
    command = ("run", "--rm", "--no-deps", "-T", "dev", "python", "--version")
    output = stack.compose(*command).stdout  # the build's log, then the version
    assert output.strip().splitlines()[-1].startswith("Python 3.14")
