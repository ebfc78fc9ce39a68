"""The computations behind ``/api/run`` and ``/api/sweep``: ``tg.optim`` optimizers stepping on a surface.

Every run is a real ``tg.optim`` optimizer (and ``lr_scheduler`` schedule) updating its own float64
parameter Tensor, exactly the loop a learner writes::

    p = tg.tensor([x0, y0], dtype=tg.float64, requires_grad=True)
    opt = tg.optim.Adam([p], lr=0.01)
    for step in range(steps):
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        opt.step()

One thing is shared to save time: the gradient. All the runs of a request stand on the same surface,
so at each step one forward and one backward pass evaluate f and ∇f at *all* their current points at
once (``Surface.value_and_grad``), and each optimizer gets its own row as ``p.grad``. The rows never
mix (f is applied elementwise), so each run sees the gradient its own loop would compute.

The sweep goes further: for a grid of hyperparameters, the runs that differ only in the learning rate
share one optimizer whose parameter holds one row per learning rate and whose ``lr`` is a column of
rates — the update formulas of ``tg.optim`` are array expressions (θ ← θ − α·g, ...), so a column of α
updates every row with its own rate in one NumPy operation.
"""

import contextlib
import math
import threading

import numpy as np

from ..optim import NAG, RandomSearch
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor

_RNG_LOCK = threading.Lock()  # RandomSearch draws from the backend's stream: one run at a time swaps it


@contextlib.contextmanager
def _own_random_stream(param, generator):
    """Let ``param``'s backend draw from ``generator`` (a run's own seeded stream) for a moment."""
    backend = param._backend()
    with _RNG_LOCK:
        saved, backend.rng = backend.rng, generator
        try:
            yield
        finally:
            backend.rng = saved


class _Run:
    """One optimizer (and schedule) on its own parameter of shape (rows, 2), stepping on ``surface``."""

    def __init__(
        self, surface, points, optimizer_cls, kwargs, schedule_cls=None, schedule_kwargs=None, seed=0
    ):
        self.surface = surface
        self.param = Tensor(np.array(points, dtype=np.float64), requires_grad=True, device="cpu")
        self.optimizer = optimizer_cls([self.param], **kwargs)
        self.schedule = schedule_cls(self.optimizer, **(schedule_kwargs or {})) if schedule_cls else None
        self.generator = np.random.default_rng(seed) if isinstance(self.optimizer, RandomSearch) else None
        self.rows = self.param.shape[0]

    @property
    def lr(self):
        return self.optimizer.param_groups[0]["lr"]

    def step(self, loss, grad):
        """One optimizer step from the current point, where f = ``loss`` and ∇f = ``grad`` (arrays)."""
        optimizer = self.optimizer
        if isinstance(optimizer, NAG):  # needs ∇f at its look-ahead point: it calls the closure there
            optimizer.step(self._gradient_closure)
        elif isinstance(optimizer, RandomSearch):  # only needs f, at points around θ
            with _own_random_stream(self.param, self.generator):
                optimizer.step(self._value_closure)
        else:
            self.param.grad = Tensor._make(grad.copy())  # a NumPy array: the "cpu" device
            optimizer.step()
        if isinstance(self.schedule, ReduceLROnPlateau):
            self.schedule.step(float(loss[0]) if self.rows == 1 else float(np.sum(loss)))
        elif self.schedule is not None:
            self.schedule.step()

    def _gradient_closure(self):
        loss, grad = self.surface.value_and_grad(self.param.data)
        self.param.grad = Tensor._make(grad)
        return Tensor._make(loss)

    def _value_closure(self):
        return float(self.surface.value(self.param.data)[0])


def _finite(value):
    """A float, or None for NaN and ±inf (JSON has no literals for them)."""
    value = float(value)
    return value if math.isfinite(value) else None


def run_many(surface, start, steps, runs):
    """``runs`` (dicts: optimizer_cls, kwargs, schedule_cls, schedule_kwargs, seed) from ``start`` for
    ``steps`` steps; one result dict per run: path, loss, grad_norm, lr, diverged.

    ``path`` has every point the run reached (N + 1 when it never diverged); ``loss[i]`` and
    ``grad_norm[i]`` are f and ‖∇f‖ at ``path[i]``; ``lr[i]`` is the rate of the step from ``path[i]``
    to ``path[i + 1]``. A run stops at the first value that is not finite: a point (not kept), or f or
    ‖∇f‖ at a point (kept as None), and says ``"diverged": true``.
    """
    live = [_Run(surface, [start], **spec) for spec in runs]
    results = [
        {"path": [list(map(float, start))], "loss": [], "grad_norm": [], "lr": [], "diverged": False}
        for _ in live
    ]
    active = list(range(len(live)))
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            if not active:
                break
            points = np.concatenate([live[i].param.data for i in active])
            loss, grad = surface.value_and_grad(points)
            norms = np.sqrt(grad[:, 0] ** 2 + grad[:, 1] ** 2)  # NumPy: inf, not OverflowError
            still = []
            for row, (i, value, norm) in enumerate(zip(active, loss.tolist(), norms.tolist())):
                run, result = live[i], results[i]
                finite = math.isfinite(value) and math.isfinite(norm)
                result["loss"].append(value if math.isfinite(value) else None)
                result["grad_norm"].append(norm if math.isfinite(norm) else None)
                if not finite:
                    result["diverged"] = True
                    continue
                if step == steps:
                    continue
                rate = run.lr
                run.step(loss[row : row + 1], grad[row : row + 1])
                x, y = run.param.data[0].tolist()
                if not (math.isfinite(x) and math.isfinite(y)):
                    result["diverged"] = True
                    continue
                result["lr"].append(float(rate))
                result["path"].append([x, y])
                still.append(i)
            active = still
    return results


# ---- the sweep ---------------------------------------------------------------------------------------------


def sweep(surface, start, steps, optimizer_cls, base_kwargs, axis_values, setters, batch_axis):
    """The loss after ``steps`` steps for every pair of values of two hyperparameters.

    ``axis_values``: the two lists of values (rows, columns); ``setters[a](kwargs, value)`` returns the
    keyword arguments with axis ``a`` set to ``value``; ``batch_axis``: 0 or 1 when that axis is the
    learning rate and the runs along it can share one optimizer (a column of rates), else None.
    Returns a list of rows of floats (None where a run diverged).
    """
    rows, cols = axis_values
    groups = []  # (cell indices, _Run)
    if batch_axis is None:
        for i, a in enumerate(rows):
            for j, b in enumerate(cols):
                kwargs = setters[1](setters[0](dict(base_kwargs), a), b)
                groups.append(([(i, j)], _Run(surface, [start], optimizer_cls, kwargs)))
    else:
        batched, other = axis_values[batch_axis], axis_values[1 - batch_axis]
        for k, value in enumerate(other):
            kwargs = setters[1 - batch_axis](dict(base_kwargs), value)
            kwargs = setters[batch_axis](kwargs, batched[0])
            run = _Run(surface, [start] * len(batched), optimizer_cls, kwargs)
            run.optimizer.param_groups[0]["lr"] = np.array(batched, dtype=np.float64)[:, None]
            cells = [(m, k) if batch_axis == 0 else (k, m) for m in range(len(batched))]
            groups.append((cells, run))
    final = [[None] * len(cols) for _ in rows]
    dead = [np.zeros(run.rows, dtype=bool) for _, run in groups]
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            points = np.concatenate([run.param.data for _, run in groups])
            loss, grad = surface.value_and_grad(points)
            offset = 0
            for g, (cells, run) in enumerate(groups):
                value = loss[offset : offset + run.rows]
                gradient = grad[offset : offset + run.rows]
                offset += run.rows
                dead[g] |= ~(np.isfinite(value) & np.isfinite(gradient).all(axis=1))
                if step == steps:
                    for (i, j), v, d in zip(cells, value, dead[g]):
                        final[i][j] = None if d else float(v)
                elif not dead[g].all():
                    run.step(value, gradient)
    return final
