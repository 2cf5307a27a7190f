"""Benchmark of live reload: from a save to the new content on screen, in
headless Chromium, against `docker compose up dev` of the default project.

Three kinds of save, each `--saves` times, at random intervals:
- view: views.py changes what /probe returns; the open page reloads once
  the new server serves;
- template: templates/index.html changes; the open page (/) reloads;
- stylesheet: static/style.css changes the page's text colour; swapped in
  place, no reload.

In the default reloader mode (auto) on a plain bind mount, and where no
file event reaches the container (the project through a FUSE view, edits
made underneath: Docker Desktop, WSL2, network shares). The time is taken
by polling the page every few milliseconds from the test (a chromedriver
round trip: a few ms of error).

Usage: scripts/benchmark.sh livereload [--saves 20] [--out docs]
Prints a Markdown table; writes it (live-reload.md) and a PNG plot to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_reloaders import fuse_view  # noqa: E402  (beside this script)
from benchmark_report import markdown, publish  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

from tests.conftest import generate_project  # noqa: E402
from tests.docker.browser import page_loads, page_text, start_browser  # noqa: E402
from tests.docker.stack import (  # noqa: E402
    PROBE_VIEW,
    Stack,
    answers_ok,
    serves,
    wait_for,
    write_in_place,
)

MOUNTS = ("bind mount (default)", "no file events")
KINDS = ("view", "template", "stylesheet")
IN_TEMPLATE_BLOCK = "{% endblock %}"


@dataclass
class Series:
    mount: str
    kind: str
    seconds: list[float] = field(default_factory=list)
    reloads: int = 0  # pages the browser loaded
    saves: int = 0

    HEADER = ["mount", "save", "saves", "p50 s", "p95 s", "max s", "page loads"]

    def row(self) -> list[str]:
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return [
            self.mount,
            self.kind,
            str(self.saves),
            f"{statistics.median(ordered):.3f}",
            f"{p95:.3f}",
            f"{ordered[-1]:.3f}",
            f"{self.reloads}/{self.saves}",
        ]


def shown(driver, check: Callable[[object], bool], timeout: float = 20) -> None:
    WebDriverWait(driver, timeout, poll_frequency=0.005).until(check)


def color(driver) -> str:
    return driver.execute_script("return getComputedStyle(document.body).color")


def saves(driver, stack: Stack, underneath: Path, kind: str, count: int, rng) -> Series:
    """Time `count` saves of one kind; files are written in `underneath`
    (the project itself, or what a FUSE view shows)."""
    slug = stack.slug
    files = {
        "view": underneath / slug / "views.py",
        "template": underneath / slug / "templates" / "index.html",
        "stylesheet": underneath / slug / "static" / "style.css",
    }
    path = files[kind]
    original = path.read_text()
    series = Series("", kind)
    if kind == "view":
        write_in_place(path, original + PROBE_VIEW.format(marker="first"))
        serves(stack, "/probe", "first")
    driver.get(stack.url("dev", "/probe" if kind == "view" else "/"))
    time.sleep(0.5)
    page_loads(driver)
    try:
        for index in range(count):
            time.sleep(rng.uniform(0.3, 0.8))
            marker = uuid.uuid4().hex
            if kind == "view":
                text, check = (
                    original + PROBE_VIEW.format(marker=marker),
                    lambda d, m=marker: page_text(d) == m,
                )
            elif kind == "template":
                text, check = (
                    original.replace(
                        IN_TEMPLATE_BLOCK, f"<p>{marker}</p>{IN_TEMPLATE_BLOCK}", 1
                    ),
                    lambda d, m=marker: m in page_text(d),
                )
            else:
                rgb = f"rgb({index % 200}, {rng.randrange(200)}, 7)"
                text, check = (
                    original + f"\nbody {{ color: {rgb}; }}\n",
                    lambda d, c=rgb: color(d) == c,
                )
            started = time.monotonic()
            write_in_place(path, text)
            shown(driver, check)
            series.seconds.append(time.monotonic() - started)
            series.saves += 1
            time.sleep(0.3)  # a second load would show by now
            series.reloads += len(page_loads(driver))
    finally:
        write_in_place(path, original)
    return series


@contextlib.contextmanager
def running(project: Path, compose_dir: Path) -> Iterator[Stack]:
    stack = Stack(compose_dir)
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


def measure(workdir: Path, mount: str, count: int, rng) -> list[Series]:
    project = generate_project(workdir / "project", project_name="Live Bench")
    found = []
    with contextlib.ExitStack() as stack:
        compose_dir = project
        if mount == "no file events":
            compose_dir = stack.enter_context(fuse_view(project, workdir))
        dev = stack.enter_context(running(project, compose_dir))
        driver = start_browser(network_log=True)
        stack.callback(driver.quit)
        for kind in KINDS:
            series = saves(driver, dev, project, kind, count, rng)
            series.mount = mount
            print("|", " | ".join(series.row()), "|", file=sys.stderr, flush=True)
            found.append(series)
    return found


def plot(series: list[Series], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(9, 4))
    axis.boxplot([one.seconds for one in series], whis=(0, 100))
    labels = [f"{one.kind}\n{one.mount.split(' (')[0]}" for one in series]
    axis.set_xticks(range(1, len(series) + 1), labels, fontsize=8)
    axis.set_ylim(bottom=0)
    axis.set_ylabel("seconds from save to screen")
    axis.set_title("Live reload in Chromium (whiskers: min-max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    if not shutil.which("bindfs"):
        sys.exit("bindfs is missing (scripts/setup-docker.sh installs it)")
    rng = random.Random(args.seed)
    series = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, mount in enumerate(MOUNTS):
            print(f"... {mount}", file=sys.stderr, flush=True)
            series += measure(Path(tmp) / str(index), mount, args.saves, rng)
    table = markdown(Series.HEADER, [one.row() for one in series])
    publish(table, args.out, "live-reload", lambda path: plot(series, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
