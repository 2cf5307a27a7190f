"""Background jobs: Celery, set up as Flask's documentation does.

`init_app` is Flask's `celery_init_app`: every task runs in an app context,
with the app's config and database. A worker builds the app with the
factory, so a `shared_task` in any module the app imports is registered:
`scripts/devworker.py` in dev (reloaded at each save, like the dev
server), `make_celery.py` in production.

BROKER_URL names the broker (Compose builds it from the BROKER_* values in
.env), or the file BROKER_URL_FILE names (a Swarm or Kubernetes secret).
Tests never send jobs to your worker: with TESTING, an in-memory broker
(kombu's `memory://`), unless CELERY["broker_url"] says otherwise.

What the settings below guarantee, with RabbitMQ:
- a job is taken once the broker confirmed it stored the message (on
  disk, in a durable queue): `delay()` returns then, or raises within
  seconds while the broker is away;
- a job is acknowledged once it ran: a worker that dies mid-job (killed,
  out of memory) leaves it to the broker, which gives it to the next
  worker at once; a worker that stops (a reload, `docker compose stop`)
  takes no new job and finishes the one it runs first;
- a worker holds only the job it runs, never a backlog another worker
  could run.
A job may still run again: after a crash (of the worker, or of its
connection to the broker, which then gives the job to another worker) or
when it runs longer than RabbitMQ's consumer_timeout (30 min by default).
Write tasks that can run again (jobs.py shows how).
"""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task, bootsteps
from flask import Flask
from kombu.utils.url import url_to_parts

from . import config

SETTINGS = {
    "task_acks_late": True,
    # Acknowledged late, but not acknowledged if the process running it died.
    "task_reject_on_worker_lost": True,
    # A lost connection gives the running jobs back to the broker: stop them
    # rather than finish them twice (processes can be stopped; threads, as
    # in dev, cannot).
    "worker_cancel_long_running_tasks_on_connection_loss": True,
    "worker_prefetch_multiplier": 1,
    # Results are the jobs' own business (jobs.py stores its own).
    "task_ignore_result": True,
    # Publisher confirms: delay() returns once the broker holds the job.
    "broker_transport_options": {"confirm_publish": True},
    # Enqueueing while the broker is away fails within seconds, not minutes.
    "broker_connection_timeout": 2,
    "task_publish_retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 1,
    },
    "broker_connection_retry_on_startup": True,
}
# The worker touches this file while it is connected to the broker: the
# container's healthcheck reads its age (scripts/healthcheck.py, which
# wants it younger than 30 s) at this path (compose/celery.yml, deploy/).
ALIVE_FILE = "/tmp/worker-alive"  # noqa: S108
ALIVE_EVERY_SECONDS = 10
HOW_TO_MAKE_A_PASSWORD = config.how_to_make_a_password("BROKER_PASSWORD")


def broker_url() -> str:
    url = config.from_environment("BROKER_URL")
    if not url:
        raise config.Refused(
            [
                "BROKER_URL is not set: Compose sets it from the BROKER_* values "
                "in .env; elsewhere, set it, e.g. amqp://user:password@host:5672//"
            ]
        )
    return url


def init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    # CELERY in the app's config wins (tests: task_always_eager...).
    settings = {**SETTINGS, **app.config.get("CELERY", {})}
    if "broker_url" not in settings:
        settings["broker_url"] = "memory://" if app.testing else broker_url()
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    celery_app.set_default()
    celery_app.steps["consumer"].add(Alive)
    app.extensions["celery"] = celery_app
    app.extensions.setdefault("production_checks", []).append(password_problem)
    return celery_app


def password_problem(app: Flask) -> str | None:
    """For production: what is wrong with the broker's password, if anything."""
    password = url_to_parts(app.extensions["celery"].conf.broker_url)[4]
    return config.password_problem(password, "broker", HOW_TO_MAKE_A_PASSWORD)


class Alive(bootsteps.StartStopStep):
    """Touches ALIVE_FILE every few seconds while the worker is connected."""

    requires = {"celery.worker.consumer.connection:Connection"}

    def start(self, consumer) -> None:
        self.touch()
        self.timer = consumer.timer.call_repeatedly(ALIVE_EVERY_SECONDS, self.touch)

    def stop(self, consumer) -> None:
        if timer := getattr(self, "timer", None):
            timer.cancel()

    @staticmethod
    def touch() -> None:
        Path(ALIVE_FILE).touch()
