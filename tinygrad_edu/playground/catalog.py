"""What the playground offers: every ``tg.optim`` optimizer and every learning-rate schedule that takes
numbers, with their constructor arguments read from the classes themselves (``inspect.signature``), so
an optimizer added to ``tg.optim`` appears on the page without a change here.

Each argument is described by a ``ParamSpec``: its default, its kind (``float``, ``int``, ``bool``,
``pair`` — two numbers such as Adam's ``betas`` —, ``list``, ``str`` or ``optional_int``) and the range
and scale of its slider. ``check_params`` turns a request's ``{"params": {...}}`` into keyword
arguments, refusing unknown names, wrong types and out-of-range numbers with a ``ValueError`` that
names the argument; the optimizer's own constructor then checks the values it cares about.
"""

import dataclasses
import inspect
import math
import numbers

from .. import optim
from ..optim import lr_scheduler

MAX_ABS = 1e12  # no hyperparameter needs to be larger; keeps arithmetic away from overflow surprises
MAX_INT = 1_000_000
MAX_LIST = 64
MAX_STR = 40

# Slider hints by argument name: (low, high, scale, suggested starting value for a required argument).
HINTS = {
    "lr": (1e-5, 10.0, "log", 0.01),
    "momentum": (0.0, 0.999, "linear", None),
    "beta": (0.0, 0.999, "linear", None),
    "betas": (0.0, 0.9999, "linear", None),
    "dampening": (0.0, 1.0, "linear", None),
    "weight_decay": (0.0, 1.0, "linear", None),
    "eps": (1e-12, 1.0, "log", None),
    "alpha": (0.0, 0.9999, "linear", None),
    "rho": (0.0, 0.9999, "linear", None),
    "lr_decay": (0.0, 1.0, "linear", None),
    "initial_accumulator_value": (0.0, 1.0, "linear", None),
    "momentum_decay": (1e-5, 1.0, "log", None),
    "etas": (0.0, 2.0, "linear", None),
    "step_sizes": (1e-8, 100.0, "log", None),
    "std": (1e-4, 1.0, "log", None),
    "num_directions": (1, 64, "linear", None),
    "top_k": (1, 64, "linear", None),
    # schedules
    "step_size": (1, 1000, "linear", 100),
    "gamma": (0.0, 1.0, "linear", 0.5),
    "milestones": (1, 5000, "linear", [100, 200]),
    "T_max": (1, 5000, "linear", 200),
    "T_0": (1, 5000, "linear", 100),
    "eta_min": (0.0, 1.0, "linear", None),
    "decay_rate": (0.0, 1.0, "linear", 0.01),
    "k": (0.0, 10.0, "linear", None),
    "start_factor": (0.0, 1.0, "linear", None),
    "end_factor": (0.0, 1.0, "linear", None),
    "total_iters": (1, 5000, "linear", None),
    "factor": (0.0, 0.999, "linear", None),
    "patience": (0, 1000, "linear", None),
    "cooldown": (0, 1000, "linear", None),
    "min_lr": (0.0, 1.0, "linear", None),
    "threshold": (0.0, 1.0, "linear", None),
    "base_lr": (1e-5, 10.0, "log", 0.001),
    "max_lr": (1e-5, 10.0, "log", 0.1),
    "total_steps": (1, 5000, "linear", 500),
}
NOT_EXPOSED = {"self", "params", "optimizer", "last_epoch", "verbose"}


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One constructor argument as the page shows it and the API accepts it."""

    name: str
    kind: str
    default: object
    required: bool
    low: float = 0.0
    high: float = 1.0
    scale: str = "linear"

    def describe(self):
        return {
            "name": self.name,
            "kind": self.kind,
            "default": list(self.default) if isinstance(self.default, tuple) else self.default,
            "required": self.required,
            "min": self.low,
            "max": self.high,
            "scale": self.scale,
        }

    def check(self, value, owner):
        """``value`` (from JSON) as the constructor wants it; ValueError naming ``owner`` and the argument."""
        where = f"{owner}: parameter {self.name!r}"
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{where} must be true or false, got {_show(value)}")
            return value
        if self.kind == "str":
            if not isinstance(value, str) or len(value) > MAX_STR:
                raise ValueError(f"{where} must be a string of at most {MAX_STR} characters")
            return value
        if self.kind == "optional_int" and value is None:
            return None
        if self.kind in ("int", "optional_int"):
            return _integer(value, where)
        if self.kind == "float":
            return _number(value, where)
        if self.kind in ("pair", "list"):
            size_ok = isinstance(value, (list, tuple)) and (
                len(value) == 2 if self.kind == "pair" else 1 <= len(value) <= MAX_LIST
            )
            if not size_ok:
                wanted = "a list of two numbers" if self.kind == "pair" else f"a list of 1 to {MAX_LIST}"
                raise ValueError(f"{where} must be {wanted}, got {_show(value)}")
            whole = self.kind == "list" and all(isinstance(v, int) for v in self.default or [0])
            items = [(_integer if whole else _number)(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return tuple(items) if self.kind == "pair" else items
        raise ValueError(f"{where} has a kind ({self.kind}) the playground cannot set")  # pragma: no cover


def _show(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where} must be a number, got {_show(value)}")
    if abs(value) > MAX_ABS or not math.isfinite(value):  # abs first: a huge int cannot become a float
        raise ValueError(
            f"{where} must be a finite number of magnitude at most {MAX_ABS:g}, not {_show(value)}"
        )
    return float(value) if isinstance(value, float) else value


def _integer(value, where):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be a whole number, got {_show(value)}")
    if not 0 <= value <= MAX_INT:
        raise ValueError(f"{where} must be between 0 and {MAX_INT}, got {value}")
    return value


def _kind_of(default, hint):
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):  # momentum=0 is a float that happens to default to a whole number
        return "int" if hint is None or (isinstance(hint[0], int) and isinstance(hint[1], int)) else "float"
    if isinstance(default, float):
        return "float"
    if isinstance(default, tuple) and len(default) == 2:
        return "pair"
    if isinstance(default, list):
        return "list"
    if isinstance(default, str):
        return "str"
    if default is None and hint is not None:
        return "optional_int" if isinstance(hint[0], int) and isinstance(hint[1], int) else "float"
    return None


def _specs(cls):
    """The ParamSpecs of ``cls``'s constructor, or None when an argument cannot be set from the page."""
    specs = []
    for parameter in inspect.signature(cls.__init__).parameters.values():
        variadic = parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        if parameter.name in NOT_EXPOSED or variadic:
            continue
        hint = HINTS.get(parameter.name)
        required = parameter.default is inspect.Parameter.empty
        default = None if required else parameter.default
        if required:
            if hint is None or hint[3] is None:
                return None  # e.g. LambdaLR's function: not something a slider can give
            probe = hint[3]
            kind = _kind_of(tuple(probe) if isinstance(probe, tuple) else probe, hint)
        else:
            kind = _kind_of(default, hint)
            if kind is None:
                continue  # an optional argument of a type the page cannot set: its default is used
        low, high, scale = (hint or _fallback_range(default))[:3]
        specs.append(ParamSpec(parameter.name, kind, default, required, low, high, scale))
    return specs


def _fallback_range(default):
    if isinstance(default, (int, float)) and not isinstance(default, bool) and default > 0:
        return (0.0, 2.0 * default, "linear")
    return (0.0, 1.0, "linear")


def suggested(spec):
    """A starting value for the page: the default, or the hint's suggestion for a required argument."""
    if not spec.required:
        return spec.default
    return HINTS[spec.name][3]


def _optimizer_classes():
    found = {}
    for name in sorted(dir(optim)):
        cls = getattr(optim, name)
        if inspect.isclass(cls) and issubclass(cls, optim.Optimizer) and cls is not optim.Optimizer:
            specs = _specs(cls)
            if specs is not None:
                found[name] = (cls, specs)
    return found


def _schedule_classes():
    found = {}
    base = lr_scheduler.LRScheduler
    for name in sorted(dir(lr_scheduler)):
        cls = getattr(lr_scheduler, name)
        if name.startswith("_") or not inspect.isclass(cls) or cls is base:
            continue
        if issubclass(cls, base) or name == "ReduceLROnPlateau":
            specs = _specs(cls)
            if specs is not None:
                found[name] = (cls, specs)
    return found


OPTIMIZERS = _optimizer_classes()
SCHEDULES = _schedule_classes()


def _doc(cls):
    return (inspect.getdoc(cls) or "").split("\n")[0]


def describe(table):
    """The catalog list for a table of classes: name, one-line doc and argument specs."""
    return [
        {
            "name": name,
            "doc": _doc(cls),
            "params": [dict(spec.describe(), value=suggested(spec)) for spec in specs],
        }
        for name, (cls, specs) in table.items()
    ]


def check_params(table, name, params, what):
    """``(cls, kwargs)`` for ``name`` in ``table`` (OPTIMIZERS or SCHEDULES) with the checked ``params``."""
    if not isinstance(name, str) or name not in table:
        shown = _show(name)
        raise ValueError(f"unknown {what} {shown}; known: {', '.join(table)}")
    cls, specs = table[name]
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValueError(f'{name}: "params" must be an object, got {_show(params)}')
    by_name = {spec.name: spec for spec in specs}
    unknown = [key for key in params if key not in by_name]
    if unknown:
        raise ValueError(
            f"{name} has no parameter {_show(unknown[0])}; its parameters: {', '.join(by_name) or 'none'}"
        )
    kwargs = {key: by_name[key].check(value, name) for key, value in params.items()}
    missing = [spec.name for spec in specs if spec.required and spec.name not in kwargs]
    if missing:
        raise ValueError(f"{name} needs a value for {', '.join(missing)}")
    return cls, kwargs


def spec_of(name, param):
    """The ParamSpec of optimizer ``name``'s argument ``param`` (None if it has none)."""
    return {spec.name: spec for spec in OPTIMIZERS[name][1]}.get(param)
