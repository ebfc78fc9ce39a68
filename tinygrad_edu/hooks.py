"""``RemovableHandle``: what every ``register_*hook`` returns (tensors' and modules' alike)."""

import itertools


class RemovableHandle:
    """Registers ``hook`` in the ``hooks`` dict; ``handle.remove()`` unregisters it again."""

    _ids = itertools.count()

    def __init__(self, hooks, hook):
        self.id = next(RemovableHandle._ids)
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self):
        """Unregister the hook (again is harmless)."""
        self._hooks.pop(self.id, None)
