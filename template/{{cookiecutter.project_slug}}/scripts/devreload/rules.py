"""Which files matter and which directories are skipped: names alone, no I/O.

A file matters when a change to it needs a restart (`*.py`), a restart from
scratch (`.env`: libraries may read it at import), an image rebuild (the
dependencies) or, with live reload, only the open pages told (templates,
static files). A directory is skipped when it holds no code of the project:
version control, caches, virtualenvs, dependencies, build output. Some are
known by name anywhere; `build`, `dist` and `instance` only at the top,
since a package may be called so; and a directory holding a marker file is
a virtualenv (`pyvenv.cfg`, whatever its name) or a cache (`CACHEDIR.TAG`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable

RESTART = "restart"
FROM_SCRATCH = "from scratch"
REBUILD = "rebuild"
BROWSER = "browser"

# Changes to these restart the server.
RESTART_PATTERNS = ("*.py", "*.toml", "*.cfg", "*.ini")
# Templates and static files need no restart (Flask reloads templates by
# itself in debug mode), only open pages told (live reload): in a
# `templates` or `static` directory (Flask's names), not test output or docs.
BROWSER_DIRS = ("templates", "static")
BROWSER_PATTERNS = (
    "*.html",
    "*.htm",
    "*.jinja",
    "*.jinja2",
    "*.j2",
    "*.css",
    "*.js",
    "*.mjs",
    "*.svg",
    "*.png",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.webp",
    "*.ico",
    "*.woff",
    "*.woff2",
)
# Read before anything is imported: a change restarts from scratch.
ENVIRONMENT_FILES = (".env", ".flaskenv")
# Changes to these need an image rebuild: dependencies live in the image.
REBUILD_PATTERNS = ("uv.lock", "Dockerfile")
# Editor swap, backup and lock files (vim, emacs, JetBrains, GNOME, Kate).
EDITOR_TEMP_PATTERNS = (
    ".#*",
    "#*#",
    "*~",
    "*.sw?",
    "*___jb_???___",
    "4913",
    "*.tmp",
    ".goutputstream-*",
    "*.kate-swp",
)
# Never code, wherever they are.
SKIPPED_NAMES = (
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    ".tox",
    ".nox",
    "*.egg-info",
)
# Not code at the top of the project; maybe a package further down.
SKIPPED_AT_TOP = ("build", "dist", "instance", "htmlcov")
# A directory holding one of these is a virtualenv or a cache.
MARKERS = ("pyvenv.cfg", "CACHEDIR.TAG")


def name_matcher(patterns: Iterable[str]):
    """One compiled regex for many glob patterns: a walk tests every name."""
    regex = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)"
    return re.compile(regex).match


class Rules:
    def __init__(
        self,
        roots: Iterable[str],
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        browser: bool = False,  # live reload: the browser's files matter
    ) -> None:
        self.roots = frozenset(roots)
        self._restart = name_matcher((*RESTART_PATTERNS, *include))
        self._browser = name_matcher(BROWSER_PATTERNS if browser else ())
        self._rebuild = name_matcher(REBUILD_PATTERNS)
        self._skipped_file = name_matcher((*EDITOR_TEMP_PATTERNS, *exclude))
        self._skipped_dir = name_matcher((*SKIPPED_NAMES, *exclude))
        self._skipped_at_top = name_matcher(SKIPPED_AT_TOP)

    def kind(self, path: str) -> str | None:
        """RESTART, FROM_SCRATCH, REBUILD, BROWSER or None (ignored) for a
        file path."""
        name = os.path.basename(path)
        if self._skipped_file(name):
            return None
        if name in ENVIRONMENT_FILES:
            return FROM_SCRATCH
        if self._rebuild(name):
            return REBUILD
        if self._restart(name):
            return RESTART
        if self._browser(name) and self.in_browser_dir(path):
            return BROWSER
        return None

    @staticmethod
    def in_browser_dir(path: str) -> bool:
        return any(part in BROWSER_DIRS for part in path.split(os.sep)[:-1])

    def skips_dir(self, path: str) -> bool:
        """Whether a directory is never walked, from its path alone."""
        parent, name = os.path.split(path)
        if self._skipped_dir(name):
            return True
        return parent in self.roots and bool(self._skipped_at_top(name))

    @staticmethod
    def marks_skipped(names: Iterable[str]) -> bool:
        """Whether a directory listing shows a virtualenv or a cache."""
        return any(name in MARKERS for name in names)
