"""Helpers shared by the bench/ scripts (not a benchmark itself)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def warbler_binary() -> Path:
    """$WARBLER, or .build/release/warbler under the repository root (built if missing)."""
    env = os.environ.get("WARBLER")
    path = Path(env) if env else REPO / ".build" / "release" / "warbler"
    if not path.is_absolute():
        path = REPO / path
    if not path.exists():
        if env:
            sys.exit(f"WARBLER={env} does not exist")
        print("building Warbler: swift build -c release", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release"], cwd=REPO, check=True)
    return path


def bench_binary() -> Path:
    """$WARBLER_BENCH, or warbler-bench beside warbler_binary(): the timings and the batch export
    (`warbler-bench frontend|load|engine|model|train-replay|export-batches`) are a separate tool,
    built with `warbler` by the same `swift build`, and not part of the `warbler` users get."""
    env = os.environ.get("WARBLER_BENCH")
    path = Path(env) if env else warbler_binary().parent / "warbler-bench"
    if not path.is_absolute():
        path = REPO / path
    if not path.exists():
        sys.exit(f"{path} does not exist: build it with swift build -c release")
    return path


def run_warbler(binary: Path, *args: str) -> list[dict]:
    """Run warbler with arguments; return the JSON lines it prints."""
    proc = subprocess.run([str(binary), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"warbler {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def time_runs(fn, repeats: int, warmup: int = 1) -> list[float]:
    """Wall times of `repeats` calls of fn after `warmup` untimed calls, in milliseconds."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def load_average() -> float:
    return os.getloadavg()[0]


def check_quiet(limit: float = 0.7) -> None:
    """Warn (do not fail) when the machine is busy: the numbers will be noisy."""
    la = os.getloadavg()
    if la[0] > limit:
        print(f"WARNING: 1-minute load average is {la[0]:.2f} (> {limit}); other work is running, "
              "timings will be noisy", file=sys.stderr)


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    la = os.getloadavg()
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    def fmt(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)
