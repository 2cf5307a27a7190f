"""The generated project's scripts/make_env.py (the generator runs it; so do
fresh clones and the project's CI)."""

from __future__ import annotations

from tests.conftest import TEMPLATE_DIR, load_module

make_env = load_module(
    TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "scripts" / "make_env.py",
    "make_env",
)
EXAMPLE = "SECRET_KEY=change-me\nHOST_UID=1000\nHOST_GID=1000\n"


def test_env_gets_fresh_secrets_and_the_given_ids(tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text(EXAMPLE + "POSTGRES_PASSWORD=change-me\n")
    monkeypatch.setenv("HOST_UID", "4242")
    monkeypatch.setenv("HOST_GID", "4343")
    assert make_env.make_env(tmp_path)
    env = (tmp_path / ".env").read_text()
    assert "HOST_UID=4242\nHOST_GID=4343" in env
    assert "change-me" not in env
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_a_project_without_a_database_needs_no_database_password(tmp_path):
    (tmp_path / ".env.example").write_text(EXAMPLE)
    assert make_env.make_env(tmp_path)
    assert "POSTGRES" not in (tmp_path / ".env").read_text()


def test_an_existing_env_is_left_as_it_is(tmp_path):
    (tmp_path / ".env.example").write_text(EXAMPLE)
    (tmp_path / ".env").write_text("mine\n")
    assert not make_env.make_env(tmp_path)
    assert (tmp_path / ".env").read_text() == "mine\n"
