"""Ready-made setups for the lab's lessons; the tutorials link to them
(``tinygrad-edu playground --preset NAME`` opens the page at ``/#preset=NAME``). Each preset is a
run request (``surface``, ``start``, ``steps``, ``runs``) plus what the page shows: the plot's
``view`` and the phase map's ``sweep``.
"""


def _run(optimizer, **params):
    """One optimizer of a preset, with its arguments."""
    return {"optimizer": optimizer, "params": params}


def _sweep(run, lr_min, lr_max, momentum_knob):
    """The phase map of the ``run``-th optimizer: 20 rates ``lr`` on a log axis from ``lr_min`` to
    ``lr_max``, against 20 values of its momentum knob (``beta``, ``betas[0]``, ``momentum``) from 0 to 0.99.
    """
    lr_axis = {"name": "lr", "min": lr_min, "max": lr_max, "n": 20, "log": True}
    momentum_axis = {"name": momentum_knob, "min": 0.0, "max": 0.99, "n": 20, "log": False}
    return {"run": run, "axes": [lr_axis, momentum_axis]}


PRESETS = {
    "ravine": {
        "title": "A narrow ravine",
        "lesson": (
            "On f = 0.1x² + 10y² the steep y-direction caps GD's learning rate (below 2/20 = 0.1), so"
            " it crawls along the flat x-direction; momentum and per-coordinate step sizes do not. "
            "(Tutorial 10.)"
        ),
        "tutorial": "examples/10_optimizer_zoo.py",
        "surface": {"expr": "0.1*x**2 + 10*y**2"},
        "view": {"x_range": [-9, 5], "y_range": [-1.4, 1.4]},
        "start": [-8, 0.8],
        "steps": 100,
        "runs": [
            _run("GD", lr=0.09),
            _run("Momentum", lr=0.09, beta=0.9),
            _run("RMSprop", lr=0.1),
            _run("Adam", lr=0.5),
        ],
        "sweep": _sweep(1, 0.001, 0.3, "beta"),
    },
    "rosenbrock": {
        "title": "Rosenbrock's valley",
        "lesson": (
            "Dropping into the curved valley is easy; following its nearly flat floor to (1, 1) is "
            "not. Momentum and Adam keep their speed along the floor, GD crawls. (Tutorial 10.)"
        ),
        "tutorial": "examples/10_optimizer_zoo.py",
        "surface": "rosenbrock",
        "start": [-1.2, 1],
        "steps": 1000,
        "runs": [_run("GD", lr=0.001), _run("Momentum", lr=0.003, beta=0.9), _run("Adam", lr=0.05)],
        "sweep": _sweep(2, 0.001, 0.5, "betas[0]"),
    },
    "saddle_escape": {
        "title": "Escaping a saddle",
        "lesson": (
            "Started a hair off the saddle's stable line, GD first slides towards the saddle point "
            "and stalls on a plateau before the tiny y-offset grows and carries it away; Adam's "
            "normalised steps escape sooner. Set y to exactly 0 and GD never escapes. (Tutorial 16.)"
        ),
        "tutorial": "examples/16_saddle_points.py",
        "surface": "saddle",
        "start": [1.5, 0.0001],
        "steps": 60,
        "runs": [_run("GD", lr=0.1), _run("Adam", lr=0.1)],
        "sweep": _sweep(1, 0.001, 0.5, "betas[0]"),
    },
    "lr_too_large": {
        "title": "A learning rate too large",
        "lesson": (
            "On the bowl f = x² + 10y², plain SGD (no momentum) is stable only for η < 2/λmax = 2/20 "
            "= 0.1: at 0.09 it zigzags across the steep direction but converges, at 0.105 each zigzag"
            " grows and the run diverges. The phase map shows how momentum moves that edge. "
            "(Tutorials 3 and 8.)"
        ),
        "tutorial": "examples/03_parametric_experiments.py",
        "surface": "bowl",
        "start": [-2.5, 1.5],
        "steps": 60,
        "runs": [_run("SGD", lr=0.02), _run("SGD", lr=0.09), _run("SGD", lr=0.105)],
        "sweep": _sweep(0, 0.001, 0.3, "momentum"),
    },
    "adam_vs_sgd": {
        "title": "Adam vs SGD",
        "lesson": (
            "On Beale's function, with its flat plateau and steep walls, plain SGD needs a tiny rate "
            "to survive the walls and then barely moves on the plateau; SGD with momentum does "
            "better; Adam, which scales each coordinate's step by its own gradient history, walks to "
            "the minimum at (3, 0.5). (Tutorial 10.)"
        ),
        "tutorial": "examples/10_optimizer_zoo.py",
        "surface": "beale",
        "start": [-1, 1.5],
        "steps": 500,
        "runs": [_run("SGD", lr=0.001), _run("SGD", lr=0.001, momentum=0.9), _run("Adam", lr=0.05)],
        "sweep": _sweep(1, 0.0001, 0.01, "momentum"),
    },
}
