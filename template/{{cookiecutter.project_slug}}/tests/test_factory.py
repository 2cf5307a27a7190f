from {{ cookiecutter.project_slug }} import create_app


def test_overrides_win(monkeypatch):
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "10")
    assert create_app().config["MAX_CONTENT_LENGTH"] == 10
    assert create_app({"MAX_CONTENT_LENGTH": 20}).config["MAX_CONTENT_LENGTH"] == 20


def test_testing_flag():
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_blueprint_is_registered(app):
    assert "main" in app.blueprints
