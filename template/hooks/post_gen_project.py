"""After generation: uv.lock for this variant, and .env with fresh secrets.

The functions take their inputs as arguments, so that tests can import and
run them alone; main() gives them this project's values.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

# The shipped locks were made for a project of this name (see the template's
# README: refreshing the locks); each project gets its own name in its lock.
LOCK_PLACEHOLDER = "lock-placeholder"
LOCKS = Path(".locks")  # one per variant, removed once used


def lock_name(slug: str) -> str:
    """The project's name as uv writes it in uv.lock (PEP 503 normalized)."""
    return re.sub(r"[-_.]+", "-", slug).lower()


def variant(python_version: str) -> str:
    """Which shipped lock a project uses: the variants differ by their locks."""
    return f"python{python_version}"


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


def install_lock(project: Path, locks: Path, slug: str, python_version: str) -> None:
    shipped = locks / f"{variant(python_version)}.lock"
    if not shipped.is_file():
        raise SystemExit(f"No uv.lock is shipped for {variant(python_version)}")
    text = lock_for(shipped.read_text(encoding="utf-8"), lock_name(slug))
    (project / "uv.lock").write_text(text, encoding="utf-8")
    shutil.rmtree(locks)


def host_id(name: str, own_id) -> str | None:
    """The id the dev container should run as: yours, unless given (toolbox)."""
    given = os.environ.get(name, "")
    if given.isdigit():
        return given
    return str(own_id()) if own_id else None


def write_env(project: Path) -> None:
    """.env from .env.example: a random SECRET_KEY, your user and group ids."""
    uid = host_id("HOST_UID", getattr(os, "getuid", None))
    gid = host_id("HOST_GID", getattr(os, "getgid", None))
    placeholders = {
        "SECRET_KEY=change-me": f"SECRET_KEY={secrets.token_urlsafe(48)}",
        # So that files the dev container writes in the project belong to you.
        "HOST_UID=1000": f"HOST_UID={uid}" if uid else None,
        "HOST_GID=1000": f"HOST_GID={gid}" if gid else None,
    }
    env = (project / ".env.example").read_text(encoding="utf-8")
    for placeholder, value in placeholders.items():
        if placeholder not in env:
            raise SystemExit(f".env.example lacks the line {placeholder!r}")
        if value:
            env = env.replace(placeholder, value, 1)
    (project / ".env").write_text(env, encoding="utf-8")
    (project / ".env").chmod(0o600)


def main() -> None:
    project = Path.cwd()
    install_lock(
        project,
        project / LOCKS,
        slug="{{ cookiecutter.project_slug }}",
        python_version="{{ cookiecutter.python_version }}",
    )
    write_env(project)


if __name__ == "__main__":
    main()
