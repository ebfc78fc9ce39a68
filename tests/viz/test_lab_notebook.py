"""The lab as a learner meets it: figure folders, finding a tutorial, the notebook, the help texts."""

import json
import os
import subprocess
import sys

import pytest

from tinygrad_edu import cli
from tinygrad_edu.viz import lab

pytestmark = pytest.mark.cpu_only  # about files and text, not about a device

TUTORIAL = '''"""Tutorial 3: A small one

Draws a line.

Run:  python examples/03_small_one.py [--quick]   or   tinygrad-edu lab 03
"""

# %%
import tinygrad_edu as tg
from tinygrad_edu import viz

QUICK = viz.quick_mode()
save = viz.FigureSaver("03_small_one")
tg.manual_seed(0)

# %% [markdown]
# ## A line

# %%
fig, ax = viz.subplots()
ax.plot([0, 1], [0, 1 if QUICK else 2])
save(fig, "line")
'''


@pytest.fixture
def examples(tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "03_small_one.py").write_text(TUTORIAL)
    (folder / "04_small_two.py").write_text(TUTORIAL.replace("03_small_one", "04_small_two"))
    (folder / "05_other.py").write_text(TUTORIAL.replace("03_small_one", "05_other"))
    monkeypatch.setenv(lab.EXAMPLES_ENV, str(folder))
    monkeypatch.delenv(lab.FIGURES_ENV, raising=False)
    monkeypatch.delenv(lab.QUICK_ENV, raising=False)
    return folder


def test_a_name_that_matches_several_lists_only_those(examples):
    with pytest.raises(ValueError) as error:
        lab.tutorial_path("small")
    message = str(error.value)
    assert "matches 2 tutorials: 03_small_one, 04_small_two" in message
    assert "05_other" not in message and "tutorial;" not in message


def test_quick_and_full_runs_keep_their_own_figures(examples, tmp_path):
    quick = lab.run_tutorial(examples / "03_small_one.py", quick=True, figures=tmp_path / "figs")["save"]
    full = lab.run_tutorial(examples / "03_small_one.py", quick=False, figures=tmp_path / "figs")["save"]
    assert quick.paths != full.paths
    assert os.path.exists(quick.paths[0]) and os.path.exists(full.paths[0])
    assert full.paths == [os.path.join(tmp_path, "figs", "03_small_one", "line.png")]


def test_figures_of_a_tutorial_run_from_its_own_folder_go_beside_it(examples, monkeypatch):
    monkeypatch.chdir(examples)
    saver = lab.run_tutorial(examples / "03_small_one.py")["save"]
    assert os.path.abspath(saver.paths[0]) == str(
        examples.parent / "lab_figures" / "03_small_one" / "line.png"
    )
    assert not (examples / "lab_figures").exists()


def test_silencing_the_last_expression_of_a_cell():
    assert lab._silence_last_expression("x = 1\ntg.manual_seed(0)") == "x = 1\ntg.manual_seed(0);"
    assert lab._silence_last_expression('save(fig, "x")  # a comment') == 'save(fig, "x");  # a comment'
    assert lab._silence_last_expression("x = f(1)") == "x = f(1)"  # an assignment echoes nothing
    assert lab._silence_last_expression("for i in range(2):\n    f(i)") == "for i in range(2):\n    f(i)"


def test_the_notebook_starts_with_the_title_and_echoes_no_bare_value(examples):
    pytest.importorskip("jupytext")
    notebook = lab.tutorial_notebook(examples / "03_small_one.py")
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# Tutorial 3: A small one\n")
    assert "`tinygrad-edu lab 03`" in first.source
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].rstrip().endswith("tg.manual_seed(0);") and code[-1].rstrip().endswith(
        'save(fig, "line");'
    )
    assert not any('"""Tutorial' in source for source in code)


def test_every_tutorial_becomes_a_notebook_whose_cells_parse():
    pytest.importorskip("jupytext")
    import ast

    for path in lab.find_tutorials(lab._checkout_examples()).values():
        notebook = lab.tutorial_notebook(path)
        assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# Tutorial")
        for cell in notebook.cells:
            if cell.cell_type == "code":
                ast.parse(cell.source)


def test_cli_writes_a_notebook_that_runs_clean(examples, tmp_path, capsys):
    pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat

    assert cli.main(["lab", "3", "--notebook", "--out", str(tmp_path / "nb")]) == 0
    target = tmp_path / "nb" / "03_small_one.ipynb"
    assert f"wrote {target}" in capsys.readouterr().out
    notebook = nbformat.read(str(target), as_version=4)
    os.environ[lab.QUICK_ENV] = "1"
    try:
        nbclient.NotebookClient(
            notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        del os.environ[lab.QUICK_ENV]
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type in ("error", "execute_result")], json.dumps(outputs)[:500]
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in outputs), (
        "the figure is shown"
    )
    assert (tmp_path / "lab_figures" / "03_small_one" / "quick" / "line.png").exists()


def test_cli_notebook_needs_a_name(examples, capsys):
    assert cli.main(["lab", "--notebook"]) == 1
    assert "which tutorial" in capsys.readouterr().err


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", *args], capture_output=True, text=True)


def test_help_version_and_demo_help_read_as_plain_text():
    import tinygrad_edu as tg

    top = run_cli("--help")
    assert top.returncode == 0 and "``" not in top.stdout
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"tinygrad-edu {tg.__version__}"
    demo = run_cli("demo", "--help")
    assert "loss.png" in demo.stdout and "tinygrad_edu_demo" in demo.stdout
    assert "lab_figures" in run_cli("lab", "--help").stdout
