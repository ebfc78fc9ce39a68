"""A plain tg.optim loop — what the playground's runs must reproduce — shared by the playground tests."""

import math

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.playground import surfaces


def surface_function(name):
    """f(x, y) for 0-d Tensors, written by hand (not through the playground's parser)."""
    functions = {
        "bowl": lambda x, y: x**2 + 10 * y**2,
        "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        "saddle": lambda x, y: x**2 - y**2,
        "peaks": tg.data.datasets.peaks,
    }
    return functions[name]


def plain_loop(f, start, steps, optimizer, params=None, schedule=None, seed=0):
    """The trajectory (N+1 points, or fewer if it diverged) of a learner's loop over a (2,) float64 Tensor."""
    with np.errstate(all="ignore"):  # a diverging run overflows on purpose
        return _loop(f, start, steps, optimizer, params, schedule, seed)


def _loop(f, start, steps, optimizer, params, schedule, seed):
    tg.manual_seed(seed)
    cls = getattr(tg.optim, optimizer)
    p = tg.tensor(list(start), dtype=tg.float64, requires_grad=True, device="cpu")
    opt = cls([p], **(params or {}))
    sched = None
    if schedule is not None:
        sched = getattr(tg.optim.lr_scheduler, schedule["name"])(opt, **schedule.get("params", {}))
    path = [p.tolist()]
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        if not (math.isfinite(loss.item()) and np.isfinite(p.grad.numpy()).all()):
            break
        if optimizer == "NAG":

            def closure():
                opt.zero_grad()
                inner = f(p[0], p[1])
                inner.backward()
                return inner

            opt.step(closure)
        elif optimizer == "RandomSearch":
            opt.step(lambda: f(p[0], p[1]))
        else:
            opt.step()
        if isinstance(sched, tg.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(loss.item())
        elif sched is not None:
            sched.step()
        if not np.isfinite(p.detach().numpy()).all():
            break
        path.append(p.tolist())
    return np.array(path)


def named(name):
    return surfaces.SURFACES[name]
