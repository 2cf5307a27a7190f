"""Protective headers, cross-site form posts, HSTS and cookies (security.py)."""

import pytest
from flask import session

from {{ cookiecutter.project_slug }} import create_app

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CROSS_SITE = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32})

    @app.post("/form")
    def form():
        session["posted"] = True
        return "posted"

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 page, as in prod
    return app


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/boom", "/static/style.css"])
def test_every_response_has_the_protective_headers(client, path):
    response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_a_view_may_loosen_a_header(app, client):
    app.get("/embeddable")(lambda: ("", {"X-Frame-Options": "SAMEORIGIN"}))
    assert client.get("/embeddable").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_over_tls_hsts_and_a_secure_session_cookie(client):
    plain = client.post("/form")
    assert "Secure" not in plain.headers["Set-Cookie"]
    secure = client.post("/form", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in secure.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "headers",
    [CROSS_SITE, {"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "same-site"}],
    ids=["fetch metadata", "origin only", "same site, other origin"],
)
def test_a_form_posted_from_another_site_is_refused(client, headers):
    response = client.post("/form", data={"text": "x"}, headers=headers)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers  # the view never ran


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "none"},
        {},  # not a browser
    ],
    ids=["same origin", "origin only", "typed by the user", "no browser"],
)
def test_the_sites_own_forms_and_other_clients_post(client, headers):
    assert client.post("/form", data={"text": "x"}, headers=headers).text == "posted"


def test_json_is_not_a_form(client):
    response = client.post("/form", json={"text": "x"}, headers=CROSS_SITE)
    assert response.text == "posted"
