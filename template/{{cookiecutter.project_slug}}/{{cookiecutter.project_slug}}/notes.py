"""An example page kept in the database: notes (the model is in models.py).

Writes are answered only once committed: a 201 means the note is stored,
and the answer needs nothing more from the database (a 503 then means it
was not). A client that sends an `Idempotency-Key` header may retry a
write whose answer it never got: the same key answers the first note again
and stores nothing new. The key is stored with the note, in the same
transaction, so a note and its key are kept or lost together.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .models import Note
from .views import wants_json

bp = Blueprint("notes", __name__)


@bp.app_context_processor
def link_to_notes() -> dict[str, str]:
    """For the home page's link (index.html)."""
    return {"notes_url": url_for("notes.index")}


@bp.errorhandler(HTTPException)
def refused(error: HTTPException):
    """A JSON request gets its error as JSON too."""
    if wants_json():
        return {"error": error.description}, error.code
    return error


@bp.get("/notes")
def index():
    notes = db.session.scalars(select(Note).order_by(Note.id.desc()).limit(50)).all()
    if wants_json():
        return {"notes": [{"id": note.id, "text": note.text} for note in notes]}
    return render_template("notes.html", notes=notes)


@bp.post("/notes")
def create():
    data = request.get_json(silent=True) if request.is_json else request.form
    text = str((data or {}).get("text", "")).strip()
    if not text or len(text) > 500:
        abort(400, "A note is 1 to 500 characters of text.")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= 255:
        abort(400, "An Idempotency-Key is 1 to 255 characters.")
    note = noted_with(key) or store(Note(text=text, idempotency_key=key))
    if note.text != text:
        abort(422, "This Idempotency-Key was sent with another note.")
    if wants_json():
        return {"id": note.id, "text": note.text}, 201
    return redirect(url_for("notes.index"))


def noted_with(key: str | None) -> Note | None:
    """The note a request with this Idempotency-Key stored, if any."""
    if key is None:
        return None
    return db.session.scalar(select(Note).where(Note.idempotency_key == key))


def store(note: Note) -> Note:
    """Commit the note; the note that won if a request with the same key was
    committed meanwhile (the database refuses a key twice)."""
    db.session.add(note)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (first := noted_with(note.idempotency_key)) is None:
            raise
        return first
    return note
