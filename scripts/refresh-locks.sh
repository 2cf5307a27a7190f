#!/usr/bin/env bash
# Make uv.lock anew for every variant of the generated project and ship it
# in the template (template/{{cookiecutter.project_slug}}/.locks/). Run it
# after changing the dependencies in the template's pyproject.toml, or to
# take newer releases; review the diff; the tests check the result.
# Needs Docker (uv, from the image the project's Dockerfile names, runs in a
# container of each Python version).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
exec .venv/bin/python - <<'PY'
import re, sys, tempfile
from pathlib import Path

from tests.docker.locks import SHIPPED, hooks, placeholder_project, uv, variants

SHIPPED.mkdir(exist_ok=True)
for python_version, database in variants():
    with tempfile.TemporaryDirectory() as tmp:
        project = placeholder_project(Path(tmp), python_version, database)
        (project / "uv.lock").unlink(missing_ok=True)
        result = uv(project, python_version, "lock")
        if result.returncode:
            sys.exit(f"uv lock failed for {python_version}, {database}:\n{result.stderr}")
        lock = (project / "uv.lock").read_text()
        name = f"{hooks.variant(python_version, database)}.lock"
        (SHIPPED / name).write_text(lock)
        print(f"{name}: {lock.count('[[package]]')} packages", file=sys.stderr)
        # pre-commit runs the locked ruff (one version, checked by the tests).
        ruff = re.search(r'name = "ruff"\nversion = "([^"]+)"', lock).group(1)
        config = SHIPPED.parent / ".pre-commit-config.yaml"
        config.write_text(re.sub(r"rev: v[0-9.]+", f"rev: v{ruff}", config.read_text()))
PY
