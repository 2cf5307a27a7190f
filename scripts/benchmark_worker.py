"""Benchmark of the dev worker's reload: from a save of a task's module to
the new code running in a task, for the template's dev worker (its
reloader) and, on the same image and broker, the two common recipes:

- watchfiles (cookiecutter-django's): `watchfiles --filter python
  celery.__main__.main --args "<worker arguments>"`;
- watchmedo (watchdog's): `watchmedo auto-restart --directory=. --pattern
  "*.py" --recursive -- celery <worker arguments>`, as documented, and with
  the pattern `**/*.py`, which watchdog 7 needs.

Every one runs the same worker (`--pool threads --concurrency 2`, the dev
worker's) on the default project with worker=celery. Each save changes what
the example task stores; jobs are sent until one comes back with the new
result. At the end, every job sent is checked in the database: lost (never
ran) or repeated (ran twice). Idle CPU: the worker's container over 30 s
without jobs or saves, healthcheck included.

Usage: scripts/benchmark.sh worker [--saves 20] [--out docs]
Prints a Markdown table; writes it (worker-reload.md) and a PNG plot to --out.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown, publish  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402
from tests.docker.stack import free_port  # noqa: E402

WORKER = (
    "--app {slug}.make_celery worker --loglevel INFO --pool threads --concurrency 2"
)
RECIPES = {
    "template's reloader (default)": None,
    "watchfiles": 'watchfiles --filter python celery.__main__.main --args "{worker}"',
    # As watchdog's documentation writes it: with watchdog 7, which matches
    # patterns against whole paths, '*.py' matches no file under /app...
    "watchmedo": (
        "watchmedo auto-restart --directory=. --pattern '*.py' --recursive "
        "-- celery {worker}"
    ),
    # ... and '**/*.py' does.
    "watchmedo, **/*.py": (
        "watchmedo auto-restart --directory=. --pattern '**/*.py' --recursive "
        "-- celery {worker}"
    ),
}
# A reloader that served none of its first saves is not waited for longer.
GIVE_UP_AFTER = 3
# The recipes' tools, in dev's image.
RECIPE_IMAGE = """FROM {image} AS dev
RUN uv pip install --python /opt/venv/bin/python watchfiles 'watchdog[watchmedo]'
"""
RESULT = re.compile(r"job\.words = len\(job\.text\.split\(\)\)( \+ \d+)?")
TIMEOUT_SECONDS = 20


@dataclass
class Case:
    name: str
    seconds: list[float] = field(default_factory=list)
    failed: int = 0  # saves whose new code never ran within the timeout
    lost: int = 0
    repeated: int = 0
    sent: int = 0
    idle_cpu: float = 0.0  # percent of one core

    HEADER = ["reloader", "saves", "p50 s", "p95 s", "max s", "failed", "jobs sent",
              "lost", "run twice", "idle CPU"]  # fmt: skip

    def row(self) -> list[str]:
        ordered = sorted(self.seconds) or [float("nan")]
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return [
            self.name,
            str(len(self.seconds) + self.failed),
            f"{statistics.median(ordered):.3f}",
            f"{p95:.3f}",
            f"{ordered[-1]:.3f}",
            str(self.failed),
            str(self.sent),
            str(self.lost),
            str(self.repeated),
            f"{self.idle_cpu:.2f}%",
        ]


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"workerbench-{root.parent.name.lower()}"
        self.port = free_port()
        env = (root / ".env").read_text()
        env = env.replace("DEV_PORT=5000", f"DEV_PORT={self.port}")
        env = env.replace("DB_PORT=5432", f"DB_PORT={free_port()}")
        (root / ".env").write_text(env)
        self.jobs_py = root / root.name / "jobs.py"
        self.original = self.jobs_py.read_text()

    def compose(self, *args: str, files: tuple[str, ...] = ()) -> None:
        self.compose_output(*args, files=files)

    def compose_output(self, *args: str, files: tuple[str, ...] = ()) -> str:
        options = [arg for f in ("docker-compose.yml", *files) for arg in ("-f", f)]
        command = ["docker", "compose", *options, "-p", self.name, *args]
        done = subprocess.run(
            command, cwd=self.root, check=True, capture_output=True, text=True
        )
        return done.stdout

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def send(self) -> int:
        answer = requests.post(self.url("/jobs"), json={"text": "x"}, timeout=30)
        answer.raise_for_status()
        return answer.json()["id"]

    def jobs(self) -> dict[int, dict]:
        answer = requests.get(
            self.url("/jobs"), headers={"Accept": "application/json"}, timeout=10
        )
        return {job["id"]: job for job in answer.json()["jobs"]}

    def save(self, version: int) -> None:
        text = RESULT.sub(
            f"job.words = len(job.text.split()) + {version}", self.original
        )
        self.jobs_py.write_text(text)


def wait_for_worker(project: Project) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            job = project.send()
            for _ in range(100):
                if project.jobs().get(job, {}).get("words") is not None:
                    return
                time.sleep(0.1)
        except requests.RequestException:
            time.sleep(0.5)
    raise TimeoutError("the worker ran no job within 120 s")


def new_code_runs(project: Project, version: int, sent: list[int]) -> float | None:
    """Seconds from the save to a job that ran the saved code, or None."""
    project.save(version)
    saved = time.monotonic()
    while time.monotonic() - saved < TIMEOUT_SECONDS:
        sent.append(project.send())
        while time.monotonic() - saved < TIMEOUT_SECONDS:
            words = project.jobs().get(sent[-1], {}).get("words")
            if words == version + 1:
                return time.monotonic() - saved
            if words is not None:
                break  # the old code ran it: send another
            time.sleep(0.005)
    return None


def count_outcomes(project: Project, case: Case, sent: list[int]) -> None:
    """Lost and repeated jobs, from the database, once all had time to run."""
    ids = ",".join(map(str, sent))
    query = f"SELECT attempts, words IS NULL FROM jobs WHERE id IN ({ids})"
    deadline = time.monotonic() + 60
    while True:
        psql = ["psql", "-U", "app", "-d", project.root.name, "-tA", "-F", " "]
        out = project.compose_output("exec", "-T", "db", *psql, "-c", query)
        rows = [line.split() for line in out.splitlines() if line.strip()]
        waiting = sum(1 for _, missing in rows if missing == "t")
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(1)
    case.sent = len(sent)
    case.lost = len(sent) - len(rows) + waiting
    case.repeated = sum(1 for attempts, _ in rows if int(attempts) > 1)


def idle_cpu(project: Project, seconds: float = 30) -> float:
    container = docker.from_env().containers.get(f"{project.name}-dev-worker-1")

    def used() -> int:
        return container.stats(stream=False)["cpu_stats"]["cpu_usage"]["total_usage"]

    time.sleep(5)  # settled after the last save
    before, began = used(), time.monotonic()
    time.sleep(seconds)
    return (used() - before) / 1e9 / (time.monotonic() - began) * 100


def measure(project: Project, name: str, recipe: str | None, saves: int) -> Case:
    files: tuple[str, ...] = ()
    if recipe:
        worker = WORKER.format(slug=project.root.name)
        override = project.root / "recipe.yml"
        override.write_text(
            "services:\n  dev-worker:\n"
            f"    image: {project.name}-recipes\n"
            "    build:\n      context: .\n      dockerfile: recipe.Dockerfile\n"
            # What the dev worker reads itself (the production app, which
            # celery runs here, reads no .env).
            "    env_file: [compose/dev.env, .env]\n"
            f'    command: ["sh", "-c", {recipe.format(worker=worker)!r}]\n'
        )
        (project.root / "recipe.Dockerfile").write_text(
            RECIPE_IMAGE.format(image=f"{project.name}-dev-worker")
        )
        files = ("recipe.yml",)
    project.compose("up", "--build", "--detach", "dev", files=files)
    case = Case(name)
    sent: list[int] = []
    try:
        wait_for_worker(project)
        for version in range(1, saves + 1):
            took = new_code_runs(project, version * 1000, sent)
            if took is None:
                case.failed += 1
            else:
                case.seconds.append(took)
            print("|", " | ".join(case.row()), "|", file=sys.stderr, flush=True)
            if case.failed == GIVE_UP_AFTER and not case.seconds:
                break
            time.sleep(0.5)
        count_outcomes(project, case, sent)
        case.idle_cpu = idle_cpu(project)
    finally:
        project.jobs_py.write_text(project.original)
    return case


def plot(cases: list[Case], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(9, 4))
    for position, case in enumerate(cases, start=1):
        if case.seconds:
            axis.boxplot([case.seconds], positions=[position], whis=(0, 100))
        else:  # nothing to plot: it never ran the new code
            axis.text(position, 1, "never\nreloaded", ha="center", va="center")
    axis.set_xticks(range(1, len(cases) + 1), [case.name for case in cases])
    axis.set_xlim(0.5, len(cases) + 0.5)
    axis.set_yscale("log")
    axis.set_ylabel("seconds from save to new code in a task")
    axis.set_title("Dev worker reload, worker=celery (whiskers: min-max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = generate_project(
            Path(tmp) / "bench", project_name="Worker Bench", worker="celery"
        )
        project = Project(root)
        cases = []
        try:
            for name, recipe in RECIPES.items():
                print(f"... {name}", file=sys.stderr, flush=True)
                cases.append(measure(project, name, recipe, args.saves))
        finally:
            project.compose("--profile", "*", "down", "--volumes", "--rmi", "local")
            subprocess.run(["docker", "image", "rm", "-f", f"{project.name}-recipes"],
                           check=False, capture_output=True)  # fmt: skip
    table = markdown(Case.HEADER, [case.row() for case in cases])
    publish(table, args.out, "worker-reload", lambda path: plot(cases, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
