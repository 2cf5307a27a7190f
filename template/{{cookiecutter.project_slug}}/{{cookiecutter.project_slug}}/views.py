"""The pages of the app, in one blueprint."""

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def health():
    """Cheap liveness check for the container healthchecks: no I/O."""
    return {"status": "ok"}
