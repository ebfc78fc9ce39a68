"""``tg.Generator``: a random stream of its own, as ``torch.Generator``.

``tg.manual_seed`` seeds the one stream each backend holds (``ArrayBackend.rng``). A ``Generator``
is a second, private stream that a caller passes as ``generator=`` (``tg.rand(3, generator=g)``,
``tg.multinomial(p, 1, generator=g)``, ``F.dropout(x, generator=g)``): the same seed gives the same
samples, whatever else the program draws in between. (The streams are not bit-equal to PyTorch's.)

Its samples are drawn on the host by NumPy's PCG64 and copied to the device that needs them, so
one generator serves every device and its state is a plain host value (``get_state`` /
``set_state``). ``on(xp)`` gives the generator as the sampling methods that the library's random
functions call on a backend's own stream (``random``, ``standard_normal``, ``integers``).
"""

import json
import secrets

import numpy as np

_SEED_MODULUS = 2**64  # PyTorch's seeds are 64-bit; a negative seed wraps around as in PyTorch


class Generator:
    """A seeded random stream: ``g = tg.Generator().manual_seed(2147483647)``.

    >>> g = tg.Generator().manual_seed(0)
    >>> a = tg.rand(3, generator=g)
    >>> b = tg.rand(3, generator=g.manual_seed(0))   # the same seed: the same samples
    """

    def __init__(self, device="cpu"):
        from . import device as _device

        self.device = _device(device)
        self._initial_seed = 67280421310721  # PyTorch's default seed of a fresh generator
        self._rng = np.random.default_rng(self._initial_seed)

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (an int); returns the generator, so calls chain."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {type(seed).__name__}")
        self._initial_seed = int(seed) % _SEED_MODULUS
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Restart the stream from a fresh non-deterministic seed, and return that seed."""
        self.manual_seed(secrets.randbits(63))
        return self._initial_seed

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._initial_seed

    def get_state(self):
        """The stream's position, as a uint8 tensor (PyTorch's ByteTensor) that ``set_state`` takes."""
        from ..tensor import Tensor

        encoded = json.dumps({"seed": self._initial_seed, "bit_generator": self._rng.bit_generator.state})
        return Tensor(np.frombuffer(encoded.encode(), dtype=np.uint8).copy(), device="cpu")

    def set_state(self, new_state):
        """Continue the stream from a state that ``get_state`` returned; returns the generator."""
        try:
            raw = bytes(np.asarray(new_state, dtype=np.uint8).reshape(-1).tolist())
            state = json.loads(raw.decode())
            rng = np.random.default_rng()
            rng.bit_generator.state = state["bit_generator"]
            seed = int(state["seed"])
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
            raise RuntimeError(
                f"Generator.set_state: expected a state returned by Generator.get_state ({error})"
            ) from None
        self._rng, self._initial_seed = rng, seed
        return self

    def on(self, xp):
        """The generator as a sampler that returns arrays of backend ``xp``."""
        return _OnBackend(self._rng, xp)

    def __repr__(self):
        return f"<tinygrad_edu.Generator device={self.device!r} initial_seed={self._initial_seed}>"


class _OnBackend:
    """Host samples of one generator, copied to one backend (the methods of ``ArrayBackend.rng``)."""

    def __init__(self, rng, xp):
        self._rng, self._xp = rng, xp

    def random(self, shape):
        return self._xp.from_numpy(np.asarray(self._rng.random(shape)))

    def standard_normal(self, shape):
        return self._xp.from_numpy(np.asarray(self._rng.standard_normal(shape)))

    def integers(self, low, high, shape):
        return self._xp.from_numpy(np.asarray(self._rng.integers(low, high, shape)))


def sampler(xp, generator):
    """Where a random function draws from: ``generator`` on ``xp``, or ``xp``'s own stream."""
    if generator is None:
        return xp.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a tg.Generator, got {type(generator).__name__}")
    return generator.on(xp)
