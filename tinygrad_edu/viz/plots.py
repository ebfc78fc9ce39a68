"""Plotting helpers the tutorials share: curves and contours with trajectories, loss curves, heat maps,
loss landscapes. matplotlib is imported on first use, so ``import tinygrad_edu`` never needs it.

Functions of the data (``f`` below) take and return Tensors and are evaluated under ``tg.no_grad()``;
everything else accepts Tensors, lists or NumPy arrays. Plotting happens on host copies.
"""

import math
import sys

import numpy as np

import tinygrad_edu as tg

VIZ_EXTRA = 'pip install matplotlib  (from a checkout: pip install ".[viz]")'
# Enough distinguishable (colour, line style) pairs for the eleven optimizers of the zoo and more.
_COLORS = ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"]
_STYLES = ["-", "--", "-.", ":"]


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it.

    Outside Jupyter the figures only go to files, so the Agg backend is chosen (no window needed).
    """
    try:
        import matplotlib
    except ImportError:
        raise ImportError(f"tg.viz needs matplotlib: install it with  {VIZ_EXTRA}") from None
    if "ipykernel" not in sys.modules and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    """``plt.subplots`` with a size that fits the grid and a layout that keeps labels inside the figure."""
    figsize = figsize or (5.2 * ncols, 4.0 * nrows)
    return pyplot().subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)


def style(i):
    """The ``i``-th (colour, line style) pair: ten colours, then the same ten dashed, and so on."""
    return _COLORS[i % len(_COLORS)], _STYLES[(i // len(_COLORS)) % len(_STYLES)]


def to_numpy(values):
    """A host NumPy array of ``values``: a Tensor, a list of Tensors or numbers, or an array."""
    if isinstance(values, tg.Tensor):
        return values.detach().numpy()
    if isinstance(values, (list, tuple)) and values and isinstance(values[0], tg.Tensor):
        return np.stack([value.detach().numpy() for value in values])
    return np.asarray(values, dtype=float)


def _evaluate(f, *grids):
    """``f`` on Tensors made from NumPy grids, without recording a graph; the result on the host."""
    with tg.no_grad():
        return to_numpy(f(*(tg.tensor(grid) for grid in grids)))


def _axes(ax):
    return ax if ax is not None else subplots()[1]


def _labelled_paths(trajectories, labels=None):
    """``[(label or None, array), ...]`` from a dict ``label -> path``, or from a list of paths and labels."""
    if trajectories is None:
        return []
    if isinstance(trajectories, dict):
        return [(label, to_numpy(path)) for label, path in trajectories.items()]
    labels = labels if labels is not None else [None] * len(trajectories)
    return [(label, to_numpy(path)) for label, path in zip(labels, trajectories)]


def _finish(ax, title, xlabel, ylabel, legend):
    if title:
        ax.set_title(title)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if legend:
        ax.legend(fontsize="small")
    return ax


def _draw_path(ax, xs, ys, label, i):
    """One trajectory: points joined by a thin line, a circle at the start and a star at the end."""
    color, linestyle = style(i)
    ax.plot(xs, ys, linestyle, color=color, marker=".", markersize=3, linewidth=1.2, label=label)
    ax.plot(xs[:1], ys[:1], "o", color=color, markersize=6, markeredgecolor="black")
    ax.plot(xs[-1:], ys[-1:], "*", color=color, markersize=12, markeredgecolor="black")


def plot_curve(
    f, x_range, ax=None, trajectories=(), labels=None, n=400, title=None, xlabel="x", ylabel="f(x)"
):
    """Draw y = f(x) over ``x_range`` and each trajectory (a sequence of x values) as points on the curve.

    Example: ``viz.plot_curve(lambda x: 3 * x**2 - 3 * x + 4, (-2, 2), trajectories=[xs])``.
    """
    ax = _axes(ax)
    grid = np.linspace(*x_range, n)
    ax.plot(grid, _evaluate(f, grid), color="0.3", linewidth=1.5, zorder=0)
    for i, (label, xs) in enumerate(_labelled_paths(list(trajectories), labels)):
        xs = xs.reshape(-1)
        _draw_path(ax, xs, _evaluate(f, xs).reshape(-1), label, i)
    ax.set_xlim(*x_range)
    return _finish(ax, title, xlabel, ylabel, legend=bool(labels))


def _log_levels(z, count):
    """``count`` levels spaced evenly in log(z − min(z) + small): dense near the minimum, as valleys need."""
    floor = np.nanmin(z)
    shifted = z - floor
    smallest = max(np.nanpercentile(shifted, 0.5), 1e-12 * max(np.nanmax(shifted), 1e-300))
    return floor + np.concatenate([[0.0], np.geomspace(smallest, np.nanmax(shifted), count - 1)])


def round_ticks(low, high, most=8):
    """Round numbers for a logarithmic axis from ``low`` to ``high``: 1, 2 and 5 × 10ᵏ, or only 1 × 10ᵏ
    (then every other decade) when those would be more than ``most``. Values ≤ 0 are left out.

    >>> round_ticks(0.05, 15)
    [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
    >>> round_ticks(0.0009, 27.7)         # 1, 2, 5 would give 15 ticks: decades only
    [0.001, 0.01, 0.1, 1.0, 10.0]
    """
    low = max(low, high * 1e-15, 1e-300)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for mantissas, stride in (((1, 2, 5), 1), ((1,), 1), ((1,), 2), ((1,), 3), ((1,), 5)):
        ticks = [m * 10.0**k for k in decades[::stride] for m in mantissas]
        ticks = [t for t in ticks if low <= t <= high]
        if len(ticks) <= most:
            return ticks
    return ticks


def _spaced_on_bar(ticks, levels, gap=1.5):
    """The ``ticks`` that sit at least ``gap`` colour bands apart on a bar with one band per level
    (the larger tick wins), so labels in the dense bands near a minimum do not print over each other."""
    positions = np.interp(ticks, levels, np.arange(len(levels)))
    kept = []
    for tick, position in sorted(zip(ticks, positions), reverse=True):
        if all(abs(position - other) >= gap for _, other in kept):
            kept.append((tick, position))
    return sorted(tick for tick, _ in kept)


def plot_contour(
    f,
    x_range,
    y_range,
    ax=None,
    trajectories=None,
    n=200,
    levels=30,
    log_levels=False,
    title=None,
    xlabel="x",
    ylabel="y",
    colorbar=True,
    cbar_label="f(x, y)",
):
    """Contours of z = f(x, y) with trajectories (``(steps, 2)`` arrays of (x, y)) drawn on top.

    ``trajectories`` is a dict ``label -> path`` (with a legend) or a list of paths. ``log_levels``
    spaces the levels logarithmically above the minimum, which shows narrow valleys like Rosenbrock's.
    Example: ``viz.plot_contour(lambda x, y: x**2 + 10 * y**2, (-2, 2), (-1, 1), trajectories={"GD": path})``.
    """
    ax = _axes(ax)
    grid_x, grid_y = np.meshgrid(np.linspace(*x_range, n), np.linspace(*y_range, n))
    z = _evaluate(f, grid_x, grid_y)
    norm = None
    if log_levels:  # one colour step per level, so the dense levels near the minimum stay apart
        from matplotlib.colors import BoundaryNorm

        levels = _log_levels(z, levels if isinstance(levels, int) else len(levels))
        norm = BoundaryNorm(levels, 256)
    filled = ax.contourf(grid_x, grid_y, z, levels=levels, cmap="viridis", norm=norm, alpha=0.85)
    ax.contour(grid_x, grid_y, z, levels=filled.levels, colors="white", linewidths=0.3, alpha=0.6)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, label=cbar_label, format="%.3g")
        ticks = (
            _spaced_on_bar(round_ticks(filled.levels[0], filled.levels[-1]), filled.levels)
            if log_levels
            else []
        )
        if len(ticks) >= 3:  # ticks at round values (1, 2, 5 × 10ᵏ), not at the levels' odd boundaries
            bar.set_ticks(ticks)
            bar.ax.yaxis.set_major_formatter("{x:g}")
    paths = _labelled_paths(trajectories)
    for i, (label, path) in enumerate(paths):
        path = path.reshape(-1, 2)
        _draw_path(ax, path[:, 0], path[:, 1], label, i)
    ax.set(xlim=x_range, ylim=y_range)
    labelled = any(label is not None for label, _ in paths)
    return _finish(ax, title, xlabel, ylabel, legend=labelled)


def plot_curves(
    curves, x=None, ax=None, xlabel="step", ylabel="loss", logy=False, logx=False, title=None, marker=None
):
    """Several named curves on one axes: ``curves`` is ``{label: ys}``; ``x`` is shared or ``{label: xs}``.

    Example: ``viz.plot_curves({"SGD": sgd_losses, "Adam": adam_losses}, logy=True)``.
    """
    ax = _axes(ax)
    for i, (label, ys) in enumerate(curves.items()):
        ys = to_numpy(ys).reshape(-1)
        xs = x.get(label) if isinstance(x, dict) else x
        xs = np.arange(len(ys)) if xs is None else to_numpy(xs).reshape(-1)
        color, linestyle = style(i)
        ax.plot(xs, ys, linestyle, color=color, label=label, marker=marker, markersize=3)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    return _finish(ax, title, xlabel, ylabel, legend=len(curves) > 1)


def plot_history(history, keys=None, ax=None, logy=False, title=None, ylabel="loss"):
    """Per-epoch curves from a ``tg.train.History`` (or any dict of lists); empty lists are left out."""
    keys = keys or [key for key, values in history.items() if len(values)]
    curves = {key.replace("_", " "): history[key] for key in keys}
    epochs = {key.replace("_", " "): np.arange(1, len(history[key]) + 1) for key in keys}
    return plot_curves(
        curves, x=epochs, ax=ax, xlabel="epoch", ylabel=ylabel, logy=logy, title=title, marker="o"
    )


def _tick_labels(values):
    return [f"{value:.3g}" if isinstance(value, (float, np.floating)) else str(value) for value in values]


def plot_heatmap(
    values,
    x_values,
    y_values,
    ax=None,
    xlabel="",
    ylabel="",
    cbar_label="",
    annotate=False,
    log_color=False,
    title=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
):
    """A grid of results, ``values[i, j]`` at (x_values[j], y_values[i]); NaN cells (diverged) in grey.

    Example: ``viz.plot_heatmap(final_x, learning_rates, epoch_counts, xlabel="η", ylabel="epochs")``.
    """
    from matplotlib.colors import LogNorm

    ax = _axes(ax)
    values = to_numpy(values)
    colormap = pyplot().get_cmap(cmap).with_extremes(bad="0.75")
    norm = LogNorm(vmin, vmax) if log_color else None
    limits = {} if log_color else {"vmin": vmin, "vmax": vmax}
    image = ax.imshow(
        np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap=colormap, norm=norm, **limits
    )
    ax.figure.colorbar(image, ax=ax, label=cbar_label)
    step_x, step_y = max(1, len(x_values) // 12), max(1, len(y_values) // 12)
    ax.set_xticks(range(0, len(x_values), step_x), _tick_labels(x_values)[::step_x], rotation=45)
    ax.set_yticks(range(0, len(y_values), step_y), _tick_labels(y_values)[::step_y])
    if annotate:  # dark text on the bright half of the colour map, white on the dark half
        middle = np.nanmean(image.norm([np.nanmin(values), np.nanmax(values)]))
        for (i, j), value in np.ndenumerate(values):
            text = "nan" if np.isnan(value) else f"{value:.2g}"
            color = "black" if np.isnan(value) or image.norm(value) > middle else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    return _finish(ax, title, xlabel, ylabel, legend=False)


def plot_landscape_1d(alphas, losses, ax=None, title=None, label=None):
    """J(θ + a·d) against a, with the trained point a = 0 marked."""
    ax = _axes(ax)
    alphas, losses = to_numpy(alphas).reshape(-1), to_numpy(losses).reshape(-1)
    ax.plot(alphas, losses, label=label)
    centre = np.argmin(np.abs(alphas))
    ax.plot(alphas[centre], losses[centre], "k*", markersize=10)
    return _finish(ax, title, "a (step along d)", "loss J(θ + a·d)", legend=label is not None)


def plot_landscape_2d(alphas, betas, losses, ax=None, levels=30, title=None):
    """Contours of J(θ + a·d₁ + b·d₂) over the (a, b) plane; ``losses[i, j]`` is at (alphas[j], betas[i])."""
    ax = _axes(ax)
    losses = to_numpy(losses)
    grid_a, grid_b = np.meshgrid(to_numpy(alphas), to_numpy(betas))
    lines = ax.contour(grid_a, grid_b, losses, levels=_log_levels(losses, levels), cmap="viridis")
    ax.clabel(lines, lines.levels[::4], fontsize=7, fmt="%.2g")
    ax.plot(0, 0, "k*", markersize=10)
    ax.set_aspect("equal")
    return _finish(ax, title, "a (along d₁)", "b (along d₂)", legend=False)
