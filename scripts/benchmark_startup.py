"""Benchmark of `docker compose up dev`: from the command to the first
answer of the dev server, then the first save after that start.

Cases, each started several times from `docker compose down`:
- postgres (the default), its data volume kept: the everyday start; `db`
  starts, migrations run (nothing to apply), the server starts; once per
  reloader mode (auto, the default; poll; native), for the first save;
- postgres, a new data volume (`down --volumes` before): the first start
  of a project, the database initialised and every migration applied;
- none: the stateless project, for comparison;
- cold: postgres, nothing built yet (the project's images and the whole
  build cache removed first), so `up` builds the dev image from scratch.

`up` builds the dev image each time (`pull_policy: build`; from cache,
nothing changed): part of what users wait for, so part of the figures.
The first save: as soon as the first answer came, views.py gets a new
view; the time until it serves the new code (polled every 5 ms).

It empties the machine's whole build cache (`docker builder prune`) for
the cold case: run it where nothing else builds.

Usage: scripts/benchmark.sh startup [--runs 5] [--out docs]
Prints two Markdown tables; writes them (dev-startup.md) and a PNG plot to
--out.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown, publish  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402
from tests.docker.stack import free_port  # noqa: E402

# name: (database, what is removed before each start, reloader mode)
CASES = {
    "postgres, data kept (default)": ("postgres", "", "auto"),
    "postgres, data kept, poll": ("postgres", "", "poll"),
    "postgres, data kept, native": ("postgres", "", "native"),
    "postgres, new database": ("postgres", "volumes", "auto"),
    "none (stateless)": ("none", "", "auto"),
    "postgres, cold (nothing built)": ("postgres", "everything", "auto"),
}
TIMEOUT_SECONDS = 300
PROBE = """

@bp.get("/first-save")
def first_save():
    return {marker!r}
"""


@dataclass
class Case:
    name: str
    mode: str
    seconds: list[float] = field(default_factory=list)
    first_saves: list[float] = field(default_factory=list)

    HEADER = ["case", "runs", "median s", "min s", "max s"]
    SAVE_HEADER = ["reloader mode", "runs", "median s", "p95 s", "max s"]

    def row(self) -> list[str]:
        return [
            self.name,
            str(len(self.seconds)),
            f"{statistics.median(self.seconds):.2f}",
            f"{min(self.seconds):.2f}",
            f"{max(self.seconds):.2f}",
        ]

    def save_row(self) -> list[str]:
        ordered = sorted(self.first_saves)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        mode = f"{self.mode} (default)" if self.mode == "auto" else self.mode
        return [
            mode,
            str(len(ordered)),
            f"{statistics.median(ordered):.3f}",
            f"{p95:.3f}",
            f"{ordered[-1]:.3f}",
        ]


def compose(project: Path, *args: str) -> None:
    command = ["docker", "compose", "-p", f"startbench-{project.name}", *args]
    subprocess.run(command, cwd=project, check=True, capture_output=True)


def first_answer(url: str, expected: str | None = None, pause: float = 0.02) -> float:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            answer = requests.get(url, timeout=1)
            if answer.status_code == 200 and expected in (None, answer.text):
                return time.monotonic()
        except requests.RequestException:
            pass
        time.sleep(pause)
    raise TimeoutError(f"{url} did not answer within {TIMEOUT_SECONDS} s")


def first_save(project: Path, port: int, original: str) -> float:
    views = project / project.name / "views.py"
    marker = uuid.uuid4().hex
    started = time.monotonic()
    with open(views, "r+") as file:  # in place, as most editors save
        file.write(original + PROBE.format(marker=marker))
        file.truncate()
    url = f"http://127.0.0.1:{port}/first-save"
    return first_answer(url, marker, pause=0.005) - started


def measure(workdir: Path, name: str, runs: int) -> Case:
    database, removed, mode = CASES[name]
    project = generate_project(
        workdir / database, project_name="Start Bench", database=database
    )
    port = free_port()
    env = (project / ".env").read_text().replace("DEV_PORT=5000", f"DEV_PORT={port}")
    env = env.replace("DB_PORT=5432", f"DB_PORT={free_port()}")
    (project / ".env").write_text(env + f"RELOADER_MODE={mode}\n")
    views = project / project.name / "views.py"
    original = views.read_text()
    case = Case(name, mode)
    try:
        compose(project, "build", "dev")
        compose(project, "up", "--detach", "--wait", "dev")  # the data volume
        for _ in range(runs):
            views.write_text(original)
            compose(project, "down", *(["--volumes"] if removed else []))
            if removed == "everything":
                compose(project, "down", "--rmi", "local")
                prune = ["docker", "builder", "prune", "-af"]
                subprocess.run(prune, check=True, capture_output=True)
            started = time.monotonic()
            compose(project, "up", "--detach", "dev")
            url = f"http://127.0.0.1:{port}/"
            case.seconds.append(first_answer(url) - started)
            case.first_saves.append(first_save(project, port, original))
            print("|", " | ".join(case.row()), "|", file=sys.stderr, flush=True)
    finally:
        views.write_text(original)
        compose(project, "down", "--volumes", "--rmi", "local")
    return case


def plot(cases: list[Case], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (starts, saves) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
    starts.boxplot([case.seconds for case in cases], whis=(0, 100))
    starts.set_xticks(
        range(1, len(cases) + 1),
        [case.name.replace(", ", "\n", 1) for case in cases],
        fontsize=7,
    )
    starts.axhline(3, color="grey", linestyle="--", linewidth=1)
    starts.set_ylim(bottom=0)
    starts.set_ylabel("seconds to the first answer")
    starts.set_title("docker compose up dev (whiskers: min-max)")
    moded = [case for case in cases if case.name.startswith("postgres, data kept")]
    saves.boxplot([case.first_saves for case in moded], whis=(0, 100))
    saves.set_xticks(range(1, len(moded) + 1), [case.mode for case in moded])
    saves.axhline(0.2, color="grey", linestyle="--", linewidth=1)
    saves.set_ylim(bottom=0)
    saves.set_ylabel("seconds from save to served")
    saves.set_title("the first save after it")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for name in CASES:
            print(f"... {name}", file=sys.stderr, flush=True)
            runs = args.cold_runs if "cold" in name else args.runs
            cases.append(measure(Path(tmp) / str(len(cases)), name, runs))
    moded = [case for case in cases if case.name.startswith("postgres, data kept")]
    table = "\n\n".join(
        [
            markdown(Case.HEADER, [case.row() for case in cases]),
            "The first save after `up dev` (postgres, data kept):",
            markdown(Case.SAVE_HEADER, [case.save_row() for case in moded]),
        ]
    )
    publish(table, args.out, "dev-startup", lambda path: plot(cases, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
