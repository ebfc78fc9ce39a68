"""``Optimizer``: the base of every optimizer — parameter groups, per-parameter state, checkpoints.

An optimizer holds ``param_groups`` (a list of dicts: ``{"params": [tensors], "lr": ..., ...}``,
each group with its own hyperparameters, missing ones filled from ``defaults``) and ``state``
(a dict from each parameter *tensor itself* to its own dict of buffers, created at its first
update). ``step()`` walks the groups and updates every parameter that has a ``.grad``, in place.

A concrete optimizer defines two small methods (see ``sgd.py`` for the shortest example):

- ``_init_state(param, group)``: the fresh state dict of one parameter (zeros buffers, step 0);
- ``_update(param, grad, state, group)``: one update of ``param.data`` from the gradient array,
  written as a short function of arrays that mirrors the formula of the paper.
"""

import collections
import numbers

from ..autograd import enable_grad, no_grad
from ..dtypes import is_floating
from ..tensor import Tensor


class Optimizer:
    """Base class of optimizers: ``Optimizer(params, defaults)``, as ``torch.optim.Optimizer``.

    ``params`` is an iterable of Tensors, or of dicts (param groups) with a ``"params"`` entry and
    hyperparameters of their own::

        opt = tg.optim.SGD([{"params": body.parameters()},
                            {"params": head.parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)
    """

    # State entries that are plain numbers (a step count), not tensors shaped like the parameter.
    number_state = ("step",)

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        # parameter tensor → its dict of buffers (keyed by the tensor, never by id()); as PyTorch's, a
        # defaultdict(dict): a subclass's step may write self.state[p]["momentum_buffer"] straight away
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        self._check_hyperparameters(self.defaults)  # before the params, as PyTorch does
        groups = _as_list(params, type(self).__name__)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- the hooks a concrete optimizer defines ------------------------------------------------------

    def _check_hyperparameters(self, group):
        """Raise ValueError for a bad hyperparameter of ``group`` (each optimizer checks its own)."""

    def _init_state(self, param, group):
        """The fresh state of ``param`` (buffers on the parameter's device)."""
        return {}

    def _update(self, param, grad, state, group):
        """Update ``param.data`` in place from the gradient array ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} defines no _update (or override step)")  # abstract

    # ---- the public API --------------------------------------------------------------------------------

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss (or None).

        ``closure`` re-evaluates the model and returns the loss; it runs with gradients enabled.
        """
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update(param, param.grad.data, self._state_of(param, group), group)
                        _mark_modified(param)
        return loss

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    if param.grad.grad_fn is not None:  # a grad built with create_graph=True
                        param.grad = param.grad.detach()
                    with no_grad():
                        param.grad.zero_()

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
        self._check_hyperparameters(group)
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
        params = []
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
            params.extend(group["params"])
            hyper = {k: _plain_value(v, group.get(k)) for k, v in saved.items() if k != "params"}
            new_groups.append({**group, **hyper, "params": group["params"]})
        new_state = collections.defaultdict(dict)
        for key, entries in state_dict["state"].items():
            i = _as_index(key)
            if i is None or not 0 <= i < len(params) or not isinstance(entries, dict):
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {key!r} ({type(entries).__name__}), "
                    f"but the optimizer has parameters 0 to {len(params) - 1}"
                )
            new_state[params[i]] = {k: self._restored(params[i], k, v, i) for k, v in entries.items()}
        for group in new_groups:
            self._check_hyperparameters(group)
        self._check_state_keys(new_groups, new_state)
        self.param_groups[:] = new_groups
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])

    # ---- helpers for subclasses ------------------------------------------------------------------------

    def _evaluate(self, closure):
        """Run ``closure`` with gradients enabled (it usually calls ``backward``); None without one."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _state_of(self, param, group):
        """The state of ``param``, created on its first update."""
        state = self.state.get(param)
        if not state:  # absent, or an empty dict that self.state[param] created
            state = self.state[param] = self._init_state(param, group)
        return state

    def _restored(self, param, key, value, index):
        """A saved state value as this optimizer keeps it: a number, or a tensor beside ``param``."""
        name = type(self).__name__
        if key in self.number_state:
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

    def _check_state_keys(self, groups, state):
        """Each restored state must hold what this optimizer's own state holds (an SGD state loaded into
        Adam lacks ``step`` and would fail only at the next ``step()``), so check it at load time."""
        pairs = [(param, group) for group in groups for param in group["params"]]
        for index, (param, group) in enumerate(pairs):
            if param not in state:
                continue
            missing = sorted(set(self._init_state(param, group)) - set(state[param]))
            if missing:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: the state of parameter {index} lacks "
                    f"{missing} (it has {sorted(state[param])}): was it saved by another optimizer?"
                )

    def _check(self, ok, what, value, rule):
        """Raise ``ValueError("<Optimizer>: invalid <what> <value> (<rule>)")`` unless ``ok``."""
        if not ok:
            raise ValueError(f"{type(self).__name__}: invalid {what} {value!r} ({rule})")

    def _check_nonnegative(self, group, *names):
        """Each named hyperparameter is a number ≥ 0."""
        for key in names:
            if key not in group:
                continue
            value = group[key]
            self._check(_is_number(value) and value >= 0, key, value, "must be a number >= 0")

    def _check_between(self, group, key, low, high, include_high=False):
        """The named hyperparameter is a number in [low, high) (or [low, high])."""
        value = group[key]
        ok = _is_number(value) and low <= value and (value <= high if include_high else value < high)
        self._check(ok, key, value, f"must be in [{low}, {high}{']' if include_high else ')'}")

    def _check_betas(self, group, key="betas"):
        """A pair of coefficients, each in [0, 1)."""
        betas = group[key]
        self._check(isinstance(betas, (tuple, list)) and len(betas) == 2, key, betas, "must be a pair")
        for i, beta in enumerate(betas):
            self._check(_is_number(beta) and 0 <= beta < 1, f"{key}[{i}]", beta, "must be in [0, 1)")


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


def buffer_like(param, fill=0.0):
    """A state tensor shaped like ``param``, on its device, filled with ``fill``."""
    xp = param._backend()
    return Tensor._make(xp.full(param.shape, fill, dtype=param.dtype))


def _mark_modified(param):
    """Bump the version counter, as any in-place change does: graphs that saved ``param`` refuse backward."""
    param._version_cell[0] += 1


def _as_index(key):
    """A state dict's parameter index (a file format may have turned it into a string), or None."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


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
