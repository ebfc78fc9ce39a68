"""A workbook in which the learner writes the framework, graded by gradient checks.

``tinygrad-edu exercises start DIR`` writes one file per exercise: its instructions and a stub to
complete. ``tinygrad-edu exercises check DIR`` plugs the learner's code into the library (a
learner's backward runs inside real graphs, a learner's update inside ``tg.optim``), compares it
with the library's own and with finite differences, and explains the first wrong value.

- ``catalog.py``: the exercises, in course order, and what each is graded against;
- ``checks.py``: the kinds of checks (an op, a backward helper, the engine, an optimizer, a schedule);
- ``grading.py``: loading a learner's file, comparing, teaching messages;
- ``capstone.py``: training on the digits with every piece the learner wrote;
- ``source.py``: solutions and stub signatures read from the library's source (no second copy);
- ``workbook.py``: ``start`` and ``check``.
"""

from . import workbook
from .catalog import EXERCISES
from .workbook import *  # noqa: F403  (workbook.__all__: start, check and what they return)

__all__ = ["EXERCISES", *workbook.__all__]
