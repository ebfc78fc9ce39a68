"""The JSON API of the playground, without HTTP: each handler takes the decoded request body and returns
the response as plain dicts and lists, or raises ``ApiError`` (the server answers HTTP 400 with
``{"error": message}``). See the contract in SPEC.md, "The optimizer playground".

| route | handler | what |
|---|---|---|
| ``GET /api/catalog`` | ``catalog()`` | surfaces, optimizers (with their arguments), schedules, presets |
| ``POST /api/run`` | ``run(body)`` | trajectories of one or several optimizers from one start |
| ``POST /api/sweep`` | ``sweep(body)`` | the final loss over a grid of two hyperparameters |
| ``POST /api/surface`` | ``surface_grid(body)`` | f on a grid for the contour plot (or the parse error) |
| ``POST /api/script`` | ``script(body)`` | the run request as a runnable ``tg.optim`` script |
"""

import math
import numbers

from ..optim import RandomSearch
from ..tensor import Tensor
from . import catalog as cat
from . import engine, presets, script_writer, surfaces
from .formula import FormulaError

MAX_RUNS = 8
MAX_STEPS = 5000
MAX_SWEEP_STEPS = 2000
MAX_AXIS_VALUES = 50
MAX_SWEEP_WORK = 250_000  # cells × steps
MAX_RANDOM_SEARCH_EVALUATIONS = 100_000  # cells × steps × (2·num_directions + 1), for a RandomSearch sweep
MAX_GRID = 300
MAX_COORDINATE = 1e6


class ApiError(ValueError):
    """A bad request; the message names what was wrong. ``position``: where in a formula, if that was it."""

    def __init__(self, message, position=None):
        super().__init__(message)
        self.position = position

    def as_json(self):
        body = {"error": str(self)}
        if self.position is not None:
            body["position"] = self.position
        return body


def _object(body, required, optional=()):
    if not isinstance(body, dict):
        raise ApiError("the request body must be a JSON object")
    missing = [key for key in required if key not in body]
    if missing:
        raise ApiError(f"the request needs {', '.join(repr(k) for k in missing)}")
    unknown = [key for key in body if key not in (*required, *optional)]
    if unknown:
        expected = ", ".join(required + tuple(optional))
        raise ApiError(f"unknown field {str(unknown[0])[:40]!r}; expected {expected}")
    return body


def _surface(spec):
    try:
        return surfaces.resolve(spec)
    except FormulaError as error:
        raise ApiError(f"formula: {error}", error.position) from None
    except ValueError as error:
        raise ApiError(str(error)) from None


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _point(value, what):
    ok = isinstance(value, list) and len(value) == 2
    ok = ok and all(_is_number(v) and abs(v) <= MAX_COORDINATE and math.isfinite(v) for v in value)
    if not ok:
        raise ApiError(f'"{what}" must be [x, y]: two finite numbers of magnitude at most {MAX_COORDINATE:g}')
    return [float(value[0]), float(value[1])]


def _whole(value, what, low, high):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(f'"{what}" must be a whole number from {low} to {high}, got {str(value)[:40]}')
    return value


def _optimizer(name, params, schedule=None, seed=0):
    """The checked ``_Run`` arguments of one run; the classes are constructed once on a probe to let
    them check their own values (a negative rate, betas outside [0, 1), ...)."""
    try:
        cls, kwargs = cat.check_params(cat.OPTIMIZERS, name, params, "optimizer")
        spec = {"optimizer_cls": cls, "kwargs": kwargs, "seed": seed}
        if schedule is not None:
            if not isinstance(schedule, dict) or "name" not in schedule or set(schedule) - {"name", "params"}:
                raise ValueError('"schedule" must be null or {"name": SCHEDULE, "params": {...}}')
            schedule_cls, schedule_kwargs = cat.check_params(
                cat.SCHEDULES, schedule["name"], schedule.get("params"), "schedule"
            )
            spec.update(schedule_cls=schedule_cls, schedule_kwargs=schedule_kwargs)
        engine._Run(surfaces.SURFACES["bowl"], [[0.0, 0.0]], **spec)  # the constructors' own checks
    except (ValueError, TypeError, KeyError) as error:
        raise ApiError(str(error)) from None
    return spec


def _runs(body):
    runs = body["runs"]
    if not isinstance(runs, list) or not 1 <= len(runs) <= MAX_RUNS:
        raise ApiError(f'"runs" must be a list of 1 to {MAX_RUNS} runs')
    specs = []
    for i, run in enumerate(runs):
        if not isinstance(run, dict) or "optimizer" not in run:
            raise ApiError(f'runs[{i}] must be an object with an "optimizer"')
        unknown = set(run) - {"optimizer", "params", "schedule", "seed", "label"}
        if unknown:
            raise ApiError(f"runs[{i}]: unknown field {sorted(unknown)[0][:40]!r}")
        seed = _whole(run.get("seed", 0), f"runs[{i}].seed", 0, 2**32 - 1)
        try:
            specs.append(_optimizer(run["optimizer"], run.get("params"), run.get("schedule"), seed))
        except ApiError as error:
            raise ApiError(f"runs[{i}]: {error}") from None
    return specs


def _run_request(body):
    body = _object(body, ("surface", "start", "steps", "runs"))
    surface = _surface(body["surface"])
    start = _point(body["start"], "start")
    steps = _whole(body["steps"], "steps", 0, MAX_STEPS)
    return surface, start, steps, _runs(body)


# ---- the handlers ----------------------------------------------------------------------------------------


def catalog():
    """``GET /api/catalog``."""
    return {
        "surfaces": [surface.describe() for surface in surfaces.SURFACES.values()],
        "optimizers": cat.describe(cat.OPTIMIZERS),
        "schedules": cat.describe(cat.SCHEDULES),
        "presets": presets.PRESETS,
        "functions": list(surfaces.formula.FUNCTIONS),
        "limits": {
            "runs": MAX_RUNS,
            "steps": MAX_STEPS,
            "sweep_steps": MAX_SWEEP_STEPS,
            "axis_values": MAX_AXIS_VALUES,
            "sweep_work": MAX_SWEEP_WORK,
            "formula_length": surfaces.formula.MAX_LENGTH,
        },
    }


def run(body):
    """``POST /api/run``: ``{"runs": [{"path", "loss", "grad_norm", "lr", "diverged"}, ...]}``."""
    surface, start, steps, specs = _run_request(body)
    return {"runs": engine.run_many(surface, start, steps, specs)}


def script(body):
    """``POST /api/script``: ``{"script": PYTHON_SOURCE}`` reproducing the run request with ``tg.optim``."""
    surface, start, steps, specs = _run_request(body)
    labels = [run.get("label") if isinstance(run.get("label"), str) else None for run in body["runs"]]
    return {"script": script_writer.write(surface, start, steps, specs, labels)}


def surface_grid(body):
    """``POST /api/surface``: f on an n×n grid, ``{"x": [...], "y": [...], "z": [[...]], ...}``."""
    body = _object(body, ("surface",), ("x_range", "y_range", "n"))
    surface = _surface(body["surface"])
    ranges = []
    for key, default in (("x_range", surface.x_range), ("y_range", surface.y_range)):
        low, high = _point(body.get(key, list(default)), key)
        if not low < high:
            raise ApiError(f'"{key}" must be [low, high] with low < high')
        ranges.append((low, high))
    n = _whole(body.get("n", 120), "n", 2, MAX_GRID)
    xs, ys, z = surface.grid(ranges[0], ranges[1], n)
    described = surface.describe()
    described.update(x=xs.tolist(), y=ys.tolist(), z=[[engine._finite(v) for v in row] for row in z])
    return described


def _axis(optimizer, axis):
    """A checked sweep axis: (values, setter).

    Names are arguments (``lr``, or ``betas`` with pairs as values) or one number of a pair (``betas[0]``)."""
    if not isinstance(axis, dict) or set(axis) != {"name", "values"}:
        raise ApiError('each axis must be {"name": PARAM, "values": [numbers]}')
    param, index = axis["name"], None
    if isinstance(param, str) and param.endswith("]") and "[" in param:
        param, _, rest = param[:-1].partition("[")
        index = {"0": 0, "1": 1}.get(rest)
    spec = cat.spec_of(optimizer, param) if isinstance(param, str) else None
    sweepable = spec is not None and spec.kind in ("float", "int", "pair")
    if not sweepable or (spec.kind != "pair" and index is not None):
        numeric = [s.name for s in cat.OPTIMIZERS[optimizer][1] if s.kind in ("float", "int")]
        pairs = [f"{s.name}[0], {s.name}[1]" for s in cat.OPTIMIZERS[optimizer][1] if s.kind == "pair"]
        raise ApiError(
            f"{optimizer} has no numeric parameter {str(axis['name'])[:40]!r} to sweep; "
            f"use one of {', '.join(numeric + pairs)}"
        )
    values = axis["values"]
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_AXIS_VALUES:
        raise ApiError(
            f"the values of axis {axis['name']!r} must be a list of 1 to {MAX_AXIS_VALUES} numbers"
        )
    kind = "float" if spec.kind == "pair" and index is not None else spec.kind  # one number, or whole pairs
    checker = cat.ParamSpec(spec.name, kind, None, False)
    try:
        values = [checker.check(v, optimizer) for v in values]
    except ValueError as error:
        raise ApiError(str(error)) from None

    def setter(kwargs, value):
        if index is None:
            kwargs[param] = value
        else:
            pair = list(kwargs.get(param, spec.default))
            pair[index] = value
            kwargs[param] = tuple(pair)
        return kwargs

    return values, setter


def sweep(body):
    """``POST /api/sweep``: ``{"final_loss": [[...], ...]}`` (rows: the first axis' values)."""
    body = _object(body, ("surface", "start", "steps", "optimizer", "axes"), ("params",))
    surface = _surface(body["surface"])
    start = _point(body["start"], "start")
    steps = _whole(body["steps"], "steps", 0, MAX_SWEEP_STEPS)
    name = body["optimizer"]
    if not isinstance(name, str) or name not in cat.OPTIMIZERS:
        raise ApiError(f"unknown optimizer {str(name)[:40]!r}; known: {', '.join(cat.OPTIMIZERS)}")
    axes = body["axes"]
    if not isinstance(axes, list) or len(axes) != 2:
        raise ApiError('"axes" must be a list of two axes')
    (rows, set_row), (cols, set_col) = (_axis(name, axis) for axis in axes)
    if axes[0]["name"] == axes[1]["name"]:
        raise ApiError("the two axes must sweep different parameters")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise ApiError('"params" must be an object')
    # the fixed arguments, checked with the axes' first values filled in (an axis may be a required lr)
    base = _optimizer(name, set_col(set_row(dict(params), rows[0]), cols[0]))["kwargs"]
    cells = len(rows) * len(cols)
    if cells * max(steps, 1) > MAX_SWEEP_WORK:
        raise ApiError(f"the sweep is too large: cells × steps = {cells * steps} > {MAX_SWEEP_WORK}")
    cls = cat.OPTIMIZERS[name][0]
    if issubclass(cls, RandomSearch):
        directions = max(
            [base.get("num_directions", 8)]
            + [max(values) for axis, values in zip(axes, (rows, cols)) if axis["name"] == "num_directions"]
        )
        evaluations = cells * steps * (2 * directions + 1)
        if evaluations > MAX_RANDOM_SEARCH_EVALUATIONS:
            raise ApiError(
                f"a RandomSearch sweep evaluates f cells × steps × (2·num_directions + 1) = {evaluations} "
                f"times, more than the {MAX_RANDOM_SEARCH_EVALUATIONS} allowed: use fewer cells or steps"
            )
    for a in rows:  # every combination must be one the optimizer accepts (nesterov needs momentum > 0, ...)
        for b in cols:
            try:
                probe = Tensor([0.0, 0.0], dtype="float64", requires_grad=True, device="cpu")
                cls([probe], **set_col(set_row(dict(base), a), b))
            except (ValueError, TypeError) as error:
                raise ApiError(f"{axes[0]['name']}={a}, {axes[1]['name']}={b}: {error}") from None
    batch_axis = None
    if not issubclass(cls, RandomSearch):  # its closure's loss couples rows: one optimizer per cell
        batch_axis = 0 if axes[0]["name"] == "lr" else 1 if axes[1]["name"] == "lr" else None
    final = engine.sweep(surface, start, steps, cls, base, (rows, cols), (set_row, set_col), batch_axis)
    return {"final_loss": final}
