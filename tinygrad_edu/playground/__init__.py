"""The optimizer playground: a local web page where every step of every trajectory comes from tinygrad_edu.

``tinygrad-edu playground`` serves it (``pip install "tinygrad_edu[playground]"`` brings Plotly.js, which
draws the plots). The parts, each readable on its own:

| file | what |
|---|---|
| ``formula.py`` | the formula grammar: tokenizer, recursive-descent parser, evaluation, back to Python text |
| ``surfaces.py`` | named surfaces (as formulas), domains, minima; f and ∇f at many points by autograd |
| ``catalog.py`` | the optimizers and schedules of ``tg.optim``, with their arguments read from the classes |
| ``engine.py`` | the runs (real ``tg.optim`` optimizers) and the batched hyperparameter sweep |
| ``api.py`` | the JSON API: request checking and the handlers |
| ``script_writer.py`` | "copy as Python": the runs as a plain ``tg.optim`` script |
| ``presets.py`` | the lessons' setups that the tutorials link to |
| ``server.py`` | the threaded ``http.server`` on 127.0.0.1 |
| ``static/`` | the page: HTML, CSS and JavaScript (no framework; Plotly.js for the plots) |
"""

from . import api, formula, presets, surfaces
from .server import PlaygroundServer, start_in_thread

__all__ = ["PlaygroundServer", "api", "formula", "presets", "start_in_thread", "surfaces"]
