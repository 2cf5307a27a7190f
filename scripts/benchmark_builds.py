"""Benchmark of image builds: uv from the lock against the pip build it
replaced, side by side, on the same machine, in one run.

The pip build is the template's Dockerfile as it was before locked builds
(a virtualenv made by `python -m venv`, then `pip install -r` of version
ranges in requirements/, with pip's cache in a BuildKit cache mount),
written here next to the same project. For each:

- cold dev and cold prod builds: the base image present, the build cache
  (layers and cache mounts) emptied before each;
- the prod rebuild after a code-only change (views.py);
- the prod rebuild after adding one small dependency (six), once the lock
  (or requirements/base.txt) says so;
- the size of the prod image.

It empties the machine's whole build cache (`docker builder prune`) before
each cold build: run it where nothing else builds.

Usage: scripts/benchmark.sh builds [--out docs]
Prints a Markdown table; writes it (image-builds.md) and a PNG plot to --out.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown, publish  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402

PIP_DOCKERFILE = """\
ARG PYTHON_IMAGE=python:3.13-slim

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    VIRTUAL_ENV=/opt/venv \\
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install -r requirements/base.txt

FROM base AS dev
COPY requirements/dev.txt requirements/dev.txt
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install -r requirements/dev.txt
COPY . .
ENV FLASK_APP={slug}
CMD ["python", "scripts/devserver.py"]

FROM base AS prod
RUN useradd --system --user-group --uid 10001 --no-create-home \\
        --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY {slug} {slug}
COPY compose/gunicorn.conf.py compose/gunicorn.conf.py
COPY scripts/healthcheck.py scripts/healthcheck.py
RUN python -m compileall -q {slug}
USER app
CMD ["gunicorn", "--config", "compose/gunicorn.conf.py", "{slug}.wsgi:app"]
"""
PIP_REQUIREMENTS = {
    "base.txt": "flask>=3.1,<4\ngunicorn>=23\npython-dotenv>=1.0\n",
    "dev.txt": "pytest>=8\nruff>=0.8\ndebugpy>=1.8\n",
}
HEADER = ["build", "cold dev s", "cold prod s", "prod after a code change s",
          "prod after adding a dependency s", "prod image MB"]  # fmt: skip


@dataclass
class Builds:
    name: str
    cold_dev: float = 0.0
    cold_prod: float = 0.0
    code_change: float = 0.0
    new_dependency: float = 0.0
    prod_megabytes: float = 0.0

    def row(self) -> list[str]:
        return [
            self.name,
            f"{self.cold_dev:.1f}",
            f"{self.cold_prod:.1f}",
            f"{self.code_change:.1f}",
            f"{self.new_dependency:.1f}",
            f"{self.prod_megabytes:.0f}",
        ]


def compose(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "compose", "-p", f"buildbench-{project.parent.name}", *args],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    )


def timed_build(project: Path, service: str, cold: bool) -> float:
    if cold:
        subprocess.run(
            ["docker", "builder", "prune", "-af"], check=True, capture_output=True
        )
    started = time.monotonic()
    compose(project, "--profile", service, "build", service)
    return time.monotonic() - started


def pip_project(project: Path, root: Path) -> Path:
    """The same project with the pip build it had before."""
    copy = root / "pip" / project.name
    shutil.copytree(project, copy)
    (copy / "uv.lock").unlink()
    (copy / "Dockerfile").write_text(PIP_DOCKERFILE.replace("{slug}", project.name))
    (copy / "requirements").mkdir()
    for name, text in PIP_REQUIREMENTS.items():
        (copy / "requirements" / name).write_text(text)
    return copy


def add_dependency(project: Path, uses_uv: bool) -> None:
    if uses_uv:
        compose(project, "run", "--rm", "--no-deps", "-T", "dev", "uv", "add", "six")
    else:
        requirements = project / "requirements" / "base.txt"
        requirements.write_text(requirements.read_text() + "six\n")


def measure(name: str, project: Path, uses_uv: bool) -> Builds:
    builds = Builds(name)
    builds.cold_dev = timed_build(project, "dev", cold=True)
    builds.cold_prod = timed_build(project, "prod", cold=True)
    views = project / project.name / "views.py"
    views.write_text(views.read_text() + "\n# a code change\n")
    builds.code_change = timed_build(project, "prod", cold=False)
    add_dependency(project, uses_uv)
    builds.new_dependency = timed_build(project, "prod", cold=False)
    image = f"buildbench-{project.parent.name}-prod"
    size = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Size}}", image],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    builds.prod_megabytes = int(size) / 1e6
    return builds


def plot(results: list[Builds], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = HEADER[1:5]
    fig, axis = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(results)
    for index, builds in enumerate(results):
        values = [float(cell) for cell in builds.row()[1:5]]
        positions = [n + index * width for n in range(len(labels))]
        axis.bar(positions, values, width, label=builds.name)
    axis.set_xticks([n + width / 2 for n in range(len(labels))], labels, fontsize=8)
    axis.set_ylabel("seconds")
    axis.set_title("Image builds: uv from the lock against pip")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = generate_project(root / "uv", project_name="Build Bench")
        pip = pip_project(project, root)
        for name, path, uses_uv in [
            ("pip (before)", pip, False),
            ("uv, locked", project, True),
        ]:
            print(f"... {name}", file=sys.stderr, flush=True)
            results.append(measure(name, path, uses_uv))
            print("|", " | ".join(results[-1].row()), "|", file=sys.stderr)
            compose(path, "--profile", "*", "down", "--rmi", "local")
    table = markdown(HEADER, [result.row() for result in results])
    publish(table, args.out, "image-builds", lambda path: plot(results, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
