""" "Copy as Python": the script the page hands out runs and prints the very points the API returned."""

import ast
import re
import subprocess
import sys

import pytest

from tinygrad_edu.playground import api

pytestmark = pytest.mark.cpu_only

BODY = {
    "surface": {"expr": "(1 - x)**2 + 100*(y - x**2)**2 + 0.1*sin(3*x)*cos(2) - tan(0.5)*x/10"},
    "start": [-1.2, 1.0],
    "steps": 150,
    "runs": [
        {
            "optimizer": "Adam",
            "params": {"lr": 0.02, "betas": [0.8, 0.99]},
            "label": "Adam \"quoted\" ''' label",
        },
        {
            "optimizer": "SGD",
            "params": {"lr": 0.001, "momentum": 0.9},
            "schedule": {"name": "StepLR", "params": {"step_size": 50, "gamma": 0.5}},
        },
        {
            "optimizer": "RMSprop",
            "params": {"lr": 0.01},
            "schedule": {"name": "ReduceLROnPlateau", "params": {"patience": 2}},
        },
        {"optimizer": "NAG", "params": {"lr": 0.001}},
        {"optimizer": "RandomSearch", "params": {"lr": 0.05}, "seed": 11},
        {"optimizer": "GD", "params": {"lr": 0.01}},  # diverges: the script must stop where the API stopped
    ],
}


def test_the_script_reproduces_the_runs(tmp_path):
    script = api.script(BODY)["script"]
    ast.parse(script)  # valid Python
    path = tmp_path / "runs.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ends = [ast.literal_eval(m) for m in re.findall(r"ends at (\(.*?\)), f =", done.stdout)]
    counts = [int(n) for n in re.findall(r": (\d+) steps, ends at", done.stdout)]
    runs = api.run(BODY)["runs"]
    assert len(ends) == len(runs), done.stdout
    for run, end, count in zip(runs, ends, counts):
        assert count == len(run["path"]) - 1
        assert list(end) == run["path"][-1]  # float64, bit for bit
    assert runs[-1]["diverged"]


def test_labels_stay_inside_string_literals():
    body = {**BODY, "runs": [{"optimizer": "Adam", "label": "'); import os; os.system('echo pwned"}]}
    script = api.script(body)["script"]
    calls = [node for node in ast.walk(ast.parse(script)) if isinstance(node, ast.Import)]
    assert [alias.name for node in calls for alias in node.names] == ["math", "tinygrad_edu"]
