"""The post-generation hook's functions, run alone (template/hooks/)."""

from __future__ import annotations

import pytest

from tests.docker.locks import hooks

SHIPPED = """version = 1
requires-python = ">=3.13"

[[package]]
name = "flask"
version = "3.1.2"

[[package]]
name = "lock-placeholder"
version = "0.1.0"
source = { virtual = "." }

[[package]]
name = "zipp"
version = "3.0"
"""


@pytest.mark.parametrize(
    ("slug", "name"),
    [("my_flask_app", "my-flask-app"), ("shop", "shop"), ("a__b", "a-b")],
)
def test_the_lock_names_the_project_as_uv_does(slug, name):
    assert hooks.lock_name(slug) == name


@pytest.mark.parametrize(
    ("name", "order"),
    [
        ("aaa", ["aaa", "flask", "zipp"]),
        ("my-shop", ["flask", "my-shop", "zipp"]),
        ("zzz", ["flask", "zipp", "zzz"]),
    ],
)
def test_a_shipped_lock_is_renamed_and_kept_in_uvs_order(name, order):
    lock = hooks.lock_for(SHIPPED, name)
    names = [
        line.split('"')[1] for line in lock.splitlines() if line.startswith("name")
    ]
    assert names == order
    assert lock.startswith('version = 1\nrequires-python = ">=3.13"\n')
    assert f'name = "{name}"\nversion = "0.1.0"\nsource = {{ virtual = "." }}' in lock


def test_the_variants_lock_is_installed_and_the_others_removed(tmp_path):
    locks = tmp_path / ".locks"
    locks.mkdir()
    (locks / "python3.13.lock").write_text(SHIPPED)
    (locks / "python3.12.lock").write_text("other")
    hooks.install_lock(tmp_path, locks, slug="shop", python_version="3.13")
    assert 'name = "shop"' in (tmp_path / "uv.lock").read_text()
    assert not locks.exists()


def test_a_variant_without_a_lock_stops_generation(tmp_path):
    (tmp_path / ".locks").mkdir()
    with pytest.raises(SystemExit, match="No uv.lock is shipped for python3.9"):
        hooks.install_lock(tmp_path, tmp_path / ".locks", "shop", "3.9")


def test_env_gets_a_fresh_secret_key_and_the_given_ids(tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text(
        "SECRET_KEY=change-me\nHOST_UID=1000\nHOST_GID=1000\n"
    )
    monkeypatch.setenv("HOST_UID", "4242")
    monkeypatch.setenv("HOST_GID", "4343")
    hooks.write_env(tmp_path)
    env = (tmp_path / ".env").read_text()
    assert "HOST_UID=4242\nHOST_GID=4343" in env
    assert "change-me" not in env
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600
