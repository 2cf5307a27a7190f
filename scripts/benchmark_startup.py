"""Benchmark of `docker compose up dev`: from the command to the first
answer of the dev server, with the images already built.

Three cases, each started several times from `docker compose down`:
- postgres (the default), its data volume kept: the everyday start; `db`
  starts and becomes healthy, migrations run (nothing to apply), the
  server starts;
- postgres, a new data volume (`down --volumes` before): the first start
  of a project, the database initialised and every migration applied;
- none: the stateless project, for comparison.

`up` builds the dev image each time (`pull_policy: build`; from cache,
nothing changed): part of what users wait for, so part of the figures.

Usage: scripts/benchmark.sh startup [--runs 5] [--out docs]
Prints a Markdown table; writes it (dev-startup.md) and a PNG plot to --out.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown, publish  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402
from tests.docker.stack import free_port  # noqa: E402

# name: (database, whether the data volume is removed before each start)
CASES = {
    "postgres, data kept (default)": ("postgres", False),
    "postgres, new database": ("postgres", True),
    "none (stateless)": ("none", False),
}
TIMEOUT_SECONDS = 120


@dataclass
class Case:
    name: str
    seconds: list[float] = field(default_factory=list)

    HEADER = ["case", "runs", "median s", "min s", "max s"]

    def row(self) -> list[str]:
        return [
            self.name,
            str(len(self.seconds)),
            f"{statistics.median(self.seconds):.2f}",
            f"{min(self.seconds):.2f}",
            f"{max(self.seconds):.2f}",
        ]


def compose(project: Path, *args: str) -> None:
    command = ["docker", "compose", "-p", f"startbench-{project.name}", *args]
    subprocess.run(command, cwd=project, check=True, capture_output=True)


def first_answer(url: str) -> float:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return time.monotonic()
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer within {TIMEOUT_SECONDS} s")


def measure(workdir: Path, name: str, runs: int) -> Case:
    database, new_volume = CASES[name]
    project = generate_project(
        workdir / database, project_name="Start Bench", database=database
    )
    port = free_port()
    env = (project / ".env").read_text().replace("DEV_PORT=5000", f"DEV_PORT={port}")
    env = env.replace("DB_PORT=5432", f"DB_PORT={free_port()}")
    (project / ".env").write_text(env)
    case = Case(name)
    try:
        compose(project, "build", "dev")
        compose(project, "up", "--detach", "--wait", "dev")  # the data volume
        for _ in range(runs):
            compose(project, "down", *(["--volumes"] if new_volume else []))
            started = time.monotonic()
            compose(project, "up", "--detach", "dev")
            case.seconds.append(first_answer(f"http://127.0.0.1:{port}/") - started)
            print("|", " | ".join(case.row()), "|", file=sys.stderr, flush=True)
    finally:
        compose(project, "down", "--volumes", "--rmi", "local")
    return case


def plot(cases: list[Case], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(8, 4))
    axis.boxplot([case.seconds for case in cases], whis=(0, 100))
    axis.set_xticks(range(1, len(cases) + 1), [case.name for case in cases])
    axis.axhline(10, color="grey", linestyle="--", linewidth=1)
    axis.set_ylim(bottom=0)
    axis.set_ylabel("seconds to the first answer")
    axis.set_title("docker compose up dev, images built (whiskers: min-max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for name in CASES:
            print(f"... {name}", file=sys.stderr, flush=True)
            cases.append(measure(Path(tmp) / str(len(cases)), name, args.runs))
    table = markdown(Case.HEADER, [case.row() for case in cases])
    publish(table, args.out, "dev-startup", lambda path: plot(cases, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
