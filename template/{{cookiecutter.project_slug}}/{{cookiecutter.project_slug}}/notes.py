"""An example page kept in the database: notes (the model is in models.py).

Writes are answered only once committed: a 201 means the note is stored.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from .extensions import db
from .models import Note

bp = Blueprint("notes", __name__)


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


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
    note = Note(text=text)
    db.session.add(note)
    db.session.commit()
    if wants_json():
        return {"id": note.id, "text": note.text}, 201
    return redirect(url_for("notes.index"))
