"""The command line: ``python -m tinygrad_edu info | selfcheck | demo`` and its errors."""

import os
import subprocess
import sys

import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli

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


def test_selfcheck_passes_and_prints_a_row_per_op(subprocess_once):
    result = run_cli("selfcheck")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    checked = {row[0] for row in rows if row[1:] == ["ok", "ok"]}
    assert checked == set(cli.OPS)


def test_selfcheck_fails_with_exit_code_1_on_a_wrong_gradient(monkeypatch, capsys):
    class WrongGradient(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    monkeypatch.setattr(cli, "OPS", {"wrong": (WrongGradient.apply, [lambda: tg.randn(3, dtype=tg.float64)])})
    assert cli.main(["selfcheck"]) == 1
    assert "wrong  FAIL" in capsys.readouterr().out


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
