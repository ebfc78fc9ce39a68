"""Pictures of what the framework computes: the tutorials' plots, computation graphs, the backward pass.

matplotlib (``pip install ".[viz]"`` from a checkout) is needed only by the plotting functions and is
imported on first use; ``draw_graph`` and ``trace_backward`` need nothing beyond the core.
"""

from .graph import BackwardTrace, Graph, draw_graph, format_trace, trace_backward
from .lab import FigureSaver, find_tutorials, quick_mode, run_tutorial, tutorial_path, tutorial_title
from .landscape import loss_landscape_1d, loss_landscape_2d, random_direction
from .plots import (
    plot_contour,
    plot_curve,
    plot_curves,
    plot_heatmap,
    plot_history,
    plot_landscape_1d,
    plot_landscape_2d,
    pyplot,
    style,
    subplots,
    to_numpy,
)

__all__ = [
    "BackwardTrace",
    "FigureSaver",
    "Graph",
    "draw_graph",
    "find_tutorials",
    "format_trace",
    "loss_landscape_1d",
    "loss_landscape_2d",
    "plot_contour",
    "plot_curve",
    "plot_curves",
    "plot_heatmap",
    "plot_history",
    "plot_landscape_1d",
    "plot_landscape_2d",
    "pyplot",
    "quick_mode",
    "random_direction",
    "run_tutorial",
    "style",
    "subplots",
    "to_numpy",
    "trace_backward",
    "tutorial_path",
    "tutorial_title",
]
