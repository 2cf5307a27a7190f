"""After generation: only the files of the chosen options (database,
worker), uv.lock for this variant, .env with fresh secrets
(scripts/make_env.py), and the next steps.

The functions take their inputs as arguments, so that tests can import and
run them alone; main() gives them this project's values.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# The shipped locks were made for a project of this name (see the template's
# README: refreshing the locks); each project gets its own name in its lock.
LOCK_PLACEHOLDER = "lock-placeholder"
LOCKS = Path(".locks")  # one per variant, removed once used


def lock_name(slug: str) -> str:
    """The project's name as uv writes it in uv.lock (PEP 503 normalized)."""
    return re.sub(r"[-_.]+", "-", slug).lower()


# Each option's own files, removed from the projects that go without it.
DATABASE_ONLY = (
    "compose/postgres.yml",
    "{slug}/database.py",
    "{slug}/extensions.py",
    "{slug}/models.py",
    "{slug}/notes.py",
    "{slug}/templates/notes.html",
    "migrations",
    "scripts/db-backup.sh",
    "scripts/db-restore.sh",
    "tests/database",
)
WORKER_ONLY = (
    "compose/celery.yml",
    "scripts/devreload/worker.py",
    "scripts/devworker.py",
    "tests/reloader/test_worker.py",
    "{slug}/jobs.py",
    "{slug}/jobs_without_database.py",
    "{slug}/make_celery.py",
    "{slug}/templates/jobs.html",
    "{slug}/worker.py",
    "migrations/versions/5b0f2c1d9a7e_create_the_jobs_table.py",
    "tests/database/test_jobs.py",
    "tests/worker",
)


# A file that takes another's place in projects without a database.
WITHOUT_DATABASE = {"{slug}/jobs_without_database.py": "{slug}/jobs.py"}


def variant(python_version: str, database: str, worker: str) -> str:
    """Which shipped lock a project uses: the variants differ by their locks."""
    return f"python{python_version}-{database}-{worker}"


def unused(database: str, worker: str) -> list[str]:
    """The files of the options not chosen (some belong to two options)."""
    paths = list(DATABASE_ONLY) if database == "none" else []
    paths += WORKER_ONLY if worker == "none" else []
    return paths


def remove_unused(project: Path, slug: str, database: str, worker: str) -> None:
    for relative in unused(database, worker):
        path = project / relative.format(slug=slug)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():  # in both lists, or in a directory removed already
            path.unlink()


def choose_files(project: Path, slug: str, database: str) -> None:
    """Keep, of each file and its database-less alternative, the one that
    fits (both are gone already when their option is not chosen)."""
    for alternative, target in WITHOUT_DATABASE.items():
        source = project / alternative.format(slug=slug)
        if source.exists() and database == "none":
            source.replace(project / target.format(slug=slug))
        elif source.exists():
            source.unlink()


def lock_for(text: str, name: str) -> str:
    """A shipped lock, as `uv lock` would write it for a project `name`:
    renamed, and its packages in uv's order (by name)."""
    header, *packages = text.split("\n[[package]]\n")
    renamed = [
        package.replace(f'name = "{LOCK_PLACEHOLDER}"\n', f'name = "{name}"\n', 1)
        if package.startswith(f'name = "{LOCK_PLACEHOLDER}"\n')
        else package
        for package in packages
    ]
    renamed.sort(key=lambda package: package.split('"', 2)[1])  # stable
    return "\n[[package]]\n".join([header, *renamed])


def install_lock(project: Path, locks: Path, slug: str, lock_variant: str) -> None:
    shipped = locks / f"{lock_variant}.lock"
    if not shipped.is_file():
        raise SystemExit(f"No uv.lock is shipped for {lock_variant}")
    text = lock_for(shipped.read_text(encoding="utf-8"), lock_name(slug))
    (project / "uv.lock").write_text(text, encoding="utf-8")
    shutil.rmtree(locks)


def main() -> None:
    project = Path.cwd()
    slug = "{{ cookiecutter.project_slug }}"
    database = "{{ cookiecutter.database }}"
    worker = "{{ cookiecutter.worker }}"
    remove_unused(project, slug, database, worker)
    choose_files(project, slug, database)
    lock_variant = variant("{{ cookiecutter.python_version }}", database, worker)
    install_lock(project, project / LOCKS, slug, lock_variant)
    # .env with fresh secrets: the project's own script, for later clones too.
    subprocess.run([sys.executable, "scripts/make_env.py"], check=True)
    if not updating_with_cruft(os.environ):
        say(next_steps(where_the_user_finds(project, os.environ)))


def updating_with_cruft(environ: Mapping[str, str]) -> bool:
    """`cruft update` renders the template again in a temporary directory,
    run from the project (which holds .cruft.json): no next steps then."""
    return (Path(environ.get("PWD", "/nonexistent")) / ".cruft.json").is_file()


def where_the_user_finds(project: Path, environ: Mapping[str, str]) -> str:
    """The project's directory as the user would `cd` into it, quoted for a
    shell: from where cookiecutter ran (the shell's PWD), or whole; the
    template's toolbox container says where its output is on the host
    (PROJECTS_DIR_ON_HOST)."""
    on_host = environ.get("PROJECTS_DIR_ON_HOST")
    if on_host:
        return shlex.quote(f"{on_host.rstrip('/')}/{project.name}")
    here = environ.get("PWD")
    relative = os.path.relpath(project, os.path.realpath(here)) if here else ".."
    return shlex.quote(str(project) if relative.startswith("..") else relative)


def say(text: str) -> None:
    """Print, whatever the terminal's encoding: a courtesy message must never
    fail the generation (cookiecutter would delete the project)."""
    with contextlib.suppress(AttributeError):  # not a text file: as it is
        sys.stdout.reconfigure(errors="replace")
    print(text)


def next_steps(directory: str) -> str:
    """What to type now, for a user who pressed Enter through the prompts."""
    return (
        f"\nDone: your project is in {directory}/. Next:\n\n"
        f"  cd {directory}\n"
        "  docker compose up dev\n\n"
        "then open http://127.0.0.1:5000 (edits reload by themselves).\n"
        f"{directory}/README.md says the rest: tests, settings, production.\n"
    )


if __name__ == "__main__":
    main()
