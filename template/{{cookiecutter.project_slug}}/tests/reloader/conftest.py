"""Helpers for the reloader's tests (scripts/devreload/)."""

import pytest
from devreload.rules import Rules
from devreload.snapshot import Snapshot

from .helpers import write


@pytest.fixture
def root(tmp_path):
    """A small project: a package with one module."""
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "views.py", "A = 1\n")
    return tmp_path


@pytest.fixture
def snapshot(root):
    """The project's snapshot, walked once."""
    watched = Snapshot(Rules([str(root)]), [str(root)])
    watched.walk()
    return watched
