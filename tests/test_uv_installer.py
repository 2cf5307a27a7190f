"""The generated project's uv installer (compose/uv/install.py), which the
images build with: it takes the pinned version, and only with a pinned hash."""

from __future__ import annotations

import os

import pytest

from tests.conftest import TEMPLATE_DIR, load_module

PROJECT = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
REQUIREMENTS = PROJECT / "compose" / "uv" / "requirements.txt"


install = load_module(PROJECT / "compose" / "uv" / "install.py", "uv_install")


def test_the_pinned_version_and_hashes_are_read():
    version, digests = install.pinned(REQUIREMENTS.read_text())
    assert version.count(".") == 2
    assert len(digests) > 5
    assert all(len(digest) == 64 for digest in digests)


def test_the_pinned_uv_is_installed(tmp_path):
    install.main(str(REQUIREMENTS), str(tmp_path / "uv"))
    assert os.access(tmp_path / "uv", os.X_OK)
    assert (tmp_path / "uv").stat().st_size > 1_000_000


def test_a_wheel_that_matches_no_pinned_hash_is_refused(tmp_path):
    tampered = tmp_path / "requirements.txt"
    version, _ = install.pinned(REQUIREMENTS.read_text())
    tampered.write_text(f"uv=={version} \\\n    --hash=sha256:{'0' * 64}\n")
    with pytest.raises(SystemExit, match="matches no pinned hash"):
        install.main(str(tampered), str(tmp_path / "uv"))
    assert not (tmp_path / "uv").exists()
