"""Pictures of what the framework computes: the tutorials' plots, computation graphs, the backward pass.

matplotlib (``pip install "tinygrad_edu[viz]"``) is needed only by the plotting functions and is
imported on first use; ``draw_graph`` and ``trace_backward`` need nothing beyond the core.
"""

from .graph import BackwardTrace, Graph, draw_graph, format_trace, trace_backward
from .lab import FigureSaver, find_tutorials, quick_mode, run_tutorial, tutorial_path, tutorial_title
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
    "Graph",
    "draw_graph",
    "format_trace",
    "trace_backward",
    "FigureSaver",
    "find_tutorials",
    "plot_contour",
    "plot_curve",
    "plot_curves",
    "plot_heatmap",
    "plot_history",
    "plot_landscape_1d",
    "plot_landscape_2d",
    "pyplot",
    "quick_mode",
    "run_tutorial",
    "style",
    "subplots",
    "to_numpy",
    "tutorial_path",
    "tutorial_title",
]
