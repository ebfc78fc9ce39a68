"""Optimizers (``tg.optim.SGD``, ``Adam``, ...) and learning-rate schedules (``tg.optim.lr_scheduler``).

Each optimizer family has its own file, and each update is a short function of arrays beside its
class that mirrors the formula of the paper (``sgd.sgd``, ``adam.adam``, ...):

| file | optimizers |
|---|---|
| ``optimizer.py`` | ``Optimizer``: groups, state, ``zero_grad``, ``state_dict``; how to write one |
| ``sgd.py`` | ``SGD`` (momentum, dampening, Nesterov, weight decay) |
| ``adagrad.py``, ``adadelta.py``, ``rmsprop.py`` | ``Adagrad``, ``Adadelta``, ``RMSprop`` |
| ``adam.py`` | ``Adam``, ``AdamW``, ``Adamax``, ``NAdam`` |
| ``rprop.py`` | ``Rprop`` |
| ``textbook.py`` | the course's forms: ``GD``, ``Momentum``, ``NAG`` |
| ``random_search.py`` | ``RandomSearch`` (derivative-free) |
| ``lr_scheduler.py`` | ``StepLR``, ``CosineAnnealingLR``, ``OneCycleLR``, ``ReduceLROnPlateau``, ... |
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW, NAdam
from .optimizer import Optimizer
from .random_search import RandomSearch
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .textbook import GD, NAG, Momentum

__all__ = [
    "GD",
    "NAG",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Momentum",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "RandomSearch",
    "Rprop",
    "lr_scheduler",
]
