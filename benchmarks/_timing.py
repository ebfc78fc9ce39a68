"""Shared helpers of the benchmarks: timing, summary statistics, the machine, Markdown tables.

Timing protocol (every benchmark uses it): run the code ``warmup`` times untimed, then time
``repeat`` runs with ``time.perf_counter``, calling ``gc.collect()`` before each run (outside the
timed region) so that garbage left by one run is not collected inside the next one. The garbage
collector stays in the state it was in (enabled by default) during the timed region, because
allocating many small objects triggers collections, and that is part of a framework's real cost;
``gc_note()`` says which state was used. Report the median; the best run and the spread between
the quartiles say how noisy the machine was.
"""

import gc
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Summary of repeated timings, in seconds."""

    median: float
    best: float
    q1: float
    q3: float
    runs: int

    @property
    def spread(self):
        """The interquartile range as a fraction of the median (0.05 = ±2.5% around it)."""
        return (self.q3 - self.q1) / self.median if self.median else 0.0


def time_once(fn):
    """Seconds one call of ``fn()`` takes (garbage collected before, not during, unless gc runs)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summarize(times):
    """Median, best and quartiles of a list of timings."""
    times = sorted(times)
    if len(times) >= 2:
        q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
    else:
        q1 = q3 = times[0]
    return Stats(statistics.median(times), times[0], q1, q3, len(times))


def measure(fn, repeat=7, warmup=1):
    """Warm up, then time ``repeat`` calls of ``fn()``; returns their ``Stats``."""
    for _ in range(warmup):
        fn()
    return summarize([time_once(fn) for _ in range(repeat)])


def gc_note():
    """One line saying how the garbage collector was set while timing."""
    state = "enabled" if gc.isenabled() else "disabled"
    return (
        f"garbage collector {state} during timed runs (thresholds {gc.get_threshold()}); "
        "gc.collect() before each run, outside the timed region"
    )


def package_version(distribution):
    """The installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model():
    """The CPU model name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_version():
    """tinygrad_edu's version and git commit, and whether its files differ from that commit."""
    import tinygrad_edu

    root = os.path.dirname(os.path.dirname(os.path.abspath(tinygrad_edu.__file__)))
    described = f"tinygrad_edu {tinygrad_edu.__version__}"
    try:  # read-only git queries
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "tinygrad_edu"], cwd=root).returncode
    except (OSError, subprocess.CalledProcessError):
        return described
    return f"{described} (git {commit}{', with uncommitted changes' if dirty else ''})"


def machine_lines(extra_packages=(), timing=True):
    """Markdown bullet lines: the machine, the versions measured and (``timing``) the gc state."""
    import numpy

    versions = [source_version(), f"Python {platform.python_version()}", f"NumPy {numpy.__version__}"]
    for distribution in extra_packages:
        version = package_version(distribution)
        versions.append(f"{distribution} {version}" if version else f"{distribution} (not installed)")
    return [
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; {platform.system()} {platform.release()}",
        f"- {', '.join(versions)}",
        f"- recursion limit {sys.getrecursionlimit()}" + (f"; {gc_note()}" if timing else ""),
    ]


def markdown_table(headers, rows, align=None):
    """A Markdown table; ``align`` is a string of 'l'/'r' per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
