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
    (locks / "python3.13-none-celery.lock").write_text(SHIPPED)
    (locks / "python3.13-none-none.lock").write_text("other")
    hooks.install_lock(tmp_path, locks, "shop", hooks.variant("3.13", "none", "celery"))
    assert 'name = "shop"' in (tmp_path / "uv.lock").read_text()
    assert not locks.exists()


def test_a_variant_without_a_lock_stops_generation(tmp_path):
    (tmp_path / ".locks").mkdir()
    with pytest.raises(SystemExit, match="No uv.lock is shipped for python3.9-no"):
        hooks.install_lock(tmp_path, tmp_path / ".locks", "shop", "python3.9-none-none")


def make_option_files(root):
    for relative in hooks.DATABASE_ONLY + hooks.WORKER_ONLY:
        path = root / relative.format(slug="shop")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.mkdir() if "." not in path.name else path.write_text(relative)
    (root / "shop" / "views.py").write_text("")


def files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("database", "worker"),
    [
        ("none", "none"),
        ("none", "celery"),
        ("postgres", "none"),
        ("postgres", "celery"),
    ],
)
def test_a_project_loses_the_files_of_the_options_not_chosen(
    tmp_path, database, worker
):
    make_option_files(tmp_path)
    everything = files(tmp_path)
    hooks.remove_unused(tmp_path, "shop", database, worker)
    kept = files(tmp_path)
    assert "shop/views.py" in kept
    removed = everything - kept
    assert ("shop/models.py" in removed) == (database == "none")
    assert ("shop/worker.py" in removed) == (worker == "none")
    hooks.choose_files(tmp_path, "shop", database)
    assert "shop/jobs_without_database.py" not in files(tmp_path)
    jobs = tmp_path / "shop" / "jobs.py"
    assert jobs.exists() == (worker == "celery")
    if jobs.exists():  # the one that fits the database
        expected = "jobs.py" if database == "postgres" else "jobs_without_database.py"
        assert jobs.read_text() == "{slug}/" + expected
    # The jobs table's migration: only with both.
    jobs_migration = "migrations/versions/5b0f2c1d9a7e_create_the_jobs_table.py"
    assert (jobs_migration in kept) == (database == "postgres" and worker == "celery")


@pytest.fixture
def made(tmp_path):
    """A project generated into tmp_path/projects."""
    project = tmp_path / "projects" / "my_shop"
    project.mkdir(parents=True)
    return project


@pytest.mark.parametrize(
    ("pwd", "shown"),
    [
        ("projects", "my_shop"),  # generated here: a relative path
        (".", "projects/my_shop"),
        ("link", "my_shop"),  # a symlink to projects: resolved
        ("projects/my_shop/deeper", None),  # elsewhere: the whole path
        ("", None),  # no PWD (not a POSIX shell): the whole path
    ],
)
def test_the_next_steps_name_the_project_from_where_the_user_is(
    tmp_path, made, pwd, shown
):
    (tmp_path / "link").symlink_to(tmp_path / "projects")
    (made / "deeper").mkdir()
    environ = {"PWD": str(tmp_path / pwd)} if pwd else {}
    assert hooks.where_the_user_finds(made, environ) == (shown or str(made))


def test_the_next_steps_quote_a_path_for_the_shell(tmp_path):
    project = tmp_path / "my projects" / "shop"
    project.mkdir(parents=True)
    environ = {"PWD": str(tmp_path)}
    assert hooks.where_the_user_finds(project, environ) == "'my projects/shop'"


def test_the_toolbox_names_the_hosts_directory(made):
    environ = {"PROJECTS_DIR_ON_HOST": "../", "PWD": "/template"}
    assert hooks.where_the_user_finds(made, environ) == "../my_shop"


def test_no_next_steps_while_cruft_updates_a_project(made):
    assert not hooks.updating_with_cruft({"PWD": str(made)})
    (made / ".cruft.json").write_text("{}")
    assert hooks.updating_with_cruft({"PWD": str(made)})
    assert not hooks.updating_with_cruft({})
