from html import unescape

from {{ cookiecutter.project_slug }}.config import PROJECT_NAME


def test_index_shows_the_project_name(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    # Jinja escapes the name: compare with the unescaped page text.
    assert PROJECT_NAME in unescape(response.get_data(as_text=True))


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_runs_every_check(app, client):
    checked = []
    app.extensions["readiness"] = [lambda: checked.append("database")]
    assert client.get("/readyz").get_json() == {"status": "ready"}
    assert checked == ["database"]


def test_unknown_page_is_404(client):
    assert client.get("/no-such-page").status_code == 404
