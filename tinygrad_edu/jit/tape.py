"""The seam between the library and ``tg.compile``: who is recording, and which calls replay whole.

While ``tg.compile`` records a step, ``recorder`` is its ``Recorder`` (``recorder.py``); otherwise
None. Three places of the library look at it, each in one labelled line:

- ``Op.apply`` hands every op it runs to the recorder (the forward of the step);
- ``engine.backward`` lets the recorder run the backward pass (so that it can write it down);
- ``@replayed_whole`` methods — ``Optimizer.step``, ``Optimizer.zero_grad``, ``Module.zero_grad``,
  ``LRScheduler.step``, gradient clipping — are recorded as one call each, and called again on every
  replay: their Python (an lr that a schedule changes, Adam's step count) is read afresh each time.

This module imports nothing of the library, so every layer can use it.
"""

import functools

recorder = None  # the Recorder of the step being recorded, or None


def replayed_whole(method):
    """Record a call of ``method`` as one instruction of the program, to be called again on replay
    (with the same arguments); the ops it runs inside are not recorded one by one."""

    @functools.wraps(method)
    def recorded(*args, **kwargs):
        if recorder is None or recorder.ignoring():
            return method(*args, **kwargs)
        return recorder.call(method, args, kwargs)

    recorded.replayed_whole = True
    return recorded


def replay_steps_whole(cls):
    """``__init_subclass__`` of Optimizer and LRScheduler: a subclass's own ``step`` replays whole too."""
    step = cls.__dict__.get("step")
    if step is not None and not getattr(step, "replayed_whole", False):
        cls.step = replayed_whole(step)


def refuse(reason):
    """A step that does ``reason`` cannot be replayed: the recording stops and the step runs eagerly."""
    if recorder is not None and not recorder.ignoring():
        recorder.refuse(reason)
