#!/usr/bin/env bash
# Make uv.lock anew for every variant of the generated project and ship it
# in the template (template/{{cookiecutter.project_slug}}/.locks/). Run it
# after changing the dependencies in the template's pyproject.toml, or to
# take newer releases; review the diff; the tests check the result. Names
# of variants (python3.13-postgres-celery) lock only those.
# Needs Docker (uv, from the image the project's Dockerfile names, runs in a
# container of each Python version).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
exec .venv/bin/python - "$@" <<'PY'
import re, sys, tempfile
from pathlib import Path

from tests.docker.locks import SHIPPED, hooks, placeholder_project, uv, variants

SHIPPED.mkdir(exist_ok=True)
only = sys.argv[1:]  # variants to lock (python3.13-postgres-celery...); all by default
for python_version, database, worker in variants():
    name = f"{hooks.variant(python_version, database, worker)}.lock"
    if only and name.removesuffix(".lock") not in only:
        continue
    with tempfile.TemporaryDirectory() as tmp:
        project = placeholder_project(Path(tmp), python_version, database, worker)
        (project / "uv.lock").unlink(missing_ok=True)
        result = uv(project, python_version, "lock")
        if result.returncode:
            sys.exit(f"uv lock failed for {name}:\n{result.stderr}")
        lock = (project / "uv.lock").read_text()
        (SHIPPED / name).write_text(lock)
        print(f"{name}: {lock.count('[[package]]')} packages", file=sys.stderr)
        # pre-commit runs the locked ruff (one version, checked by the tests).
        ruff = re.search(r'name = "ruff"\nversion = "([^"]+)"', lock).group(1)
        config = SHIPPED.parent / ".pre-commit-config.yaml"
        config.write_text(re.sub(r"rev: v[0-9.]+", f"rev: v{ruff}", config.read_text()))
PY
