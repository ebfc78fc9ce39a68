"""``benchmarks/bench_gpu_mlp.py --smoke`` runs: on the CPU, on "cuda" served by the strict stand-in
(so the GPU code path of the script is exercised without a GPU), and says it skips without CuPy."""

import importlib.util
import sys
from pathlib import Path

import pytest

from tinygrad_edu import backend

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gpu_mlp.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_gpu_mlp", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def once(device):
    """The script picks its devices itself: the session's default device does not matter."""
    if device != "cpu":
        pytest.skip("device-independent: checked in the 'cpu' half only")


@pytest.mark.parametrize("pick", ["gather", "index"])
@pytest.mark.parametrize("where", [["--device", "cpu"], ["--stand-in"], ["--stand-in", "--no-torch"]])
def test_smoke_run(once, bench, capsys, where, pick):
    before = backend.get_backend("cuda")
    assert bench.main(["--smoke", "--pick", pick, *where]) == 0
    out = capsys.readouterr().out
    assert "| framework | device | median ms/step |" in out
    assert "tinygrad_edu" in out
    assert "Agreement" in out
    if "--stand-in" in where:
        assert "strict stand-in" in out
        assert backend.get_backend("cuda") is before  # the session's "cuda" backend is back
    else:
        assert "hand-written NumPy step" in out


def test_one_step_agrees_with_numpy_by_hand(once, bench):
    """The hand-written NumPy step is itself checked against tinygrad_edu (the oracle of the CPU run)."""
    state = bench.initial_state((6, 5, 4, 3), batch=7)
    lines = bench.check_agreement(
        [lambda s, lr: bench.Ours("cpu", s, lr, "gather"), lambda s, lr: bench.NumpyStep(s, lr)],
        state,
        lr=0.5,
        steps=3,
    )
    assert len(lines) == 2


def test_skips_clearly_without_a_gpu(once, bench, capsys, monkeypatch):
    previous = backend.register_backend("cuda", None)
    monkeypatch.setitem(sys.modules, "cupy", None)  # as on a machine without CuPy
    try:
        assert bench.main(["--smoke"]) == 0
    finally:
        backend.register_backend("cuda", previous)
    out = capsys.readouterr().out
    assert "skipped" in out and 'pip install ".[gpu]"' in out
