"""The lab's figures say what their tutorials claim: checks on the matplotlib objects, not on pixels.

Each tutorial runs once in quick mode with ``FigureSaver`` wrapped so that every figure it saves is
kept (after saving, a figure is closed but stays a complete object), then each check looks at one
figure: legends that do not cover the data, a 3-D plot with a legend, a colour map per panel, one
marker where runs end at the same point, round colour-bar ticks, curves that stop at the floor.
"""

import math

import numpy as np
import pytest

from tinygrad_edu.viz import lab

pytest.importorskip("matplotlib")

pytestmark = pytest.mark.cpu_only  # about the pictures, not about a device

_RUNS = {}


def run(number, tmp_path_factory):
    """``(figures by name, the tutorial's globals)`` of a quick run, once per session."""
    if number not in _RUNS:
        figures = {}
        original = lab.FigureSaver.__call__

        def keep(self, figure, name, dpi=110):
            figures[name] = figure
            return original(self, figure, name, dpi)

        lab.FigureSaver.__call__ = keep
        try:
            path = lab.tutorial_path(number, lab._checkout_examples())
            namespace = lab.run_tutorial(path, quick=True, figures=tmp_path_factory.mktemp(f"t{number}"))
        finally:
            lab.FigureSaver.__call__ = original
        _RUNS[number] = figures, namespace
    return _RUNS[number]


def data_points_under_legend(ax):
    """How many plotted points of ``ax`` lie inside its legend's box (in display coordinates)."""
    legend = ax.get_legend()
    if legend is None:
        return 0
    renderer = ax.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    inside = 0
    for line in ax.get_lines():
        xy = np.column_stack(line.get_data()).astype(float)
        if len(xy) == 0:
            continue
        shown = ax.transData.transform(xy)
        within_axes = ax.get_window_extent(renderer).contains
        inside += sum(box.contains(x, y) and within_axes(x, y) for x, y in shown)
    return inside


@pytest.mark.parametrize("name", ["g_trajectories", "f_trajectories", "g_x_vs_step", "h_stuck_at_maximum"])
def test_tutorial_01_legends_cover_no_data(name, tmp_path_factory):
    figures, _ = run("01", tmp_path_factory)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = figures[name]
    FigureCanvasAgg(figure).draw()  # a closed figure has lost its canvas: give it one to lay it out
    for ax in figure.axes:
        assert data_points_under_legend(ax) == 0, f"{name}: the legend covers plotted points"


def test_tutorial_02_3d_figure_has_a_legend(tmp_path_factory):
    figures, _ = run("02", tmp_path_factory)
    axes3d = [ax for ax in figures["descent_surface_3d"].axes if ax.name == "3d"]
    assert axes3d and all(ax.get_legend() is not None for ax in axes3d)


def test_tutorial_13_each_landscape_panel_has_its_own_colour_range(tmp_path_factory):
    figures, namespace = run("13", tmp_path_factory)
    figure = figures["landscape_2d"]
    panels = [ax for ax in figure.axes if ax.get_label() != "<colorbar>" and ax.collections]
    assert len(panels) == 2
    for ax, losses in zip(panels, namespace["plane"].values()):
        (filled,) = [c for c in ax.collections if hasattr(c, "levels") and getattr(c, "filled", False)]
        inside = [v for v in filled.levels if np.min(losses) <= v <= np.max(losses)]
        assert len(inside) >= 10, f"{ax.get_title()}: only {len(inside)} colours over its own range"


def ends_near(ax, point, radius):
    """How many end markers (★) of ``ax`` lie within ``radius`` of ``point``."""
    count = 0
    for line in ax.get_lines():
        if line.get_marker() == "*":
            xs, ys = line.get_data()
            count += sum(math.dist((x, y), point) < radius for x, y in zip(xs, ys))
    return count


def test_tutorial_10_runs_that_end_at_the_minimum_share_one_marker(tmp_path_factory):
    figures, namespace = run("10", tmp_path_factory)
    (ax,) = [ax for ax in figures["ravine_paths"].axes if ax.get_label() != "<colorbar>"]
    near = [name for name, r in namespace["ravine_results"].items() if math.dist(r["path"][-1], (0, 0)) < 0.3]
    assert len(near) >= 3, "the check needs several runs that end at the minimum"
    assert ends_near(ax, (0, 0), 0.3) == 1


def round_number(value):
    """1, 2 or 5 times a power of ten."""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))


def test_tutorial_10_colour_bar_ticks_are_round_numbers(tmp_path_factory):
    figures, _ = run("10", tmp_path_factory)
    for name in ("ravine_paths", "rosenbrock_paths"):
        colorbars = [ax for ax in figures[name].axes if ax.get_label() == "<colorbar>"]
        assert colorbars
        for colorbar in colorbars:
            low, high = sorted(colorbar.get_ylim())
            ticks = [t for t in colorbar.get_yticks() if low <= t <= high]
            assert len(ticks) >= 3 and all(round_number(t) for t in ticks), f"{name}: ticks {ticks}"


def test_tutorial_10_loss_curves_stop_at_the_floor(tmp_path_factory):
    figures, namespace = run("10", tmp_path_factory)
    floor = namespace["FLOOR"]
    for ax in figures["loss_vs_step"].axes:
        for line in ax.get_lines():
            ys = np.asarray(line.get_ydata(), dtype=float)
            assert np.sum(ys <= floor * 1.0001) <= 1, f"{line.get_label()} runs along the floor"


def test_tutorial_14_title_states_the_growth_its_curves_show(tmp_path_factory):
    """Not "the gradient does not pay for dimensions": both costs grow, random search's much faster."""
    figures, namespace = run("14", tmp_path_factory)
    (ax,) = figures["cost_vs_dimension"].axes
    title = ax.get_title()
    for name, counts in namespace["needed"].items():
        assert f"{counts[-1] / counts[0]:.1f}×" in title, (name, title)
    assert "does not" not in title
