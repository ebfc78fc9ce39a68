"""The command line: ``python -m tinygrad_edu info | selfcheck | demo`` and its errors."""

import os
import subprocess
import sys

import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli
from tinygrad_edu.testing.registry import OpEntry
from tinygrad_edu.testing.registry.cases import real, unary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def subprocess_once(device):
    """A subprocess runs on its own default device, so the "cuda" half would repeat the "cpu" half."""
    if device != "cpu":
        pytest.skip(
            "device-independent: the subprocess ignores the test's default device (run in the cpu half)"
        )


def run_cli(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def test_info_names_versions_and_devices(subprocess_once):
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    assert f"tinygrad_edu {tg.__version__}" in result.stdout
    assert "NumPy" in result.stdout and "cpu" in result.stdout
    assert "cuda  available" in result.stdout or "cuda  not available: " in result.stdout
    assert "default device: cpu" in result.stdout


def test_selfcheck_passes_and_prints_a_row_per_registry_entry(subprocess_once):
    result = run_cli("selfcheck")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    checked = {row[0]: row[1:] for row in rows if len(row) == 4 and row[1:3] == ["ok", "ok"]}
    registry = {entry.name: entry for entry in cli._entries()}
    assert set(checked) == set(registry)
    for name, entry in registry.items():  # gradgradcheck only where twice differentiable
        assert checked[name][2] == ("ok" if entry.twice_differentiable else "-"), name


def test_selfcheck_runs_without_hypothesis():
    """An installed package has no tests/ and need not have hypothesis: the registry's examples come
    from a seeded NumPy generator, and hypothesis is imported only by the test suite."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"  # any import of hypothesis now fails
        "from tinygrad_edu.testing.registry import REGISTRY\n"
        "print(len([entry.example(0) for entry in REGISTRY]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(cli._entries())


def _wrong_entry(forward_factor, backward_factor):
    """A registry entry for x ↦ forward_factor·x whose backward claims backward_factor·grad."""

    class Scale(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * forward_factor

        @staticmethod
        def backward(ctx, grad):
            return grad * backward_factor

    return OpEntry("wrong", Scale.apply, unary(real), reference=lambda a: 2 * a)


def _row(output, name):
    """The table row of ``name`` (the lines in parentheses before it say why a check failed)."""
    return next(line.split() for line in output.splitlines() if line.split()[:1] == [name])


def test_selfcheck_fails_with_exit_code_1_on_a_wrong_gradient(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_entries", lambda: [_wrong_entry(2, 3)])
    assert cli.main(["selfcheck"]) == 1
    assert _row(capsys.readouterr().out, "wrong") == [
        "wrong",
        "ok",
        "FAIL",
        "ok",
    ]  # linear: its second derivative is 0 either way


def test_selfcheck_fails_with_exit_code_1_on_a_wrong_forward(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_entries", lambda: [_wrong_entry(5, 5)])  # consistent, but not 2x
    assert cli.main(["selfcheck"]) == 1
    assert _row(capsys.readouterr().out, "wrong") == ["wrong", "FAIL", "ok", "ok"]


@pytest.mark.parametrize("args", [["bogus"], [], ["demo", "--epochs", "many"], ["demo", "--epochs", "0"]])
def test_bad_arguments_print_usage_and_exit_2(args, subprocess_once):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage: tinygrad-edu" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_without_its_extras_says_how_to_install_them(monkeypatch, capsys):
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None)
    assert cli.main(["demo", "--epochs", "1"]) == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and 'pip install ".[demo]"' in message


def test_demo_trains_and_writes_its_plots(tmp_path, subprocess_once):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    result = run_cli("demo", "--epochs", "1", "--no-progress", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    last_lines = result.stdout.strip().splitlines()[-2:]
    assert last_lines[0].startswith("test accuracy: ")
    assert float(last_lines[0].split(": ")[1]) > 0.8  # one epoch already gets most digits right
    assert str(tmp_path) in last_lines[1]
    assert sorted(os.listdir(tmp_path)) == ["accuracy.png", "loss.png"]
    for name in os.listdir(tmp_path):
        with open(tmp_path / name, "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n"
