"""``tinygrad_edu.ops.INDEX`` (op → public names) stays true: every op of ``ops/`` is listed once,
every name it lists exists, and calling a name records that very op in the graph."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import ops
from tinygrad_edu.autograd.function import Op

ROOTS = {"Tensor": tg.Tensor, "tg": tg, "F": F, "nn": tg.nn}


def _ops_in_package():
    """``module.Class`` of every Op subclass defined in a module of ``tinygrad_edu.ops``."""
    found = set()
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"tinygrad_edu.ops.{info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Op) and value.__module__ == module.__name__:
                found.add(f"{info.name}.{name}")
    return found


def _op_class(key):
    module, name = key.split(".")
    return getattr(importlib.import_module(f"tinygrad_edu.ops.{module}"), name)


def test_every_op_is_listed_once_and_nothing_else():
    in_package = _ops_in_package()
    assert in_package, "found no ops: the walk over tinygrad_edu.ops is broken"
    assert set(ops.INDEX) == in_package, (
        f"missing from ops.INDEX: {sorted(in_package - set(ops.INDEX))}; "
        f"listed but not an op of ops/: {sorted(set(ops.INDEX) - in_package)}"
    )


@pytest.mark.parametrize("key", sorted(ops.INDEX))
def test_every_listed_name_exists(key):
    assert issubclass(_op_class(key), Op)
    for name in ops.INDEX[key]:
        root, _, attribute = name.partition(".")
        assert hasattr(ROOTS[root], attribute), f"ops.INDEX[{key!r}] lists {name}, which does not exist"


def _recorded(tensors):
    """The op classes of every node reachable from ``tensors``."""
    found, stack = set(), list(tensors)
    while stack:
        tensor = stack.pop()
        if tensor._ctx is not None and type(tensor._ctx) not in found:
            found.add(type(tensor._ctx))
            stack.extend(t for t in tensor._ctx.inputs or () if isinstance(t, tg.Tensor))
    return found


def _leaf(*shape):
    return tg.tensor(np.random.default_rng(0).normal(size=shape), requires_grad=True)


# (public name, call returning the output whose own node must be the op) — the six ops and more
DIRECT_CALLS = [
    ("Tensor.matmul", "linalg.MatMul", lambda: _leaf(2, 3).matmul(_leaf(3, 4))),
    ("tg.matmul", "linalg.MatMul", lambda: tg.matmul(_leaf(2, 3), _leaf(3, 4))),
    ("F.linear", "linalg.Affine", lambda: F.linear(_leaf(2, 3), _leaf(4, 3), _leaf(4))),
    ("nn.Linear", "linalg.Affine", lambda: tg.nn.Linear(3, 4)(_leaf(2, 3).float())),
    ("Tensor.softmax", "reduce.SoftmaxOp", lambda: _leaf(2, 3).softmax(1)),
    ("tg.softmax", "reduce.SoftmaxOp", lambda: tg.softmax(_leaf(2, 3), 1)),
    ("F.softmax", "reduce.SoftmaxOp", lambda: F.softmax(_leaf(2, 3), 1)),
    ("nn.Softmax", "reduce.SoftmaxOp", lambda: tg.nn.Softmax(1)(_leaf(2, 3))),
    ("F.log_softmax", "reduce.LogSoftmaxOp", lambda: F.log_softmax(_leaf(2, 3), 1)),
    ("F.conv2d", "conv.Convolution", lambda: F.conv2d(_leaf(1, 2, 5, 5), _leaf(3, 2, 3, 3))),
    ("nn.Conv2d", "conv.Convolution", lambda: tg.nn.Conv2d(2, 3, 3)(_leaf(1, 2, 5, 5).float())),
    ("F.cross_entropy", "loss.CrossEntropy", lambda: F.cross_entropy(_leaf(4, 3), tg.tensor([0, 2, 1, 2]))),
    (
        "F.cross_entropy",  # class probabilities, weights, smoothing, no reduction: the same op
        "loss.CrossEntropy",
        lambda: F.cross_entropy(
            _leaf(4, 3),
            _leaf(4, 3).softmax(1),
            tg.tensor([1.0, 2.0, 0.5]),
            reduction="sum",
            label_smoothing=0.1,
        ),
    ),
    (
        "nn.CrossEntropyLoss",
        "loss.CrossEntropy",
        lambda: tg.nn.CrossEntropyLoss(ignore_index=1)(_leaf(4, 3), tg.tensor([0, 1, 1, 2])),
    ),
    ("F.layer_norm", "norm.LayerNormalization", lambda: F.layer_norm(_leaf(2, 4), (4,), _leaf(4), _leaf(4))),
    ("nn.LayerNorm", "norm.LayerNormalization", lambda: tg.nn.LayerNorm(4)(_leaf(2, 4).float())),
]


@pytest.mark.parametrize(("name", "key", "call"), DIRECT_CALLS, ids=[f"{n}-{k}" for n, k, _ in DIRECT_CALLS])
def test_a_public_name_records_its_op(name, key, call):
    assert name in ops.INDEX[key]
    out = call()
    assert type(out._ctx) is _op_class(key), f"{name} recorded {out._ctx}, expected {key}"


@pytest.mark.parametrize("module", ["LSTM", "LSTMCell"])
def test_lstm_steps_are_one_op_each(module):
    assert f"nn.{module}" in ops.INDEX["rnn.LSTMStep"]
    layer = getattr(tg.nn, module)(3, 4).double()
    x = _leaf(5, 2, 3) if module == "LSTM" else _leaf(2, 3)
    out = layer(x)
    outputs = [out[0], *out[1]] if module == "LSTM" else list(out)
    recorded = _recorded(outputs)
    assert _op_class("rnn.LSTMStep") in recorded
    # the gates are inside the op: no sigmoid of their own in the graph
    assert _op_class("elementwise.Sigmoid") not in recorded


def test_the_readme_table_is_the_index():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        match = re.fullmatch(r"\| `(\w+)` \| `ops/(\w+)\.py` \| (.*) \|", line)
        if match:
            op, module, reach = match.groups()
            rows[f"{module}.{op}"] = tuple(re.findall(r"`([\w.]+)`", reach))
    assert rows == dict(ops.INDEX), "README's 'Where each op lives' differs from tinygrad_edu.ops.INDEX"
