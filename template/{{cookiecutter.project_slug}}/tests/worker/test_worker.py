"""The worker's setup, without a broker: tasks run in the test itself
(Celery's eager mode, `task_always_eager`), as the worker would run them."""

import pytest
from celery import shared_task
from flask import current_app

from {{ cookiecutter.project_slug }} import create_app, production

EAGER = {"task_always_eager": True}


@pytest.fixture
def celery_app():
    return create_app({"TESTING": True, "CELERY": EAGER}).extensions["celery"]


def test_the_factory_sets_up_celery_as_flasks_documentation_does(celery_app):
    assert "{{ cookiecutter.project_slug }}.jobs.count_words" in celery_app.tasks
    # What the README's guarantees rest on.
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.broker_transport_options == {"confirm_publish": True}


def test_a_task_runs_in_an_app_context(celery_app):
    @shared_task
    def app_name() -> str:
        return current_app.name

    assert app_name.delay().get() == "{{ cookiecutter.project_slug }}"
{%- if cookiecutter.database == "none" %}


def test_the_example_job_counts_words(celery_app):
    from {{ cookiecutter.project_slug }}.jobs import count_words

    assert count_words.delay("one two three").get() == 3
{%- endif %}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "is empty"),
        ("guest", "is a published placeholder"),
        ("short", "is too short"),
    ],
)
def test_production_refuses_a_weak_broker_password(monkeypatch, password, reason):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BROKER_URL", f"amqp://app:{password}@broker:5672//")
    with pytest.raises(production.UnsafeConfiguration) as refused:
        production.create_production_app()
    assert f"the broker password {reason}." in str(refused.value)


def test_tests_send_no_job_to_your_worker(monkeypatch):
    monkeypatch.setenv("BROKER_URL", "amqp://app:secret@broker:5672//")
    celery_app = create_app({"TESTING": True}).extensions["celery"]
    assert celery_app.conf.broker_url == "memory://"  # never the dev broker


def test_a_missing_broker_url_refuses_the_start_in_one_line(monkeypatch):
    monkeypatch.delenv("BROKER_URL", raising=False)
    monkeypatch.delenv("BROKER_URL_FILE", raising=False)
    with pytest.raises(SystemExit) as refused:
        create_app()
    assert str(refused.value).startswith("Refusing to start: BROKER_URL is not set")
    assert "\n" not in str(refused.value)
