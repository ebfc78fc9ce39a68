"""Containers: ``Sequential`` (layers run one after another) and ``ModuleList`` / ``ModuleDict``
(sub-modules kept in a list or dict so their parameters are registered)."""

import collections
import collections.abc
import operator

from .module import Module


def _index(index, length, kind):
    """A Python index (negative allowed) as a position in 0 .. length−1, or IndexError."""
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError(f"{kind} indices must be integers or slices, not {type(index).__name__}") from None
    if not -length <= index < length:
        raise IndexError(f"{kind}: index {index} is out of range for a container of {length} modules")
    return index % length


class Sequential(Module):
    """Layers applied in order: ``model(x) = model[-1](... model[1](model[0](x)))``.

    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    >>> model[0]            # Linear(in_features=2, out_features=16, bias=True)
    >>> model[1:]           # a Sequential of the last two layers (sharing them)
    >>> nn.Sequential(collections.OrderedDict(fc=nn.Linear(2, 1)))   # named layers: model.fc
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        """Feed ``input`` through every layer in turn."""
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(collections.OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self), "Sequential")]

    def __setitem__(self, index, module):
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index):
        keys = list(self._modules)
        doomed = keys[index] if isinstance(index, slice) else [keys[_index(index, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        modules = list(self._modules.values())  # renumber 0, 1, 2, ... as PyTorch does
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``; returns self."""
        modules = list(self._modules.values())
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"Sequential.insert: index {index} is out of range for {len(modules)} modules")
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
        return self


class ModuleList(Module):
    """A list of sub-modules whose parameters are registered (a plain Python list would hide them).

    >>> self.layers = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))
    >>> for layer in self.layers: x = layer(x).relu()
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_index(index, len(self), "ModuleList"))]

    def __setitem__(self, index, module):
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_index(index, len(modules), "ModuleList")]
        self._renumber(modules)

    def _renumber(self, modules):
        self._modules.clear()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of ``modules``; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)


class ModuleDict(Module):
    """A dict of sub-modules whose parameters are registered, in insertion order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """The names of the modules, in insertion order."""
        return self._modules.keys()

    def items(self):
        """``(name, module)`` pairs."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules):
        """Add every ``(name, module)`` of a mapping or an iterable of pairs."""
        pairs = modules.items() if isinstance(modules, collections.abc.Mapping) else modules
        for key, module in pairs:
            self[key] = module
