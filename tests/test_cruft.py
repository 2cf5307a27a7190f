"""Generated projects take later template changes with cruft."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cruft
import pytest

from tests.conftest import REPO_ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def template_repo(tmp_path, monkeypatch):
    """This template at its current state, as a git repository of its own."""
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    repo = tmp_path / "template-repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "cookiecutter.json", repo)
    shutil.copytree(REPO_ROOT / "template", repo / "template",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template v1")
    return repo


def test_cruft_create_check_and_update(template_repo, tmp_path):
    out = tmp_path / "out"
    project = cruft.create(
        str(template_repo),
        output_dir=out,
        directory="template",
        no_input=True,
        extra_context={"project_name": "Cruft Shop"},
        skip=[".env"],
    )
    project = Path(project)
    assert (project / ".cruft.json").is_file()
    secret = (project / ".env").read_text()
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    assert cruft.check(project)

    readme = template_repo / "template" / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA later template improvement.\n")
    git(template_repo, "commit", "-q", "-am", "template v2")
    assert not cruft.check(project)

    assert cruft.update(project, skip_apply_ask=True)
    assert "A later template improvement." in (project / "README.md").read_text()
    assert (project / ".env").read_text() == secret  # skipped: keeps its key
    assert not list(project.rglob("*.rej"))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "updated")
    assert cruft.check(project)
