"""``Module`` and ``Parameter``: the building blocks of every network, as in PyTorch.

A module keeps three ordered tables, filled by plain attribute assignment:

    self.fc = nn.Linear(2, 3)          # a sub-module       → self._modules["fc"]
    self.w = nn.Parameter(tg.ones(3))   # a learnable tensor → self._parameters["w"]
    self.register_buffer("mean", t)     # a non-learnable state tensor → self._buffers["mean"]

Everything else (``parameters()``, ``state_dict()``, ``to(device)``, ``train()``) walks those tables,
in the order the attributes were assigned, so the names and the order match PyTorch's.
"""

import collections
import collections.abc
import itertools

from .. import backend as _backends
from .. import dtypes
from ..autograd.engine import zero_grad_of
from ..autograd.grad_mode import no_grad
from ..hooks import RemovableHandle
from ..jit import tape
from ..tensor import Tensor

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(Tensor):
    """A tensor that is a learnable weight of a module: a leaf that requires grad.

    >>> w = nn.Parameter(tg.zeros(3))     # shares memory with the tensor it wraps
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor([])
        elif not isinstance(data, Tensor):
            data = Tensor(data)
        self._adopt(data.detach())  # shares the data and its version counter, as PyTorch does
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _refuse_assignment(value, role, expected):
    """The TypeError for assigning ``value`` to a parameter, child module or buffer slot it cannot fill."""
    raise TypeError(f"cannot assign '{type(value).__name__}' as {role} ({expected} expected)")


class Module:
    """Base class of every layer and model: subclass it, assign layers in ``__init__``, write ``forward``.

    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(2, 8)
    ...         self.fc2 = nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> [name for name, _ in Net().named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these tables to exist first.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})

    # ---- running ------------------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        """The computation of the module (every subclass defines it)."""
        raise NotImplementedError(  # abstract: every subclass defines forward
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        """Run ``forward`` (with any registered hooks around it): ``model(x)``."""
        if tape.recorder is not None:  # tg.compile: the program holds for this train/eval mode only
            tape.recorder.module_called(self)
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before ``forward``; a returned value replaces the arguments."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after ``forward`` (to look at activations, say)."""
        return RemovableHandle(self._forward_hooks, hook)

    # ---- registration ---------------------------------------------------------------------------------

    def __setattr__(self, name, value):
        """Route Parameters, Modules and buffers into their tables; anything else is a plain attribute."""
        tables = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and tables is None:
            raise AttributeError(
                f"cannot assign {type(value).__name__} '{name}' before Module.__init__() call "
                "(call super().__init__() first)"
            )
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")  # a re-assigned parameter keeps its place
            self.register_parameter(name, value)
        elif tables is not None and name in self._parameters:
            if value is not None:
                _refuse_assignment(value, f"parameter '{name}'", "nn.Parameter or None")
            self._parameters[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif tables is not None and name in self._modules:
            if value is not None:
                _refuse_assignment(value, f"child module '{name}'", "nn.Module or None")
            self._modules[name] = None
        elif tables is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                _refuse_assignment(value, f"buffer '{name}'", "Tensor or None")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        """Look ``name`` up in the tables (called only when normal lookup fails)."""
        for table in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if not self._forget(name):
            object.__delattr__(self, name)

    def _forget(self, name, keep=None):
        """Remove ``name`` from the instance dict and every table but ``keep``; True when it was in one."""
        found = False
        for table_name in ("_parameters", "_buffers", "_modules"):
            table = self.__dict__[table_name]
            if table_name != keep and name in table:
                del table[name]
                found = True
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)
        return found

    def __dir__(self):
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        )

    def _check_new_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
        if hasattr(type(self), name) or (name in self.__dict__):
            raise KeyError(f"attribute '{name}' already exists")

    def _check_registration(self, table, kind, name, value, allowed, allowed_name):
        """Raise unless ``value`` (an ``allowed`` or None) may be registered as ``kind`` ``name``."""
        if table not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if name not in self.__dict__[table]:
            self._check_new_name(name, kind)
        if value is not None and not isinstance(value, allowed):
            raise TypeError(
                f"cannot assign '{type(value).__name__}' object to {kind} '{name}' "
                f"({allowed_name} or None required)"
            )

    def register_parameter(self, name, param):
        """Add a parameter (or None, for an optional one like a missing bias) under ``name``."""
        self._check_registration("_parameters", "parameter", name, param, Parameter, "nn.Parameter")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a state tensor that is not learned (BatchNorm's running mean); saved in the state dict
        unless ``persistent=False``, moved by ``to(device)``."""
        self._check_registration("_buffers", "buffer", name, tensor, Tensor, "Tensor")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a sub-module under ``name`` (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        if name not in self._modules:
            self._check_new_name(name, "module")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The sub-module at dotted path ``target`` (``"encoder.0"``)."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules:
                raise AttributeError(
                    f"{type(module).__name__} has no submodule `{part}` (looking up {target!r})"
                )
            module = module._modules[part]
        return module

    # ---- walking the tree --------------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(dotted name, module)`` for this module and every sub-module, depth first."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        """Yield this module and every sub-module (each once)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, module)`` for the direct sub-modules."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and child not in seen:
                seen.add(child)
                yield name, child

    def children(self):
        """Yield the direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, table, prefix, recurse, remove_duplicate=True):
        """Yield ``(dotted name, tensor)`` from ``table`` of every module; a shared tensor once."""
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen = set()  # tensors hash by identity, so a shared parameter is seen once
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and value in seen):
                    continue
                seen.add(value)
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(name, parameter)``: ``("fc1.weight", ...)``, in registration order."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Yield every parameter (a parameter shared by two layers once): what an optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(name, buffer)``: ``("bn.running_mean", ...)``."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Yield every buffer."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and then on self; returns self.

        >>> model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------------------------------

    def train(self, mode=True):
        """Switch this module and all sub-modules to training mode (or eval with ``mode=False``)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Switch to evaluation mode (Dropout passes through, BatchNorm uses its running stats)."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Start (or stop, to freeze layers) computing gradients for every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    @tape.replayed_whole
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to None (default), or to zeros in place
        (PyTorch's semantics, shared with ``Optimizer.zero_grad``: see ``autograd.engine.zero_grad_of``)."""
        zero_grad_of(self.parameters(), set_to_none)

    # ---- devices and dtypes ------------------------------------------------------------------------------

    def _apply_to_data(self, convert):
        """Replace the array of every parameter, gradient and buffer by ``convert(array)``, in place,
        so optimizers keep seeing the same Parameter objects."""
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            for t in (tensor, tensor.grad):
                if t is not None:
                    new = convert(t.data)
                    if new is not t.data:
                        t.data = new
                        t._version_cell[0] += (
                            1  # a graph that saved the old array must not run backward on it
                        )
        return self

    def to(self, *args, device=None, dtype=None):
        """Move parameters and buffers to ``device`` and/or cast the floating ones to ``dtype``, in place.

        >>> model.to("cuda")        # returns model itself; parameters keep their identity
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        if dtype is not None:
            dtype = dtypes.to_dtype(dtype)
            if not dtypes.is_floating(dtype):
                raise TypeError(f"Module.to: only floating point dtypes are accepted, got {dtype}")
        target = None if device is None else _backends.get_backend(device)

        def convert(array):
            source = _backends.backend_of(array)
            if target is not None and source is not target:
                array = source.to_backend(array, target)
                source = target
            if dtype is not None and dtypes.is_floating(array.dtype):
                array = source.astype(array, dtype)
            return array

        return self._apply_to_data(convert)

    def cpu(self):
        """Move everything to the CPU (in place)."""
        return self.to("cpu")

    def cuda(self):
        """Move everything to the GPU (in place)."""
        return self.to("cuda")

    def float(self):
        """Cast floating parameters and buffers to float32."""
        return self.to(dtypes.float32)

    def double(self):
        """Cast floating parameters and buffers to float64 (for gradcheck)."""
        return self.to(dtypes.float64)

    # ---- state dicts ------------------------------------------------------------------------------

    def _state_tensors(self, prefix=""):
        """``(name, tensor)`` of every entry of the state dict, PyTorch's order: per module, its
        parameters, then its persistent buffers, then its children (shared tensors under each name)."""
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield prefix + name, buffer
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_tensors(f"{prefix}{name}.")

    def state_dict(self, prefix="", keep_vars=False):
        """An ordered dict of name → NumPy array (host copies) of every parameter and buffer.

        The names and layouts are PyTorch's (``"0.weight"``, ``"bn.running_mean"``), so
        ``torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})`` works.
        With ``keep_vars=True`` the values are the tensors themselves.
        """
        state = collections.OrderedDict()
        for name, tensor in self._state_tensors(prefix):
            state[name] = tensor if keep_vars else _host_copy(tensor)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (arrays or tensors) from ``state_dict`` into the parameters and buffers, in place.

        Everything is checked before anything is copied: with ``strict=True`` a missing or unexpected
        key raises ``RuntimeError``, as does any shape mismatch, and the module is left unchanged.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}")
        own = dict(self._state_tensors())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        problems = []
        if strict and unexpected:
            problems.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + "."
            )
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        values = {}
        for name, tensor in own.items():
            if name not in state_dict:
                continue
            host = _host_array(state_dict[name], name)
            if tuple(host.shape) != tuple(tensor.shape):
                problems.append(
                    f"size mismatch for {name}: copying a param with shape {tuple(host.shape)} from "
                    f"checkpoint, the shape in current model is {tuple(tensor.shape)}."
                )
            elif host.dtype.kind not in "biuf" or host.dtype.fields is not None:
                problems.append(f"dtype mismatch for {name}: cannot copy a {host.dtype} array into a tensor.")
            else:  # converted now, so that the copies below cannot fail halfway
                values[name] = tensor._backend().from_numpy(host.astype(tensor.dtype, copy=False))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems)
            )
        with no_grad():
            for name, array in values.items():
                own[name].copy_(Tensor._make(array))
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------------------

    def extra_repr(self):
        """The settings shown inside the parentheses of ``repr`` (layers override it)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        """A tree like PyTorch's: ``Sequential(\\n  (0): Linear(in_features=2, ...)\\n)``."""
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not self._modules and len(lines) <= 1:
            return f"{self._get_name()}({''.join(lines)})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _host_copy(tensor):
    """A NumPy copy of a tensor's data that later updates of the tensor do not change."""
    backend = tensor._backend()
    array = backend.to_numpy(tensor.data)
    return array.copy() if backend.name == "cpu" else array  # to_numpy already copied off a device


def _host_array(value, name):
    """A state-dict value as a host (NumPy) array: from a Tensor, an array, or a number."""
    if isinstance(value, Tensor):
        return value._backend().to_numpy(value.data)
    backend = _backends.of_array(value)
    if backend is not None:
        return backend.to_numpy(value)
    try:
        return _backends.get_backend("cpu").asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"load_state_dict: value for '{name}' must be an array or a Tensor, got {type(value).__name__}"
        ) from error
