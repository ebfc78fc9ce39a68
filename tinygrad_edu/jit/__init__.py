"""``tg.compile``: record a training step once, then replay it without the framework's Python.

An eager step spends part of its time on Python that is the same at every step: making a Tensor and a
context per op, checking devices and dtypes, sorting the graph, walking it with a dict of gradients.
``tg.compile(step)`` does that work once. The files, in the order a reader wants them:

- ``compiled.py``: ``compile`` and ``CompiledStep`` — when to record, check, replay or run eagerly;
- ``recorder.py``: ``Recorder`` — how an eager run is written down as instructions;
- ``program.py``: ``Program`` — the instructions, and the replay loop (the engine without Tensors);
- ``tape.py``: the seam the library reports through (``Op.apply``, ``engine.backward``, the calls
  that replay whole: optimizer steps, ``zero_grad``, schedulers).

Tutorial 19, "Where the time goes", measures what the replay removes.

The package imports nothing here: ``tape.py`` is imported by the library's core while it loads, before
``compiled.py`` can be. ``tg.compile`` is ``jit.compiled.compile``.
"""
