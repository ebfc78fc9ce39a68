"""The capstone: train a network on the digits with the learner's own pieces plugged into the library.

Every piece the learner wrote in the other exercises replaces the library's (an op's backward, the
engine's topological order, an optimizer's update, ...) while the learner's ``train`` runs; the
grader counts the calls, so a network built around the learner's pieces is required, and measures
the test accuracy. The capstone waits until every other exercise passes.
"""

import contextlib
import functools
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import backend

from .grading import Failure, formula_patched, function, learner_code, patched

ACCURACY = 0.90

# The pieces the training must call (one optimizer of OPTIMIZERS too): the forward and backward
# path of x @ w + b → relu → cross-entropy, the engine, and broadcasting undone.
REQUIRED = (
    "matmul_backward",
    "relu_backward",
    "cross_entropy_backward",
    "sum_to",
    "topological_order",
    "add_gradient",
)
OPTIMIZERS = ("sgd", "adam", "adagrad", "rmsprop", "gradient_descent")

CAPSTONE_TEXT = f"""\
Everything you wrote now runs together. While this exercise is checked, your pieces replace the
library's: your backward for every op you wrote, your sum_to and index_add, your topological
order and gradient accumulation in the engine, your optimizer updates and schedule.

Write train(x_train, y_train) -> predict. x_train is a float32 tensor (N, 64) of 8x8 digit images
(scaled), y_train an int64 tensor (N,) of labels 0-9. Train a small network and return a function
predict(x) that gives the class scores (n, 10) of a batch x. Build the network from tensors and
ops: weights w = (tg.randn(64, 32) * 0.1).requires_grad_(), layers x @ w + b, .relu(), the loss
tg.nn.functional.cross_entropy(scores, labels), and an optimizer from tg.optim (SGD or Adam run
your update). Do not use tg.nn.Linear: its op is the library's, not yours.

The grader calls your train, measures the accuracy of predict on held-out digits (it must reach
{ACCURACY:.2f}), and checks that your pieces did the work: {", ".join(REQUIRED)} and one of your
optimizers must have been called. It runs once all other exercises pass. Needs scikit-learn
(pip install "tinygrad_edu[data]").

Hint: 64 -> 32 -> 10 with relu, mini-batches of 64, SGD(lr=0.1, momentum=0.9), 20 epochs: a few seconds."""

CAPSTONE_STUB = """import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F


def train(x_train, y_train):
    raise NotImplementedError("write this function")
"""

CAPSTONE_SOLUTION = '''import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F


def train(x_train, y_train):
    """A 64-32-10 network trained by mini-batch SGD with momentum; returns its predict function."""
    tg.manual_seed(0)
    w1 = (tg.randn(64, 32) * 0.1).requires_grad_()
    b1 = tg.zeros(32, requires_grad=True)
    w2 = (tg.randn(32, 10) * 0.1).requires_grad_()
    b2 = tg.zeros(10, requires_grad=True)

    def predict(x):
        return (x @ w1 + b1).relu() @ w2 + b2

    optimizer = tg.optim.SGD([w1, b1, w2, b2], lr=0.1, momentum=0.9)
    for _ in range(20):
        order = tg.randperm(len(x_train))
        for start in range(0, len(x_train), 64):
            batch = order[start : start + 64]
            loss = F.cross_entropy(predict(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return predict
'''


def plugs(exercise, module, calls):
    """Context managers that put the learner's pieces of ``exercise`` where the library's run,
    each wrapped to count its calls in ``calls``."""
    for piece in exercise.pieces:
        fn = _counted(function(module, piece.name), piece.name, calls)
        owner_name, _, attribute = piece.library.__qualname__.rpartition(".")
        library_module = sys.modules[piece.library.__module__]
        if owner_name == "ArrayBackend":  # a helper of backward: xp is NumPy
            yield patched(backend.get_backend("cpu"), attribute, functools.partial(fn, np))
        elif owner_name == "CosineAnnealingLR":  # the closed form becomes the schedule
            yield patched(getattr(library_module, owner_name), "get_lr", fn)
        elif owner_name:  # an op's forward or backward
            yield patched(getattr(library_module, owner_name), attribute, staticmethod(fn))
        else:  # a function of a module: engine, optimizer formula (and its class), finite differences
            yield formula_patched(library_module, attribute, fn)


def _counted(fn, name, calls):
    @functools.wraps(fn)
    def counting(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return fn(*args, **kwargs)

    return counting


def grade_capstone(path, module, others):
    """``others``: (exercise, learner module) of every other exercise, all of which passed."""
    try:
        from tinygrad_edu.data import datasets

        x_train, y_train, x_test, y_test = datasets.load_digits(seed=0)
    except ImportError as error:
        raise Failure(
            f'the capstone needs the digits data of scikit-learn ({error}): pip install "tinygrad_edu[data]"'
        ) from None
    train = function(module, "train")
    calls = {}
    with contextlib.ExitStack() as stack:
        for exercise, other in others:
            for plug in plugs(exercise, other, calls):
                stack.enter_context(plug)
        with learner_code(path):
            predict = train(x_train, y_train)
            with tg.no_grad():
                scores = predict(x_test)
    accuracy = float((np.asarray(scores.numpy()).argmax(axis=1) == y_test.numpy()).mean())
    unused = [name for name in REQUIRED if not calls.get(name)]
    if not any(calls.get(name) for name in OPTIMIZERS):
        unused.append("an optimizer of yours (" + " / ".join(OPTIMIZERS) + ")")
    if unused:
        raise Failure(
            "your training did not use: " + ", ".join(unused) + " (build the network from "
            "x @ w + b, relu and F.cross_entropy, and train it with tg.optim.SGD or Adam)"
        )
    if accuracy < ACCURACY:
        raise Failure(
            f"test accuracy {accuracy:.3f}, expected at least {ACCURACY:.2f} (train longer, or "
            "check the learning rate and the initial weights' scale)"
        )
    used = ", ".join(f"{name} ×{count}" for name, count in sorted(calls.items()))
    return f"test accuracy {accuracy:.3f} with your pieces ({used})"
