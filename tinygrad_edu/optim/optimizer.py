"""``Optimizer``: the base of every optimizer — parameter groups, per-parameter state, checkpoints.

An optimizer holds ``param_groups`` (a list of dicts: ``{"params": [tensors], "lr": ..., ...}``,
each group with its own hyperparameters, missing ones filled from ``defaults``) and ``state``
(a dict from each parameter *tensor itself* to its own dict of buffers, created at its first
update). ``step()`` walks the groups and updates every parameter that has a ``.grad``, in place.

There are two ways to write an optimizer.

**1. Declare it, and hand arrays to a formula** (every gradient method of the library; ``sgd.py``
is the shortest). A subclass sets three things:

- ``update``: the formula, a plain function of arrays that changes ``param`` (and its state
  buffers) in place and mirrors the paper, e.g.
  ``def adam(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr, betas, ...)``.
  ``step()`` calls it once per parameter with, *by name*, whatever its signature asks for:
  ``xp`` (the array module), ``param`` and ``grad`` (the arrays), each entry of the parameter's
  state (buffers as arrays; a state entry named ``step`` is first increased by one, so it counts
  from 1) and each hyperparameter of the parameter's group. A buffer the state does not hold
  arrives as the argument's default (None). The formula may return a dict of state entries to
  store: a buffer it creates (SGD's momentum), a number it changes (NAdam's μ-product).
- ``initial_state(param, group)``: the state of a parameter before its first update (zero
  buffers from ``buffer_like``, ``"step": 0``), if it has any.
- ``rules``: a tuple of ``Rule``s, checked for the defaults and for every group
  (``nonnegative("lr", "eps")``, ``in_interval("beta", 0, 1)``, or a ``Rule`` of one's own).

The constructor keeps PyTorch's signature and passes its arguments on as the defaults:
``super().__init__(params, hyperparameters(locals()))``.

**2. Override ``step(closure)``** for a method that is not one update per gradient: NAG needs the
gradient at a look-ahead point, RandomSearch needs no gradient at all but many evaluations of the
loss. Such a ``step`` uses the base's public helpers: ``params_and_groups()`` (every parameter
with its group), ``state_of(param, group)`` (the state, created by ``initial_state`` on first use),
``evaluate(closure)`` (the closure, with gradients enabled), ``update_each()`` (way 1's update of
every parameter that has a gradient) and ``mark_modified(param)`` (after writing ``param.data``
directly, so that graphs which saved the parameter refuse a stale backward).

A PyTorch-style optimizer (``super().__init__(params, defaults)``, then a ``step`` that walks
``self.param_groups`` and writes ``self.state[p]``) is the second way too, and works unchanged.
"""

import collections
import functools
import inspect
import numbers

from ..autograd import enable_grad, no_grad
from ..autograd.engine import zero_grad_of
from ..dtypes import is_floating
from ..jit import tape
from ..tensor import Tensor


class Rule:
    """A check of the hyperparameters ``keys`` (a name or a tuple of names): ``test(value, group)``
    must be true for each, else ``ValueError`` saying "must be ``text``" (formatted with the group's
    hyperparameters, e.g. ``"in [1, {num_directions}]"``). A ``pairwise`` rule wants a pair and
    tests each of its two values (``betas[1]``)."""

    def __init__(self, keys, test, text, pairwise=False):
        self.keys = (keys,) if isinstance(keys, str) else tuple(keys)
        self.test = test
        self.text = text
        self.pairwise = pairwise


def nonnegative(*keys):
    """Each of ``keys`` is a number >= 0."""
    return Rule(keys, lambda x, group: _is_number(x) and x >= 0, "a number >= 0")


def in_interval(key, low, high, closed=False, pairwise=False):
    """A number in [low, high), or in [low, high] if ``closed`` (a pair of them if ``pairwise``)."""
    return Rule(
        key,
        lambda x, group: _is_number(x) and low <= x and (x <= high if closed else x < high),
        f"in [{low}, {high}{']' if closed else ')'}",
        pairwise,
    )


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def hyperparameters(arguments):
    """A constructor's ``locals()`` as its defaults dict: every argument but ``self`` and ``params``."""
    return {k: v for k, v in arguments.items() if k not in ("self", "params", "__class__")}


def buffer_like(param, fill=0.0):
    """A state tensor shaped like ``param``, on its device, filled with ``fill``."""
    xp = param._backend()
    return Tensor._make(xp.full(param.shape, fill, dtype=param.dtype))


class Optimizer:
    """Base class of optimizers: ``Optimizer(params, defaults)``, as ``torch.optim.Optimizer``.

    ``params`` is an iterable of Tensors, or of dicts (param groups) with a ``"params"`` entry and
    hyperparameters of their own::

        opt = tg.optim.SGD([{"params": body.parameters()},
                            {"params": head.parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)

    A subclass declares ``update`` (its formula), ``initial_state`` and ``rules``, or overrides
    ``step``: see the module's docstring.
    """

    update = None  # the formula: a function of arrays (way 1); None for an optimizer that overrides step
    rules = ()  # Rules of the hyperparameters

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        # parameter tensor → its dict of buffers (keyed by the tensor, never by id()); as PyTorch's, a
        # defaultdict(dict): a subclass's step may write self.state[p]["momentum_buffer"] straight away
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        self.check_hyperparameters(self.defaults)  # before the params, as PyTorch does
        groups = _as_list(params, type(self).__name__)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def initial_state(self, param, group):
        """The state of ``param`` before its first update (buffers on the parameter's device)."""
        return {}

    def check_hyperparameters(self, group):
        """Raise ValueError for a hyperparameter of ``group`` that breaks one of ``rules``."""
        for rule in self.rules:
            for key in (key for key in rule.keys if key in group):
                value = group[key]
                named = [(key, value)]
                if rule.pairwise:
                    if not (isinstance(value, (tuple, list)) and len(value) == 2):
                        self._refuse(key, value, "a pair")
                    named = [(f"{key}[{i}]", v) for i, v in enumerate(value)]
                for name, v in named:
                    if not _passes(rule, v, group):
                        self._refuse(name, v, rule.text.format_map(group))

    def _refuse(self, name, value, text):
        raise ValueError(f"{type(self).__name__}: invalid {name} {value!r} (must be {text})")

    # ---- the public API --------------------------------------------------------------------------------

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        tape.replay_steps_whole(cls)  # tg.compile replays a step whole: it reads lr, state afresh

    @tape.replayed_whole
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss (or None).

        ``closure`` re-evaluates the model and returns the loss; it runs with gradients enabled.
        """
        loss = self.evaluate(closure)
        self.update_each()
        return loss

    @tape.replayed_whole
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros in place."""
        zero_grad_of((param for param, _ in self.params_and_groups()), set_to_none)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (e.g. a layer unfrozen later)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        params = group["params"]
        group["params"] = params = [params] if isinstance(params, Tensor) else _as_list(params, name)
        for param in params:
            _check_param(param, name)
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        if len(set(params)) != len(params):  # tensors hash by identity
            raise ValueError(f"{name}: a parameter group contains the same tensor more than once")
        seen = {p for g in self.param_groups for p in g["params"]}
        if any(p in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.check_hyperparameters(group)
        self.param_groups.append(group)

    def state_dict(self):
        """A snapshot of the optimizer: ``{"state": {index: {name: value}}, "param_groups": [...]}``.

        Parameters are numbered in group order; each group lists its parameters' indices under
        ``"params"``. State tensors are copies, so later steps do not change the snapshot.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index.setdefault(param, len(index))
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = [index[p] for p in group["params"]]
            groups.append(saved)
        state = {
            index[p]: {k: v.clone().detach() if isinstance(v, Tensor) else v for k, v in s.items()}
            for p, s in self.state.items()
            if p in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``: hyperparameters and state; the parameters stay this optimizer's.

        Checks the number of groups, of parameters per group and the state's shapes first, so a
        mismatch raises ValueError and leaves the optimizer unchanged. State moves to each
        parameter's device (and floating state to its dtype).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        pairs = []  # (param, its new group), in the order of the saved indices
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: parameter group {i} is not a dict with 'params'")
            count = len(saved["params"])
            if count != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(group['params'])} parameters, "
                    f"the state dict's has {count}"
                )
            hyper = {k: _plain_value(v, group.get(k)) for k, v in saved.items() if k != "params"}
            new_groups.append({**group, **hyper, "params": group["params"]})
            pairs += [(param, new_groups[-1]) for param in group["params"]]
        for group in new_groups:
            self.check_hyperparameters(group)
        new_state = collections.defaultdict(dict)
        for key, entries in state_dict["state"].items():
            i = _as_index(key)
            if i is None or not 0 <= i < len(pairs) or not isinstance(entries, dict):
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {key!r} ({type(entries).__name__}), "
                    f"but the optimizer has parameters 0 to {len(pairs) - 1}"
                )
            new_state[pairs[i][0]] = self._restored_state(*pairs[i], entries, i)
        self.param_groups[:] = new_groups
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])

    # ---- helpers for a step of one's own (way 2) -------------------------------------------------------

    def params_and_groups(self):
        """Every parameter with its group: ``(param, group)`` pairs, in group order."""
        return [(param, group) for group in self.param_groups for param in group["params"]]

    def state_of(self, param, group):
        """The state of ``param``, created by ``initial_state`` on its first use."""
        state = self.state.get(param)
        if not state:  # absent, or an empty dict that self.state[param] created
            state = self.state[param] = self.initial_state(param, group)
        return state

    def evaluate(self, closure):
        """Run ``closure`` with gradients enabled (it usually calls ``backward``); None without one."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def update_each(self):
        """Way 1's update: for each parameter with a gradient, call ``update`` with the arrays and
        hyperparameters it names, store the state it returns, and mark the parameter modified."""
        if self.update is None:
            raise NotImplementedError(f"{type(self).__name__} defines no update formula (or override step)")
        wants = _argument_names(self.update)  # None: it takes **kwargs, so everything
        with no_grad():
            for group in self.param_groups:
                hyper = {key: group[key] for key in self.defaults if wants is None or key in wants}
                for param in group["params"]:
                    if param.grad is not None:
                        self._apply_update(param, self.state_of(param, group), hyper, wants)

    def _apply_update(self, param, state, hyper, wants):
        """One call of the formula: the arrays and hyperparameters it names go in, new state comes out."""
        if "step" in state:
            state["step"] += 1  # so the formula's step counts from 1
        given = hyper.copy()
        given["xp"], given["param"], given["grad"] = param._backend(), param.data, param.grad.data
        for key, value in state.items():  # the state's Tensors unwrapped, here and nowhere else
            given[key] = value.data if isinstance(value, Tensor) else value
        if wants is not None and not wants.issuperset(given):
            given = {key: value for key, value in given.items() if key in wants}
        new_state = self.update(**given)
        if new_state:
            _store(state, new_state)
        self.mark_modified(param)

    @staticmethod
    def mark_modified(param):
        """Bump the version counter, as any in-place change does: graphs that saved ``param`` refuse
        backward."""
        param._version_cell[0] += 1

    # ---- checkpoints ---------------------------------------------------------------------------------

    def _restored_state(self, param, group, entries, index):
        """The saved state of ``param`` as this optimizer keeps it; it must hold what this optimizer's
        own state holds (an SGD state loaded into Adam lacks ``step``: fail now, not at the next step)."""
        fresh = self.initial_state(param, group)
        missing = sorted(set(fresh) - set(entries))
        if missing:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state of parameter {index} lacks "
                f"{missing} (it has {sorted(entries)}): was it saved by another optimizer?"
            )
        return {
            k: self._restored(param, k, v, index, k == "step" or _is_number(fresh.get(k)))
            for k, v in entries.items()
        }

    def _restored(self, param, key, value, index, is_number):
        """A saved state value as this optimizer keeps it: a number, or a tensor beside ``param``."""
        name = type(self).__name__
        if is_number:
            number = _plain_value(value, None)
            if not _is_number(number):
                raise ValueError(
                    f"{name}.load_state_dict: state {key!r} of parameter {index} must be a number, "
                    f"got {number!r}"
                )
            return int(number) if key == "step" else float(number)
        if not hasattr(value, "shape"):
            return value
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"{name}.load_state_dict: state {key!r} of parameter {index} has dtype {value.dtype}; "
                "optimizer state holds numbers"
            )
        if tuple(value.shape) != tuple(param.shape):
            raise ValueError(
                f"{name}.load_state_dict: state {key!r} of parameter {index} has shape "
                f"{tuple(value.shape)}, the parameter has shape {tuple(param.shape)}"
            )
        dtype = param.dtype if is_floating(value.dtype) else None
        return Tensor(value, dtype=dtype, device=param.device)  # a copy on the parameter's device


@functools.cache
def _argument_names(formula):
    """The names ``formula`` takes, or None if it takes ``**kwargs`` (then it gets everything)."""
    parameters = inspect.signature(formula).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters)


def _passes(rule, value, group):
    try:
        return rule.test(value, group)
    except (TypeError, IndexError):  # a value of the wrong kind (a number where a pair belongs)
        return False


def _store(state, new_state):
    """Keep the entries a formula returned: numbers, and arrays (as Tensors) that are new."""
    for key, value in new_state.items():
        old = state.get(key)
        if value is not None and not (isinstance(old, Tensor) and old.data is value):
            state[key] = value if _is_number(value) else Tensor._make(value)


def _as_list(params, name):
    """``params`` as a list; a set is refused (its order changes between runs)."""
    if isinstance(params, Tensor):
        raise TypeError(
            f"{name}: params must be an iterable of Tensors or dicts, got a single Tensor (wrap it in a list)"
        )
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            f"{name}: params must be an ordered collection (list, tuple, generator), got a set, whose "
            "order changes between runs"
        )
    try:
        return list(params)
    except TypeError:
        raise TypeError(
            f"{name}: params must be an iterable of Tensors, got {type(params).__name__}"
        ) from None


def _check_param(param, name):
    """An optimizer can only update floating leaf tensors."""
    if not isinstance(param, Tensor):
        raise TypeError(f"{name}: can only optimize Tensors, got {type(param).__name__}")
    if not param.is_leaf:
        raise ValueError(f"{name}: can't optimize a non-leaf Tensor (made by {type(param.grad_fn).__name__})")
    if not is_floating(param.dtype):
        raise ValueError(f"{name}: can only optimize floating-point tensors, got dtype {param.dtype}")


def _as_index(key):
    """A state dict's parameter index (a file format may have turned it into a string), or None."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _plain_value(value, like):
    """A hyperparameter or number read back from a checkpoint, in the type of ``like``."""
    if hasattr(value, "tolist"):  # NumPy scalars and arrays, tensors
        value = value.tolist()
    if isinstance(like, tuple) and isinstance(value, list):
        return tuple(value)
    if isinstance(like, bool) and isinstance(value, int):
        return bool(value)
    if (
        isinstance(like, int)
        and not isinstance(like, bool)
        and isinstance(value, float)
        and value.is_integer()
    ):
        return int(value)
    return value
