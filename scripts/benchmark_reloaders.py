"""Benchmark of dev-server reloaders, side by side, in one run.

Generates a project, builds its dev image, then runs each reloader in the
same container set-up (same image, same bind mount, same app) and measures:

- edit-to-served: the host rewrites views.py in place at random intervals;
  a client polls the page (a new connection each time) until it serves the
  new code; the time from the write to that answer;
- failed requests: connection errors and 5xx answers while reloading;
- idle CPU: the container's processes, over 10 s without edits;

in three trees: the generated project; the same with 10,000 extra .py files;
and an app importing a third-party library that takes 1 s to import.

Reloaders: this template's (polling mode), Werkzeug's stat reloader
(`flask run --debug` without watchdog installed) and watchdog's
`watchmedo auto-restart` with its polling observer.

Usage: scripts/benchmark.sh [--edits 20] [--out docs]
Prints a Markdown table; writes it and a PNG plot of the latencies to --out.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import generate_project  # noqa: E402
from tests.docker.stack import free_port  # noqa: E402

CONTAINER_PORT = 5000
HEAVY_IMPORT_SECONDS = 1.0
WERKZEUG_STAT = """\
# `flask` with watchdog hidden: Werkzeug falls back to its stat reloader.
import sys

sys.modules["watchdog"] = None
from flask.cli import main

sys.exit(main())
"""
HEAVY_LIBRARY = f"""\
# Stands for a library that is slow to import (pandas, torch...): 1 s of CPU.
import time

_end = time.process_time() + {HEAVY_IMPORT_SECONDS}
while time.process_time() < _end:
    pass
"""
PROBE_VIEW = """

@bp.get("/probe")
def probe():
    return "{marker}"
"""
FLASK_RUN = "flask run --debug --host 0.0.0.0 --port 5000"
RELOADERS = {
    "this template (poll)": ["python", "scripts/devserver.py"],
    "werkzeug stat": ["python", "/opt/bench/werkzeug_stat.py", *FLASK_RUN.split()[1:]],
    "watchmedo (polling, 0.25 s)": [
        "watchmedo", "auto-restart", "--debug-force-polling", "--interval", "0.25",
        "--patterns", "*.py;**/*.py", "--recursive", "--directory", "/app", "--",
        *FLASK_RUN.split(), "--no-reload",
    ],
}  # fmt: skip
TREES = ("project", "+10,000 files", "heavy import")


@dataclass
class Run:
    reloader: str
    tree: str
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    requests: int = 0
    idle_cpu: float = 0.0  # percent of one core

    def row(self) -> list[str]:
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return [
            self.reloader,
            self.tree,
            f"{statistics.median(ordered):.3f}",
            f"{p95:.3f}",
            f"{max(ordered):.3f}",
            f"{self.failed}/{self.requests}",
            f"{self.idle_cpu:.1f}%",
        ]


HEADER = ["reloader", "tree", "median s", "p95 s", "max s", "failed", "idle CPU"]


def cpu_seconds(container) -> float:
    """CPU time of the container's processes so far, from the host's /proc."""
    ticks = 0
    for process in container.top(ps_args="-o pid")["Processes"]:
        stat = Path(f"/proc/{process[0]}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / 100  # USER_HZ


def prepare(workdir: Path) -> tuple[Path, Path]:
    project = generate_project(workdir / "out", project_name="Reloader Bench")
    bench = workdir / "bench"
    (bench / "heavylib").mkdir(parents=True)
    (bench / "heavylib" / "__init__.py").write_text(HEAVY_LIBRARY)
    (bench / "werkzeug_stat.py").write_text(WERKZEUG_STAT)
    return project, bench


def shape_tree(project: Path, tree: str, original_views: str) -> None:
    views = project / project.name / "views.py"
    # Inside the app's package, where every reloader looks (Werkzeug's
    # skips directories without Python files near the top).
    extra = project / project.name / "extra"
    if tree == "+10,000 files" and not extra.exists():
        for package in range(100):
            directory = extra / f"package_{package}"
            directory.mkdir(parents=True)
            (directory / "__init__.py").write_text("")
            for module in range(99):
                (directory / f"module_{module}.py").write_text("VALUE = 1\n")
    if tree != "+10,000 files" and extra.exists():
        for path in sorted(extra.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        extra.rmdir()
    heavy = "import heavylib  # noqa: F401\n" if tree == "heavy import" else ""
    views.write_text(heavy + original_views)


def probe_until(url: str, marker: str, run: Run, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.requests += 1
        try:
            response = requests.get(url, timeout=5)
            if response.text == marker:
                return time.monotonic()
            if response.status_code >= 500:
                run.failed += 1
        except requests.RequestException:
            run.failed += 1
        time.sleep(0.005)
    raise TimeoutError(f"{marker} not served after {timeout}s")


def measure(client, image, project, bench, reloader, tree, edits, rng) -> Run:
    run = Run(reloader, tree)
    port = free_port()
    container = client.containers.run(
        image,
        RELOADERS[reloader],
        detach=True,
        init=True,
        environment={
            "FLASK_APP": project.name,
            "FLASK_DEBUG": "1",
            "RELOADER_MODE": "poll",
            "PYTHONPATH": "/opt/bench",
        },
        ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", port)},
        volumes={
            str(project): {"bind": "/app", "mode": "rw"},
            str(bench): {"bind": "/opt/bench", "mode": "ro"},
        },
        working_dir="/app",
    )
    views = project / project.name / "views.py"
    original = views.read_text()
    url = f"http://127.0.0.1:{port}/probe"
    try:
        marker = "start"
        views.write_text(original + PROBE_VIEW.format(marker=marker))
        probe_until(url, marker, Run(reloader, tree), timeout=120)
        time.sleep(3)  # settle: first imports, preloading
        before = cpu_seconds(container)
        time.sleep(10)
        run.idle_cpu = 100 * (cpu_seconds(container) - before) / 10
        for _ in range(edits):
            marker = uuid.uuid4().hex
            with views.open("r+") as file:  # in place, as most editors do
                file.write(original + PROBE_VIEW.format(marker=marker))
                file.truncate()
            written = time.monotonic()
            run.latencies.append(probe_until(url, marker, run) - written)
            time.sleep(rng.uniform(0.3, 1.2))
    finally:
        views.write_text(original)
        container.remove(force=True)
    return run


def markdown(runs: list[Run]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(run.row()) + " |" for run in runs]
    return "\n".join(lines)


def plot(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(TREES), figsize=(5 * len(TREES), 4.5), sharey=True)
    for axis, tree in zip(axes, TREES, strict=True):
        mine = [run for run in runs if run.tree == tree]
        axis.boxplot([run.latencies for run in mine], whis=(5, 95), showfliers=True)
        axis.set_xticks(
            range(1, len(mine) + 1),
            [run.reloader.replace(" (", "\n(") for run in mine],
            fontsize=8,
        )
        axis.set_title(tree)
        axis.set_yscale("log")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("edit to served (s, log scale)")
    fig.suptitle("Dev-server reload latency (whiskers: p5-p95)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    client = docker.from_env()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        project, bench = prepare(Path(tmp))
        # Compose builds with BuildKit (the Dockerfile uses cache mounts).
        subprocess.run(
            ["docker", "compose", "-p", "reloaderbench", "build", "dev"],
            cwd=project,
            check=True,
            capture_output=True,
        )
        image = "reloaderbench-dev"
        original_views = (project / project.name / "views.py").read_text()
        for tree in TREES:
            shape_tree(project, tree, original_views)
            for reloader in RELOADERS:
                print(f"... {reloader}, {tree}", file=sys.stderr, flush=True)
                runs.append(
                    measure(
                        client, image, project, bench, reloader, tree, args.edits, rng
                    )
                )
    table = markdown(runs)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reloader-benchmark.md").write_text(table + "\n")
    plot(runs, args.out / "reloader-benchmark.png")
    print(f"\nwrote {args.out / 'reloader-benchmark.md'} and .png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
