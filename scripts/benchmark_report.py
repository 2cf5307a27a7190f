"""What the benchmarks share: their Markdown tables, and where they go."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def publish(table: str, out: Path, name: str, plot: Callable[[Path], None]) -> None:
    """Print the table; write it (NAME.md) and its plot (NAME.png) into out."""
    print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(table + "\n")
    plot(out / f"{name}.png")
    print(f"\nwrote {name}.md and {name}.png into {out}", file=sys.stderr)
