"""tg.viz's plotting helpers draw what they are given, and the lab's plumbing (quick mode, figure
folder, finding and running tutorials) does what the tutorials and the CLI rely on."""

import os
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.viz import lab

pytest.importorskip("matplotlib")


@pytest.fixture
def ax():
    fig, axes = viz.subplots()
    yield axes
    viz.pyplot().close(fig)


def line_data(ax):
    return [(line.get_xdata(), line.get_ydata()) for line in ax.get_lines()]


def test_plot_curve_evaluates_f_through_tensors_and_puts_trajectories_on_the_curve(ax):
    def f(x):
        assert isinstance(x, tg.Tensor)
        return 3 * x**2 - 3 * x + 4

    path = [1.5, 1.0, 0.6]
    viz.plot_curve(f, (-2, 2), ax, trajectories=[path], labels=["GD"])
    curve, trajectory, start, end = line_data(ax)
    np.testing.assert_allclose(curve[1], 3 * curve[0] ** 2 - 3 * curve[0] + 4)
    np.testing.assert_allclose(trajectory[0], path)
    np.testing.assert_allclose(trajectory[1], [3 * x * x - 3 * x + 4 for x in path])
    assert (start[0][0], end[0][0]) == (1.5, 0.6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GD"]


def test_plot_contour_draws_each_path_and_keeps_the_view_on_the_ranges(ax):
    paths = {"far": tg.tensor([[0.0, 0.0], [50.0, 50.0]]), "near": [[0.5, 0.5], [0.1, 0.2]]}
    viz.plot_contour(lambda x, y: x**2 + 10 * y**2, (-1, 1), (-2, 2), ax, trajectories=paths, n=20)
    lines = line_data(ax)
    assert len(lines) == 6  # path, start marker, end marker for each
    np.testing.assert_allclose(lines[3][0], [0.5, 0.1])
    assert ax.get_xlim() == (-1, 1) and ax.get_ylim() == (-2, 2)  # a diverging path does not zoom out


def test_log_levels_start_at_the_minimum_and_grow_geometrically():
    from tinygrad_edu.viz.plots import _log_levels

    z = np.linspace(0, 1000, 9999).reshape(101, 99) + 2.0
    levels = _log_levels(z, 12)
    assert levels[0] == z.min() and np.isclose(levels[-1], z.max()) and np.all(np.diff(levels) > 0)
    gaps = levels[1:] - levels[0]
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])


def test_plot_curves_shares_or_takes_per_curve_x_and_styles_them_apart(ax):
    viz.plot_curves({"a": [3, 2, 1], "b": [4, 1]}, x={"a": [0, 10, 20], "b": [5, 6]}, ax=ax, logy=True)
    (ax_x, _), (bx, by) = line_data(ax)
    assert list(ax_x) == [0, 10, 20] and list(bx) == [5, 6] and list(by) == [4, 1]
    assert ax.get_yscale() == "log"
    assert len({viz.style(i) for i in range(40)}) == 40


def test_plot_history_uses_epochs_from_one_and_skips_empty_curves(ax):
    history = tg.train.History()
    for loss in (1.0, 0.5, 0.25):
        history.record({"train_loss": loss})
    viz.plot_history(history, ax=ax)
    ((epochs, losses),) = line_data(ax)  # val_loss is empty: not drawn
    assert list(epochs) == [1, 2, 3] and list(losses) == [1.0, 0.5, 0.25]


def test_plot_heatmap_lays_values_out_rows_by_y_and_masks_nan(ax):
    values = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]])
    viz.plot_heatmap(values, [0.1, 0.01, 0.001], [10, 20], ax=ax, annotate=True)
    image = ax.get_images()[0].get_array()
    assert image.shape == (2, 3) and image.mask[0, 2] and image[1, 0] == 3.0
    assert [t.get_text() for t in ax.texts][:3] == ["1", "2", "nan"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "0.01", "0.001"]


def test_landscape_plots_mark_the_trained_point(ax):
    alphas = np.linspace(-1, 1, 11)
    viz.plot_landscape_1d(alphas, alphas**2 + 1, ax=ax)
    _, marker = line_data(ax)
    assert (marker[0][0], marker[1][0]) == (0.0, 1.0)
    fig, ax2 = viz.subplots()
    viz.plot_landscape_2d(alphas, alphas, np.add.outer(alphas**2, alphas**2) + 1, ax=ax2, levels=8)
    assert ax2.collections and line_data(ax2)[-1][0][0] == 0
    viz.pyplot().close(fig)


def test_figure_saver_writes_pngs_in_order_under_the_env_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(lab.FIGURES_ENV, str(tmp_path))
    save = viz.FigureSaver("99_test")
    for name in ("first", "second"):
        fig, ax = viz.subplots()
        ax.plot([0, 1])
        save(fig, name)
        assert fig.number not in viz.pyplot().get_fignums()  # closed: a long tutorial does not pile up
    assert save.paths == [os.path.join(tmp_path, "99_test", f"{n}.png") for n in ("first", "second")]
    with open(save.paths[0], "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert f"saved {save.paths[1]}" in capsys.readouterr().out


def test_quick_mode_from_flag_or_environment(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tutorial.py"])
    monkeypatch.delenv(lab.QUICK_ENV, raising=False)
    assert viz.quick_mode() is False
    monkeypatch.setenv(lab.QUICK_ENV, "1")
    assert viz.quick_mode() is True
    monkeypatch.delenv(lab.QUICK_ENV)
    monkeypatch.setattr(sys, "argv", ["tutorial.py", "--quick"])
    assert viz.quick_mode() is True


def test_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "\.\[viz\]"|pip install matplotlib'):
        viz.pyplot()


TUTORIAL = '''"""Tutorial 3: A small one

Draws a line.
"""

# %%
from tinygrad_edu import viz

QUICK = viz.quick_mode()
save = viz.FigureSaver("03_small_one")
fig, ax = viz.subplots()
ax.plot([0, 1], [0, 1 if QUICK else 2])
save(fig, "line")
'''


@pytest.fixture
def examples(tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "03_small_one.py").write_text(TUTORIAL)
    (folder / "helper.py").write_text("")  # not a tutorial: no NN_ prefix
    monkeypatch.setenv(lab.EXAMPLES_ENV, str(folder))
    return folder


def test_tutorials_are_found_by_number_or_name(examples):
    assert list(lab.find_tutorials()) == ["03"]
    assert (
        lab.tutorial_path("3")
        == lab.tutorial_path("03")
        == lab.tutorial_path("small")
        == examples / "03_small_one.py"
    )
    assert lab.tutorial_title(examples / "03_small_one.py") == ("Tutorial 3: A small one", "Draws a line.")
    with pytest.raises(ValueError, match="matches no tutorial; the tutorials are: 03_small_one"):
        lab.tutorial_path("7")


def test_run_tutorial_runs_quick_mode_and_restores_argv_and_environment(examples, tmp_path, monkeypatch):
    monkeypatch.delenv(lab.QUICK_ENV, raising=False)
    argv = list(sys.argv)
    namespace = lab.run_tutorial(examples / "03_small_one.py", quick=True, figures=tmp_path / "figs")
    assert namespace["QUICK"] is True and namespace["__name__"] == "__main__"
    assert namespace["save"].paths == [os.path.join(tmp_path, "figs", "03_small_one", "quick", "line.png")]
    assert sys.argv == argv and lab.QUICK_ENV not in os.environ and lab.FIGURES_ENV not in os.environ


def test_cli_lab_lists_runs_and_reports_unknown_names(examples, tmp_path, capsys):
    from tinygrad_edu import cli

    assert cli.main(["lab"]) == 0
    assert "03  03_small_one" in capsys.readouterr().out
    assert cli.main(["lab", "small", "--quick", "--out", str(tmp_path / "out")]) == 0
    assert os.path.exists(tmp_path / "out" / "03_small_one" / "quick" / "line.png")
    assert cli.main(["lab", "nothing"]) == 1
    assert "'nothing' matches no tutorial" in capsys.readouterr().err


def test_cli_lab_without_a_checkout_says_where_tutorials_live(tmp_path, monkeypatch, capsys):
    from tinygrad_edu import cli

    monkeypatch.setenv(lab.EXAMPLES_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lab, "_checkout_examples", lambda: tmp_path / "nowhere")
    assert cli.main(["lab", "1"]) == 1
    assert "examples/NN_name.py files of the repository" in capsys.readouterr().err


def test_importing_the_package_does_not_import_matplotlib():
    import subprocess

    code = "import sys, tinygrad_edu as tg; tg.viz.plot_curve; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_figure_saver_shows_the_figure_when_run_as_a_notebook(tmp_path, monkeypatch, capsys):
    import types

    shown = []
    display_module = types.SimpleNamespace(display=shown.append)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    fig, _ = viz.subplots()
    viz.FigureSaver("99_test", directory=tmp_path)(fig, "shown")
    assert shown == [fig] and fig.number not in viz.pyplot().get_fignums()


def test_plot_curve_draws_every_trajectory_even_when_labels_repeat(ax):
    viz.plot_curve(lambda x: x * x, (-1, 1), ax, trajectories=[[0.5, 0.2], [-0.5, -0.2]], labels=["GD", "GD"])
    assert len(ax.get_lines()) == 1 + 2 * 3  # the curve, then path + start + end for each
