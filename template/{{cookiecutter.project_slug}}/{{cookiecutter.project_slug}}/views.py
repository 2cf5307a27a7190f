"""The pages of the app, in one blueprint."""

from flask import Blueprint, current_app, render_template, request

bp = Blueprint("main", __name__)


def wants_json() -> bool:
    """Whether to answer in JSON (the example pages answer both ways)."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def health():
    """Cheap liveness check for the container healthchecks: no I/O."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """Readiness, not liveness: whether the app can serve now. Extensions
    add their checks to app.extensions["readiness"] (the database does);
    a failing one answers an error, and the orchestrator sends no traffic."""
    for check in current_app.extensions.get("readiness", []):
        check()
    return {"status": "ready"}
