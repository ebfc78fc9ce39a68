"""Real multi-process jobs: ``mpiexec -n 2`` and ``-n 4`` running ``mpi_worker.py`` scenarios.

Every job has a timeout, so a hang fails the test instead of blocking the suite. The jobs are
device-independent scripts started from the "cpu" half of the suite; the collectives also run once
with ``--device cuda`` (the strict stand-in without a GPU: "cuda" tensors staged through host memory).
mpi4py and the MPI library come with the ``[test]`` extra; the jobs skip only where they are absent.
"""

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("mpi_worker.py")
TIMEOUT = 60  # seconds for any job: far above what a passing one needs


def _mpiexec():
    """The launcher next to this interpreter (the mpich wheel puts it there), else the one on PATH."""
    return shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")


@pytest.fixture
def once(device):
    """The jobs choose their own device: start them from the 'cpu' half of the suite only."""
    if device != "cpu":
        pytest.skip("device-independent: the jobs run in the 'cpu' half")


@pytest.fixture
def mpi(once):
    """Skip where MPI is absent (the [test] extra installs it, so CI runs these)."""
    pytest.importorskip("mpi4py", reason='mpi4py is not installed (pip install ".[mpi]")')
    if _mpiexec() is None:
        pytest.skip("no mpiexec found")


def _environment():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("TINYGRAD_EDU_CUDA_AWARE_MPI", None)
    return env


def run_job(n, scenario, *args):
    """Run ``mpiexec -n n python mpi_worker.py scenario``; returns (returncode, stdout, stderr, seconds)."""
    command = [_mpiexec(), "-n", str(n), sys.executable, str(WORKER), scenario, *args]
    start = time.monotonic()
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, env=_environment(), cwd=ROOT
    )
    return result.returncode, result.stdout, result.stderr, time.monotonic() - start


def assert_all_ranks_ok(n, scenario, *args):
    code, out, err, _ = run_job(n, scenario, *args)
    assert code == 0, f"job failed (exit {code}):\n{out}\n{err}"
    for rank in range(n):
        assert f"OK {scenario} rank {rank}" in out, f"rank {rank} did not finish:\n{out}\n{err}"
    return out


@pytest.mark.parametrize("n", [2, 4])
def test_collectives_match_numpy(mpi, n):
    assert_all_ranks_ok(n, "collectives")


def test_collectives_on_cuda_tensors(mpi):
    out = assert_all_ranks_ok(2, "collectives", "--device", "cuda")
    assert "staged through host memory" in out or "CUDA-aware" in out


@pytest.mark.parametrize("n", [2, 4])
def test_ddp_training_equals_single_process_large_batch(mpi, n):
    """For every optimizer (with a scheduler and clipping), N ranks with batches of B end where one
    process with batches of N·B ends, to float64 rounding, and all ranks hold identical parameters."""
    assert_all_ranks_ok(n, "ddp")


def test_ddp_one_message_per_backward_buckets_unused_parameters_buffers(mpi):
    assert_all_ranks_ok(4, "ddp_details")


@pytest.mark.parametrize("n", [2, 4])
def test_a_failing_rank_ends_the_job_naming_it(mpi, n):
    code, out, err, seconds = run_job(n, "fail")
    assert code != 0
    report = f"exit {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "rank 1 of" in err and "boom on purpose" in err, report
    assert "aborting the job because rank 1 failed" in err, report
    assert "not reached" not in out
    assert seconds < 30, f"the job took {seconds:.0f} s to end"


def test_a_hanging_rank_makes_the_collective_time_out(mpi):
    code, out, err, seconds = run_job(2, "timeout")
    assert code != 0
    report = f"exit {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "tg.distributed.all_reduce: rank 0 of 2 waited 1.5 s" in err and "timed out" in err, report
    assert seconds < 30, f"the job took {seconds:.0f} s to end (rank 1 sleeps 60 s)"


def test_different_models_on_different_ranks_are_detected_at_construction(mpi):
    code, _, err, _ = run_job(2, "mismatch")
    assert code != 0
    assert "rank 1's model differs from rank 0's" in err and "(5, 3)" in err and "(4, 3)" in err


def _run_python(args, code=None):
    command = [sys.executable, *(["-c", textwrap.dedent(code)] if code else []), *args]
    env = _environment()
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=ROOT)


def test_without_a_launcher_the_world_is_one_process_without_starting_mpi(mpi):
    result = _run_python([str(WORKER), "single"])
    assert result.returncode == 0 and "OK single rank 0 mpi=False" in result.stdout, result.stderr


def test_a_one_process_mpi_job_is_a_world_of_one(mpi):
    assert_all_ranks_ok(1, "single")


def test_without_mpi4py_the_world_is_one_process_and_import_never_needs_it(once):
    """A meta path finder makes ``import mpi4py`` fail, as on a machine without it."""
    blocker = """
        import runpy, sys

        class NoMPI:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "mpi4py":
                    raise ImportError("No module named 'mpi4py' (blocked by the test)")

        sys.meta_path.insert(0, NoMPI())
        import tinygrad_edu as tg
        assert "mpi4py" not in sys.modules
        assert not tg.distributed.is_available()
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
    """
    result = _run_python([str(WORKER), "single"], code=blocker)
    assert result.returncode == 0 and "OK single rank 0 mpi=False" in result.stdout, result.stderr


def test_the_launcher_without_mpi4py_is_a_clear_error(once, monkeypatch):
    blocker = """
        import sys

        class NoMPI:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "mpi4py":
                    raise ImportError("No module named 'mpi4py' (blocked by the test)")

        sys.meta_path.insert(0, NoMPI())
        import tinygrad_edu.distributed as dist
        try:
            dist.init_process_group()
        except RuntimeError as error:
            print(error)
    """
    monkeypatch.setenv("PMI_RANK", "0")
    result = _run_python([], code=blocker)
    assert 'pip install "tinygrad_edu[mpi]"' in result.stdout and "MPI launcher" in result.stdout


def test_the_data_parallel_tutorial_runs_under_mpiexec(mpi, tmp_path):
    """Tutorial 18 as its instructions run it (quick mode): its own asserts check the equivalence across
    four real processes; rank 0 saves the figures."""
    pytest.importorskip("matplotlib")
    tutorial = ROOT / "examples" / "18_data_parallel.py"
    command = [_mpiexec(), "-n", "4", sys.executable, str(tutorial), "--quick"]
    env = {**_environment(), "TINYGRAD_EDU_FIGURES": str(tmp_path), "MPLBACKEND": "Agg"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 rank(s) with B = 8 vs one worker with B = 32" in result.stdout
    assert sorted(p.name for p in (tmp_path / "18_data_parallel" / "quick").iterdir()) == [
        "same_steps.png",
        "time_per_epoch.png",
    ]
