"""``train.fit``'s progress bar: one bar over the run, none in a pipe, no widget warning in notebooks."""

import io
import sys
import warnings

import pytest

import tinygrad_edu as tg
from tinygrad_edu import data, train
from tinygrad_edu.nn import functional as F

pytest.importorskip("tqdm")
pytestmark = pytest.mark.cpu_only  # about the terminal, not about a device


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, and keeps what was written to it."""

    def isatty(self):
        return True


class Pipe(io.StringIO):
    def isatty(self):
        return False


def fit(epochs=3):
    tg.manual_seed(0)
    x, y = tg.randn(24, 2), tg.randint(0, 2, (24,))
    model = tg.nn.Linear(2, 2)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=8)  # 3 batches an epoch
    return train.fit(model, F.cross_entropy, tg.optim.SGD(model.parameters(), lr=0.1), loader, epochs=epochs)


def test_one_bar_advances_over_all_epochs_with_the_running_loss(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(epochs=3)
    text = terminal.getvalue()
    assert text.count("\n") == 1, f"one bar, left on screen once, not one per epoch: {text!r}"
    final = text.rsplit("\r", 1)[-1]
    assert "9/9" in final and "epoch 3/3" in final and "loss " in final, final


def test_no_bar_in_a_pipe_or_a_log(monkeypatch):
    pipe = Pipe()
    monkeypatch.setattr(sys, "stderr", pipe)
    fit(epochs=2)
    assert pipe.getvalue() == ""


def test_no_ipywidgets_warning_in_a_notebook_without_ipywidgets(monkeypatch):
    import importlib.util

    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules.get("ipykernel") or type(sys)("ipykernel"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a),
    )
    notebook_output = Pipe()  # a kernel's stderr is no terminal, but a bar is still wanted there
    monkeypatch.setattr(sys, "stderr", notebook_output)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm.auto would warn "IProgress not found"
        fit(epochs=2)
    assert "6/6" in notebook_output.getvalue()
