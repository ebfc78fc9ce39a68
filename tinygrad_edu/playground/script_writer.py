""" "Copy as Python": the page's runs written out as a plain ``tg.optim`` script that a learner can run.

The script is the loop of ``engine.py`` without the shared-gradient shortcut — one parameter Tensor
per run, ``loss.backward()``, ``opt.step()``, ``sched.step()`` — so running it prints the very points
the page drew. The surface comes from ``formula.to_python``; user text (labels) only ever appears
inside ``repr`` string literals.
"""

from ..optim import NAG, RandomSearch
from .formula import to_python

HEADER = '''"""The optimizer playground's runs, reproduced with tinygrad_edu (by `tinygrad-edu playground`).

Surface: {name}: f(x, y) = {expr}
Start: {start}, {steps} steps. Run it with `python this_file.py`; it prints where each run ends.
"""

import math

import tinygrad_edu as tg


def f(x, y):
    return {body}


def trajectory(make_optimizer, make_schedule=None, start={start}, steps={steps}):
    """The points an optimizer visits from ``start``, stopping at the first value that is not finite."""
    p = tg.tensor(list(start), dtype=tg.float64, requires_grad=True)
    opt = make_optimizer([p])
    sched = make_schedule(opt) if make_schedule else None
    path = [p.tolist()]
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        if not (math.isfinite(loss.item()) and all(map(math.isfinite, p.grad.tolist()))):
            break  # diverged
        opt.step()
        if isinstance(sched, tg.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(loss.item())
        elif sched is not None:
            sched.step()
        if not all(map(math.isfinite, p.tolist())):
            break  # diverged
        path.append(p.tolist())
    return path


def closure_trajectory(make_optimizer, start={start}, steps={steps}, seed=0, needs_gradient=True):
    """The same for optimizers whose step calls a closure: NAG (at its look-ahead point) and RandomSearch
    (loss only, at points around p; seeded so its random directions repeat)."""
    tg.manual_seed(seed)
    p = tg.tensor(list(start), dtype=tg.float64, requires_grad=True)
    opt = make_optimizer([p])

    def closure():
        loss = f(p[0], p[1])
        if needs_gradient:
            opt.zero_grad()
            loss.backward()
        return loss

    path = [p.tolist()]
    for _ in range(steps):
        with tg.enable_grad():
            loss = f(p[0], p[1])
            loss.backward()
        if not (math.isfinite(loss.item()) and all(map(math.isfinite, p.grad.tolist()))):
            break
        p.grad = None
        opt.step(closure)
        if not all(map(math.isfinite, p.tolist())):
            break
        path.append(p.tolist())
    return path


runs = {{}}
'''


def _call(name, kwargs, first):
    args = ", ".join([first] + [f"{key}={value!r}" for key, value in kwargs.items()])
    return f"{name}({args})"


def write(surface, start, steps, specs, labels):
    """The script (a string) for ``specs`` (checked runs, as ``api._runs`` makes them)."""
    start = (float(start[0]), float(start[1]))
    body = to_python(surface.tree)
    lines = [HEADER.format(name=surface.name, expr=surface.expr, body=body, start=start, steps=steps)]
    for i, (spec, label) in enumerate(zip(specs, labels)):
        cls = spec["optimizer_cls"]
        name = f"{i + 1}. {label or cls.__name__}"[:60]
        make = f"lambda params: tg.optim.{_call(cls.__name__, spec['kwargs'], 'params')}"
        if issubclass(cls, (NAG, RandomSearch)):
            gradient = "False" if issubclass(cls, RandomSearch) else "True"
            lines.append(
                f"runs[{name!r}] = closure_trajectory({make}, seed={spec['seed']}, needs_gradient={gradient})"
            )
            continue
        schedule = ""
        if spec.get("schedule_cls") is not None:
            sched = spec["schedule_cls"]
            module = "tg.optim.lr_scheduler."
            schedule = f", lambda opt: {module}{_call(sched.__name__, spec['schedule_kwargs'], 'opt')}"
        lines.append(f"runs[{name!r}] = trajectory({make}{schedule})")
    lines.append(
        "\nfor name, path in runs.items():\n"
        "    end = tg.tensor(path[-1], dtype=tg.float64)\n"
        "    loss = f(end[0], end[1]).item()\n"
        '    print(f"{name}: {len(path) - 1} steps, ends at {tuple(path[-1])!r}, f = {loss!r}")\n'
    )
    return "\n".join(lines)
