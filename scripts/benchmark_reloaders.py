"""Benchmark of dev-server reloaders, side by side, in one run.

Generates a project, builds its dev image (plus watchdog, for watchmedo),
then runs each reloader in the same container set-up (same image, same bind
mount, same app). Two tables:

Edits. The host rewrites views.py in place at random intervals; a client
polls the page (a new connection each time) until it serves the new code:
- edit-to-served: from the write to that answer;
- failed requests: connection errors and 5xx answers while reloading;
- idle CPU: the container's processes, over 30 s without edits;
in four trees: the generated project; the same with 10,000 extra .py files;
an app importing an installed library that takes 1 s to import; the project seen
through a FUSE view (bindfs, attribute cache off) with edits made underneath,
so that no file event reaches the container, as with Docker Desktop, WSL2
or network shares. Reloaders: this template's in each mode (auto is the
default), Werkzeug's stat reloader (`flask run --debug` without watchdog)
and watchdog's `watchmedo auto-restart` with its polling observer.

The project is the default one (database=postgres): SQLAlchemy and
psycopg are imported, and preloaded by this template's reloader.

Bulk writes, this template only, in each mode: while the server runs, the
host writes 10,000 new modules in 100 directories, or 2,000 in one
directory. Reloads counted in the log; seconds from the last write until
the container's CPU stays under 2% of a core; CPU seconds spent meanwhile;
then the p95 of 10 edits.

Usage: scripts/benchmark.sh [--edits 20] [--out docs] [--parts edits,bulk]
                            [--tree project --tree "heavy import" ...]
Prints Markdown tables; writes them (reloader-benchmark.md and
reloader-bulk-writes.md) and a PNG plot of the edit latencies to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402
from tests.docker.stack import free_port, write_many  # noqa: E402

CONTAINER_PORT = 5000
# The project is the default one, with its database: the app imports
# SQLAlchemy and psycopg and makes its engine at start, but the pages timed
# here never connect, so no database runs.
UNUSED_DATABASE = "postgresql+psycopg://bench:unused@db.invalid:5432/bench"
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
FLASK_RUN = ["flask", "run", "--debug", "--host", "0.0.0.0", "--port", "5000"]
DEV_SERVER = ["python", "scripts/devserver.py"]
MODES = ("auto", "poll", "native")
# name: (command, environment)
RELOADERS = {
    "this template (auto, default)": (DEV_SERVER, {"RELOADER_MODE": "auto"}),
    "this template (poll)": (DEV_SERVER, {"RELOADER_MODE": "poll"}),
    "this template (native)": (DEV_SERVER, {"RELOADER_MODE": "native"}),
    "werkzeug stat": (["python", "/opt/bench/werkzeug_stat.py", *FLASK_RUN[1:]], {}),
    "watchmedo (polling, 0.25 s)": ([
        "watchmedo", "auto-restart", "--debug-force-polling", "--interval", "0.25",
        "--patterns", "*.py;**/*.py", "--recursive", "--directory", "/app", "--",
        *FLASK_RUN, "--no-reload",
    ], {}),
}  # fmt: skip
TREES = ("project", "+10,000 files", "heavy import", "no file events")
BULK_WRITES = {"10,000 files, 100 dirs": (100, 100), "2,000 files, 1 dir": (1, 2000)}
QUIET_CPU = 0.02  # of a core
# Long enough to hold several passes of each polling tier: the full walk
# of a large tree comes every few seconds, in one go.
IDLE_SECONDS = 30


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Run:
    reloader: str
    tree: str
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    requests: int = 0
    idle_cpu: float = 0.0  # percent of one core

    HEADER = ["reloader", "tree", "median s", "p95 s", "max s", "failed", "idle CPU"]

    def row(self) -> list[str]:
        return [
            self.reloader,
            self.tree,
            f"{statistics.median(self.latencies):.3f}",
            f"{percentile(self.latencies, 0.95):.3f}",
            f"{max(self.latencies):.3f}",
            f"{self.failed}/{self.requests}",
            f"{self.idle_cpu:.1f}%",
        ]


@dataclass
class Bulk:
    mode: str
    case: str
    write_seconds: float = 0.0
    reloads: int = 0
    seconds_to_quiet: float = 0.0
    cpu_seconds: float = 0.0
    next_edits: list[float] = field(default_factory=list)

    HEADER = [
        "mode", "bulk write", "written in s", "reloads", "quiet after s",
        "CPU s spent", "next edit p95 s",
    ]  # fmt: skip

    def row(self) -> list[str]:
        return [
            self.mode + (" (default)" if self.mode == "auto" else ""),
            self.case,
            f"{self.write_seconds:.2f}",
            str(self.reloads),
            f"{self.seconds_to_quiet:.1f}",
            f"{self.cpu_seconds:.2f}",
            f"{percentile(self.next_edits, 0.95):.3f}",
        ]


def cpu_seconds(container) -> float:
    """CPU time of the container's processes so far, ended children included,
    from the host's /proc."""
    ticks = 0
    for process in container.top(ps_args="-o pid")["Processes"]:
        with contextlib.suppress(FileNotFoundError):
            stat = Path(f"/proc/{process[0]}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / 100  # USER_HZ


def prepare(workdir: Path) -> tuple[Path, Path]:
    project = generate_project(workdir / "out", project_name="Reloader Bench")
    bench = workdir / "bench"
    bench.mkdir()
    (bench / "werkzeug_stat.py").write_text(WERKZEUG_STAT)
    return project, bench


@contextlib.contextmanager
def fuse_view(project: Path, workdir: Path) -> Iterator[Path]:
    """The project through bindfs: edits underneath send no file events."""
    view = workdir / "view" / project.name
    view.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["bindfs", "-o", "allow_other,attr_timeout=0,entry_timeout=0", project, view],
        check=True,
    )
    try:
        yield view
    finally:
        subprocess.run(["fusermount", "-u", view], check=False)


def shape_tree(project: Path, tree: str, original_views: str) -> None:
    views = project / project.name / "views.py"
    # Inside the app's package, where every reloader looks (Werkzeug's
    # skips directories without Python files near the top).
    extra = project / project.name / "extra"
    if tree == "+10,000 files" and not extra.exists():
        write_many(extra, 100, 100)
    if tree != "+10,000 files" and extra.exists():
        shutil.rmtree(extra)
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


@contextlib.contextmanager
def server(client, image, project, mount, bench, reloader) -> Iterator[tuple]:
    """A container running `reloader`, serving `project` mounted from `mount`."""
    command, environment = RELOADERS[reloader]
    port = free_port()
    container = client.containers.run(
        image,
        command,
        detach=True,
        init=True,
        environment={
            "FLASK_APP": project.name,
            "FLASK_DEBUG": "1",
            "DATABASE_URL": UNUSED_DATABASE,
            **environment,
        },
        ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", port)},
        volumes={
            str(mount): {"bind": "/app", "mode": "rw"},
            str(bench): {"bind": "/opt/bench", "mode": "ro"},
        },
        working_dir="/app",
    )
    views = project / project.name / "views.py"
    original = views.read_text()
    url = f"http://127.0.0.1:{port}/probe"
    try:
        views.write_text(original + PROBE_VIEW.format(marker="start"))
        probe_until(url, "start", Run(reloader, ""), timeout=120)
        time.sleep(3)  # settle: first imports, preloading
        yield container, url, original
    finally:
        views.write_text(original)
        container.remove(force=True)


def edit(project: Path, original: str, url: str, run: Run) -> float:
    """Rewrite views.py in place, as most editors do; seconds until served."""
    marker = uuid.uuid4().hex
    with (project / project.name / "views.py").open("r+") as file:
        file.write(original + PROBE_VIEW.format(marker=marker))
        file.truncate()
    written = time.monotonic()
    return probe_until(url, marker, run) - written


def measure_edits(client, image, project, mount, bench, reloader, tree, edits, rng):
    run = Run(reloader, tree)
    with server(client, image, project, mount, bench, reloader) as (
        container,
        url,
        original,
    ):
        before = cpu_seconds(container)
        time.sleep(IDLE_SECONDS)
        run.idle_cpu = 100 * (cpu_seconds(container) - before) / IDLE_SECONDS
        for _ in range(edits):
            run.latencies.append(edit(project, original, url, run))
            time.sleep(rng.uniform(0.3, 1.2))
    return run


def reload_count(container) -> int:
    return container.logs().decode(errors="replace").count(", reloading")


def until_quiet(container, since: float, timeout: float = 60) -> tuple[float, float]:
    """When the container's CPU use fell under QUIET_CPU for a whole second,
    and its CPU time then."""
    samples = [(since, cpu_seconds(container))]
    while time.monotonic() - since < timeout:
        time.sleep(0.25)
        now, used = time.monotonic(), cpu_seconds(container)
        samples.append((now, used))
        earlier = [sample for sample in samples if sample[0] <= now - 1.0]
        start, used_then = earlier[-1] if earlier else samples[0]
        if now - start >= 1.0 and (used - used_then) / (now - start) < QUIET_CPU:
            return start, used_then
    raise TimeoutError(f"still busy after {timeout} s")


def measure_bulk(client, image, project, bench, mode, case, rng) -> Bulk:
    bulk = Bulk(mode, case)
    directories, files = BULK_WRITES[case]
    written = project / project.name / "bulk"
    reloader = next(name for name in RELOADERS if f"({mode}" in name)
    with server(client, image, project, project, bench, reloader) as (
        container,
        url,
        original,
    ):
        reloads_before, cpu_before = reload_count(container), cpu_seconds(container)
        started = time.monotonic()
        write_many(written, directories, files)
        last_write = time.monotonic()
        bulk.write_seconds = last_write - started
        quiet_at, quiet_cpu = until_quiet(container, last_write)
        bulk.seconds_to_quiet = quiet_at - last_write
        bulk.cpu_seconds = quiet_cpu - cpu_before
        time.sleep(3)  # late reloads still count
        bulk.reloads = reload_count(container) - reloads_before
        run = Run(reloader, case)
        for _ in range(10):
            bulk.next_edits.append(edit(project, original, url, run))
            time.sleep(rng.uniform(0.3, 1.2))
    shutil.rmtree(written)
    return bulk


def plot(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trees = [tree for tree in TREES if any(run.tree == tree for run in runs)]
    fig, axes = plt.subplots(
        1, len(trees), figsize=(5 * len(trees), 5), sharey=True, squeeze=False
    )
    axes = axes[0]
    for axis, tree in zip(axes, trees, strict=True):
        mine = [run for run in runs if run.tree == tree]
        axis.boxplot([run.latencies for run in mine], whis=(5, 95), showfliers=True)
        axis.set_xticks(
            range(1, len(mine) + 1),
            [run.reloader.replace(" (", "\n(") for run in mine],
            fontsize=7,
            rotation=30,
        )
        axis.set_title(tree)
        axis.set_yscale("log")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("edit to served (s, log scale)")
    fig.suptitle("Dev-server reload latency (whiskers: p5-p95)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# On top of the project's dev image: watchdog for watchmedo, and the heavy
# library installed as libraries are, in site-packages.
BENCH_IMAGE = """\
FROM reloaderbench-dev
USER root
RUN uv pip install -q --python /opt/venv/bin/python watchdog
COPY heavylib /tmp/heavylib
RUN python -c "import shutil, sysconfig; \\
    shutil.copytree('/tmp/heavylib', sysconfig.get_paths()['purelib'] + '/heavylib')"
"""


def build_image(project: Path, workdir: Path) -> str:
    """The project's dev image, and the benchmark's on top of it."""
    # Compose builds with BuildKit (the Dockerfile uses cache mounts).
    subprocess.run(
        ["docker", "compose", "-p", "reloaderbench", "build", "dev"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    context = workdir / "image"
    (context / "heavylib").mkdir(parents=True)
    (context / "heavylib" / "__init__.py").write_text(HEAVY_LIBRARY)
    (context / "Dockerfile").write_text(BENCH_IMAGE)
    image = "reloaderbench-dev-bench"
    subprocess.run(
        ["docker", "build", "-q", "-t", image, str(context)],
        check=True,
        capture_output=True,
    )
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", default="edits,bulk", help="edits, bulk or both")
    parser.add_argument(
        "--tree", action="append", choices=TREES, dest="trees", help="(repeat)"
    )
    args = parser.parse_args()
    parts = args.parts.split(",")
    rng = random.Random(args.seed)
    client = docker.from_env()
    runs: list[Run] = []
    bulks: list[Bulk] = []
    with tempfile.TemporaryDirectory() as tmp:
        project, bench = prepare(Path(tmp))
        image = build_image(project, Path(tmp))
        original_views = (project / project.name / "views.py").read_text()
        with fuse_view(project, Path(tmp)) as view:
            for tree in (args.trees or TREES) if "edits" in parts else ():
                shape_tree(project, tree, original_views)
                mount = view if tree == "no file events" else project
                for reloader in RELOADERS:
                    if tree == "no file events" and "native" in reloader:
                        continue  # never sees an edit: nothing to time
                    print(f"... {reloader}, {tree}", file=sys.stderr, flush=True)
                    run = measure_edits(
                        client, image, project, mount, bench, reloader, tree,
                        args.edits, rng,
                    )  # fmt: skip
                    runs.append(run)
                    print("|", " | ".join(run.row()), "|", file=sys.stderr)
        shape_tree(project, "project", original_views)
        for mode in MODES if "bulk" in parts else ():
            for case in BULK_WRITES:
                print(f"... bulk write, {mode}, {case}", file=sys.stderr, flush=True)
                bulk = measure_bulk(client, image, project, bench, mode, case, rng)
                bulks.append(bulk)
                print("|", " | ".join(bulk.row()), "|", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    if runs:
        table = markdown(Run.HEADER, [run.row() for run in runs])
        print(table + "\n")
        (args.out / "reloader-benchmark.md").write_text(table + "\n")
        plot(runs, args.out / "reloader-benchmark.png")
    if bulks:
        table = markdown(Bulk.HEADER, [bulk.row() for bulk in bulks])
        print(table)
        (args.out / "reloader-bulk-writes.md").write_text(table + "\n")
    print(f"\nwrote the tables and the plot into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
