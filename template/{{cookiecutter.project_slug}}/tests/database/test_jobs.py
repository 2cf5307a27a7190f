"""The example job (jobs.py), with the database, without a broker: eager
tasks run in the request, as the worker would run them."""

import time

import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.jobs import count_words
from {{ cookiecutter.project_slug }}.models import Job


@pytest.fixture
def eager(app, monkeypatch):
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", True)
    return app


def test_a_job_is_stored_taken_and_run(eager):
    answer = eager.test_client().post("/jobs", json={"text": "one two three"})
    assert answer.status_code == 202
    job = db.session.get(Job, answer.json["id"])
    assert (job.words, job.attempts) == (3, 1)


def test_a_job_delivered_again_changes_nothing(eager):
    job_id = eager.test_client().post("/jobs", json={"text": "a b"}).json["id"]
    count_words.delay(job_id)  # the broker gives it again: a worker died
    job = db.session.get(Job, job_id)
    assert (job.words, job.attempts) == (2, 2)


def test_the_jobs_page_shows_the_results(eager):
    client = eager.test_client()
    client.post("/jobs", data={"text": "four words are here"})
    assert "four words are here: 4 words" in client.get("/jobs").text


def test_with_the_broker_away_a_job_is_refused_within_seconds(migrated_app):
    away = {"broker_url": "amqp://app:password@127.0.0.1:9//"}
    app = create_app({"TESTING": True, "CELERY": away})
    started = time.monotonic()
    answer = app.test_client().post("/jobs", json={"text": "lost?"})
    assert answer.status_code == 503
    assert "not taken" in answer.json["error"]
    assert time.monotonic() - started < 10
    with app.app_context():  # not kept, so never shown as waiting
        assert db.session.query(Job).filter_by(text="lost?").count() == 0
