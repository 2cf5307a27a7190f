"""What a server shows when the app can't be imported (serve.py)."""

import pytest
from devreload.serve import load_app


@pytest.mark.parametrize(
    ("module", "error", "message"),
    [
        ("import sys\nsys.exit(3)\n", RuntimeError, "sys.exit(3)"),
        ("raise KeyError('SETTING')\n", KeyError, "SETTING"),
        ("def broken(:\n", SyntaxError, "invalid syntax"),
    ],
    ids=["sys.exit", "an exception", "a syntax error"],
)
def test_an_app_failing_at_import_serves_its_error(
    tmp_path, monkeypatch, module, error, message
):
    (tmp_path / "failing_app.py").write_text(module)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_APP", "failing_app.py")
    app = load_app()
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        app({}, lambda *args: None)
