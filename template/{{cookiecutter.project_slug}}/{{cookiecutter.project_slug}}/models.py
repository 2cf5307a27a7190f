"""The database's tables. After a change: `flask db migrate -m "..."`, review
the new file in migrations/versions/, then `flask db upgrade`."""

from datetime import datetime

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class Note(db.Model):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The client's Idempotency-Key of the request that stored the note, if
    # it sent one: a retry with the same key finds the note (notes.py).
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
{%- if cookiecutter.worker == "celery" %}


class Job(db.Model):
    """A background job of jobs.py: its text, and its result once done."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Deliveries to a worker; more than one: a worker died during the job.
    attempts: Mapped[int] = mapped_column(server_default="0")
    words: Mapped[int | None]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "words": self.words,
            "attempts": self.attempts,
        }
{%- endif %}
