"""An example background job: count the words of a text, in the worker.

POST /jobs stores the job (the jobs table), then hands its id to the
broker, and answers once the broker holds it (worker.py: publisher
confirms): 202, the job is taken; 503 within seconds while the broker is
away, and the job is not kept. GET /jobs shows each job and, once the
worker stored it, its result. `seconds` (JSON only, at most 60) makes the
job last that long, to watch one run.

A job can be delivered more than once (its worker died mid-job): the task
counts its attempts, does nothing for a job that has its result already,
and gives up on one that keeps killing its worker.
"""

import time

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import Blueprint, abort, redirect, render_template, request, url_for
from kombu.exceptions import OperationalError
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError as DatabaseAway

from .extensions import db
from .models import Job
from .views import wants_json

bp = Blueprint("jobs", __name__)
log = get_task_logger(__name__)
UNAVAILABLE = "The job queue is unavailable: the job was not taken. Try again."
MAX_SECONDS = 60
MAX_ATTEMPTS = 3


@bp.app_context_processor
def link_to_jobs() -> dict[str, str]:
    """For the home page's link (index.html)."""
    return {"jobs_url": url_for("jobs.index")}


@bp.errorhandler(OperationalError)
def unavailable(_error: OperationalError):
    """The broker is away (kombu gave up after its retries): not taken."""
    body = {"error": UNAVAILABLE} if wants_json() else UNAVAILABLE
    return body, 503, {"Retry-After": "2"}


@bp.get("/jobs")
def index():
    jobs = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(20)).all()
    if wants_json():
        return {"jobs": [job.as_dict() for job in jobs]}
    return render_template("jobs.html", jobs=jobs)


@bp.post("/jobs")
def create():
    data = (request.get_json(silent=True) or {}) if request.is_json else request.form
    text = str(data.get("text", "")).strip()
    if not text or len(text) > 500:
        abort(400, "A job's text is 1 to 500 characters.")
    seconds = data.get("seconds", 0) if request.is_json else 0
    if not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
        abort(400, f"seconds is a number from 0 to {MAX_SECONDS}.")
    job = Job(text=text)
    db.session.add(job)
    db.session.commit()
    try:
        count_words.delay(job.id, seconds)
    except OperationalError:
        db.session.delete(job)  # not taken: not shown as waiting forever
        db.session.commit()
        raise
    if wants_json():
        return job.as_dict(), 202
    return redirect(url_for("jobs.index"))


# The database away: try again later (a new message, this one acknowledged).
@shared_task(autoretry_for=(DatabaseAway,), retry_backoff=True, max_retries=5)
def count_words(job_id: int, seconds: float = 0) -> None:
    """Runs in the worker, in an app context (worker.py)."""
    job = db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(attempts=Job.attempts + 1)
        .returning(Job.attempts, Job.words)
    ).one_or_none()
    db.session.commit()
    if job is None or job.words is not None:
        return  # gone, or done already: a delivery again changes nothing
    if job.attempts > MAX_ATTEMPTS:
        log.error("Job %s: given up after %s attempts", job_id, MAX_ATTEMPTS)
        return
    time.sleep(seconds)
    # Locked: of two deliveries running at once, one stores the result.
    job = db.session.get(Job, job_id, with_for_update=True)
    if job.words is None:
        job.words = len(job.text.split())
        log.info("Job %s: %s words (attempt %s)", job_id, job.words, job.attempts)
    db.session.commit()
