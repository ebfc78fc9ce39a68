"""Every benchmark still runs: its ``--quick`` mode in a subprocess, so none can rot unnoticed.

Timings are not asserted (they belong in benchmarks/README.md); a script must finish cleanly and
print its Markdown table. (``bench_gpu_mlp.py`` has its own smoke tests in tests/backend/.)
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUICK_RUNS = {
    "overhead": ["--quick"],
    "depth": ["--quick"],
    "memory": ["--quick"],
    "mlp": ["--quick"],
    "optim": ["--quick", "--only", "SGD", "Adam"],
    "conv": ["--quick"],
    "loader": ["--quick"],
    "checkpoint": ["--quick"],
    "distributed": ["--quick"],  # starts its own mpiexec jobs
    "playground": ["--quick"],
}


@pytest.mark.parametrize("name", sorted(QUICK_RUNS))
def test_benchmark_runs_in_quick_mode(device, name):
    if device != "cpu":
        pytest.skip("device-independent: the script chooses its own devices (run in the cpu half)")
    if name == "distributed":
        pytest.importorskip("mpi4py", reason='mpi4py is not installed (pip install ".[mpi]")')
    script = ROOT / "benchmarks" / f"bench_{name}.py"
    done = subprocess.run(
        [sys.executable, str(script), *QUICK_RUNS[name]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"bench_{name}.py failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "| --- |" in done.stdout or "|---|" in done.stdout, f"no Markdown table in:\n{done.stdout[-2000:]}"
