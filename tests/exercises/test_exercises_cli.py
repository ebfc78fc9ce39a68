"""``tinygrad-edu exercises`` run as a learner and a teacher would: in a subprocess, in a fresh folder."""

import json
import os
import subprocess
import sys

import pytest

from tinygrad_edu import exercises

pytestmark = pytest.mark.cpu_only  # a subprocess chooses its own device: run it once

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNT = len(exercises.EXERCISES)


def run(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "exercises", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_list_shows_every_exercise_by_part(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for exercise in exercises.EXERCISES:
        assert f"{exercise.number:2d}  {exercise.name}" in result.stdout
    assert "1. The numerical derivative" in result.stdout and "8. Capstone" in result.stdout


def test_start_then_check_reports_every_exercise_not_started(tmp_path):
    result = run("start", "workbook", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote {COUNT} exercises to workbook/" in result.stdout
    assert len(os.listdir(tmp_path / "workbook")) == COUNT
    result = run("check", "workbook", cwd=tmp_path)
    assert result.returncode == 1
    rows = [line for line in result.stdout.splitlines() if line[:2].strip().isdigit()]
    assert len(rows) == COUNT
    assert all("not started" in row for row in rows)
    assert f"0/{COUNT} passed" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    again = run("start", "workbook", cwd=tmp_path)  # never overwrites the learner's work
    assert again.returncode == 1 and "not overwriting" in again.stderr


def test_editing_one_exercise_passes_it_and_a_mistake_fails_it_by_element(tmp_path):
    run("start", "workbook", cwd=tmp_path)
    path = tmp_path / "workbook" / "04_mul.py"
    stub = path.read_text(encoding="utf-8")
    body = '    raise NotImplementedError("write this function")'
    path.write_text(
        stub.replace(body, "    a, b = ctx.saved_tensors\n    return grad * b, grad * a"), encoding="utf-8"
    )
    result = run("check", "workbook", "mul", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert " 4  mul  passed" in result.stdout and "1/1 passed" in result.stdout

    path.write_text(
        stub.replace(body, "    a, b = ctx.saved_tensors\n    return grad * b, grad * b"), encoding="utf-8"
    )
    result = run("check", "workbook", "mul", "exp", cwd=tmp_path)
    assert result.returncode == 1
    assert " 4  mul  FAILED" in result.stdout and " 7  exp  not started" in result.stdout
    assert (
        "04_mul.py: mul for inputs a (2, 3), b (2, 3): the gradient of b at index (0, 0): expected"
        in result.stdout
    )


def test_solutions_pass_and_json_is_for_autograders(tmp_path):
    result = run("start", "solved", "--solutions", cwd=tmp_path)
    assert result.returncode == 0 and "solved exercises" in result.stdout
    result = run("check", "solved", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["passed"] == report["total"] == COUNT
    first = report["results"][0]
    assert set(first) == {"number", "name", "file", "title", "status", "message"}
    assert {r["status"] for r in report["results"]} == {"passed"}


def test_check_errors_are_clear(tmp_path):
    result = run("check", "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "no folder nowhere" in result.stderr
    run("start", "workbook", cwd=tmp_path)
    result = run("check", "workbook", "nope", cwd=tmp_path)
    assert result.returncode == 2 and "no exercise named 'nope'" in result.stderr


def readme_run():
    """(command, expected output) pairs of the README's workbook run."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    block = text.split("<!-- workbook run: start")[1].split("<!-- workbook run: end")[0]
    lines = block.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    steps = []
    for line in lines:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


def test_the_readme_run_is_real(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for command, expected in readme_run():
        if command.startswith("tail -3 workbook/04_mul.py"):  # the edit the README shows
            path = tmp_path / "workbook" / "04_mul.py"
            stub = path.read_text(encoding="utf-8")
            start = stub.index("def mul_backward(")
            path.write_text(stub[:start] + expected + "\n", encoding="utf-8")
        shell = command.replace("tinygrad-edu", f"{sys.executable} -m tinygrad_edu")
        result = subprocess.run(shell, shell=True, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert result.stdout.rstrip("\n") == expected, command
