"""An example background job: count the words of a text, in the worker.

POST /jobs hands the job to the broker and answers once the broker holds
it (worker.py: publisher confirms): 202, the job is taken; 503 within
seconds while the broker is away, and the job is not taken. `seconds`
(JSON only, at most 60) makes the job last that long, to watch one run.

Without a database, a result has nowhere to be kept: the worker logs it.
A job can be delivered more than once (its worker died mid-job): a task
whose effect must happen once keys it by what it works on.
"""

import time

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import Blueprint, abort, redirect, render_template, request, url_for
from kombu.exceptions import OperationalError

from .views import wants_json

bp = Blueprint("jobs", __name__)
log = get_task_logger(__name__)
UNAVAILABLE = "The job queue is unavailable: the job was not taken. Try again."
MAX_SECONDS = 60


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
    return render_template("jobs.html", taken=request.args.get("taken"))


@bp.post("/jobs")
def create():
    data = (request.get_json(silent=True) or {}) if request.is_json else request.form
    text = str(data.get("text", "")).strip()
    if not text or len(text) > 500:
        abort(400, "A job's text is 1 to 500 characters.")
    seconds = data.get("seconds", 0) if request.is_json else 0
    if not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
        abort(400, f"seconds is a number from 0 to {MAX_SECONDS}.")
    job_id = count_words.delay(text, seconds).id
    if wants_json():
        return {"id": job_id, "status": "taken"}, 202
    return redirect(url_for("jobs.index", taken=job_id))


@shared_task
def count_words(text: str, seconds: float = 0) -> int:
    """Runs in the worker (worker.py); its log shows the result."""
    time.sleep(seconds)
    words = len(text.split())
    log.info("%s words in %r", words, text[:50])
    return words
