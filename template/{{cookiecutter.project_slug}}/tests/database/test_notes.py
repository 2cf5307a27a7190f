"""The example page kept in the database (notes.py, models.py)."""

from sqlalchemy import func, select

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Note


def test_a_note_is_stored_and_listed(client):
    response = client.post("/notes", json={"text": "buy milk"})
    assert response.status_code == 201
    assert response.json["text"] == "buy milk"
    assert db.session.get(Note, response.json["id"]).text == "buy milk"
    page = client.get("/notes")
    assert "buy milk" in page.text


def test_the_form_adds_a_note_and_shows_the_page(client):
    response = client.post("/notes", data={"text": "from the form"})
    assert response.status_code == 302
    assert "from the form" in client.get("/notes").text


def test_each_test_starts_with_no_notes(client):
    assert db.session.scalar(select(func.count()).select_from(Note)) == 0


def test_an_empty_or_long_note_is_refused(client):
    empty = client.post("/notes", json={"text": " "})
    assert empty.status_code == 400
    assert empty.json == {"error": "A note is 1 to 500 characters of text."}
    assert client.post("/notes", json={"text": "x" * 501}).status_code == 400
    assert "<!doctype html>" in client.post("/notes", data={"text": ""}).text


def test_the_home_page_links_to_the_notes(client):
    assert 'href="/notes"' in client.get("/").text


def test_readiness_asks_the_database(client):
    assert client.get("/readyz").json == {"status": "ready"}


def test_an_unreachable_database_means_not_ready_at_once():
    nowhere = "postgresql+psycopg://user:password@127.0.0.1:9/nothing"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": nowhere})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def count_notes() -> int:
    return db.session.scalar(select(func.count()).select_from(Note))


def post(client, text: str, key: str | None = None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/notes", json={"text": text}, headers=headers)


def test_a_retry_with_the_same_idempotency_key_stores_nothing_new(client):
    first, again = post(client, "pay", "a"), post(client, "pay", "a")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert count_notes() == 1


def test_other_idempotency_keys_store_other_notes(client):
    for key in ("a", "b", None, None):  # no key: a note each time
        assert post(client, "pay", key).status_code == 201
    assert count_notes() == 4


def test_an_idempotency_key_sent_with_another_note_is_refused(client):
    post(client, "pay", "a")
    assert post(client, "buy", "a").status_code == 422
    assert post(client, "pay", "k" * 256).status_code == 400
    assert count_notes() == 1


def test_a_note_posted_from_another_site_is_refused_and_not_stored(client):
    cross_site = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    response = client.post("/notes", data={"text": "forged"}, headers=cross_site)
    assert response.status_code == 403
    assert count_notes() == 0
