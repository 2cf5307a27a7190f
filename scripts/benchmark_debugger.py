"""Benchmark of the editor's debugger: what DEBUGPY=1 costs each reload.

On the default project (database=postgres, reloader in its default mode,
auto), from a save on the host to the new code's first answer, in three
cases:
- DEBUGPY=0: the default, for comparison;
- DEBUGPY=1, no editor attached: each new server is offered to nobody;
- DEBUGPY=1, an editor attached (tests/docker/dap.py, as VS Code): each
  new server waits until the editor attached to it and set its breakpoint.
Also the dev service's CPU while idle (the supervisor polls the files,
under the debugger's tracing in the last two cases).

Usage: scripts/benchmark.sh debugger [--edits 20] [--out docs]
Prints a Markdown table; writes it (debugger-reloads.md) and a PNG plot.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmark_report import markdown, publish  # noqa: E402  (beside this script)

from tests.conftest import generate_project  # noqa: E402
from tests.docker.dap import Editor  # noqa: E402
from tests.docker.stack import (  # noqa: E402
    PROBE_VIEW,
    Stack,
    answers_ok,
    cpu_seconds,
    wait_for,
    write_in_place,
)
from tests.docker.test_editor_debugger import launch_configuration  # noqa: E402

# name: (DEBUGPY, whether an editor is attached)
CASES = {
    "DEBUGPY=0 (default)": ("0", False),
    "DEBUGPY=1, no editor": ("1", False),
    "DEBUGPY=1, editor attached": ("1", True),
}
IDLE_SECONDS = 10


@dataclass
class Case:
    name: str
    seconds: list[float] = field(default_factory=list)
    idle_cpu: float = 0.0  # percent of one core

    HEADER = ["case", "edits", "median s", "p95 s", "max s", "idle CPU"]

    def row(self) -> list[str]:
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return [
            self.name,
            str(len(self.seconds)),
            f"{statistics.median(self.seconds):.3f}",
            f"{p95:.3f}",
            f"{max(self.seconds):.3f}",
            f"{self.idle_cpu:.1f}%",
        ]


@contextlib.contextmanager
def dev_running(workdir: Path, debugpy: str) -> Iterator[Stack]:
    stack = Stack(generate_project(workdir / uuid.uuid4().hex[:8]))
    stack.set_env(DEBUGPY=debugpy)
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


def served_after_save(stack: Stack, views: Path, original: str) -> float:
    """Seconds from writing a new marker to the first answer that has it."""
    marker = uuid.uuid4().hex
    url = stack.url("dev", "/probe")
    started = time.monotonic()
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    while time.monotonic() - started < 30:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=5).text == marker:
                return time.monotonic() - started
        time.sleep(0.005)
    raise TimeoutError("the edit was not served within 30 s")


def measure(workdir: Path, name: str, debugpy: str, attach: bool, edits: int) -> Case:
    case = Case(name)
    with dev_running(workdir, debugpy) as stack:
        editor = None
        if attach:
            editor = Editor(
                "127.0.0.1", stack.debugpy_port, launch_configuration(stack)
            )
            editor.attach()
        views = stack.path(f"{stack.slug}/views.py")
        original = views.read_text()
        try:
            served_after_save(stack, views, original)  # warm up
            for _ in range(edits):
                case.seconds.append(served_after_save(stack, views, original))
                time.sleep(0.3)
            time.sleep(2)
            before, started = cpu_seconds(stack), time.monotonic()
            time.sleep(IDLE_SECONDS)
            used = cpu_seconds(stack) - before
            case.idle_cpu = 100 * used / (time.monotonic() - started)
        finally:
            if editor:
                editor.close()
    print(f"{name}: median {statistics.median(case.seconds):.3f} s", file=sys.stderr)
    return case


def plot(cases: list[Case], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.boxplot([case.seconds for case in cases])
    axes.set_xticks(range(1, len(cases) + 1), [case.name for case in cases])
    axes.set_ylabel("seconds from save to the new code's first answer")
    axes.set_title("Reloads with the editor's debugger (reloader: auto)")
    axes.set_ylim(bottom=0)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        cases = [
            measure(Path(workdir), name, debugpy, attach, args.edits)
            for name, (debugpy, attach) in CASES.items()
        ]
    table = markdown(Case.HEADER, [case.row() for case in cases])
    publish(table, args.out, "debugger-reloads", lambda path: plot(cases, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
