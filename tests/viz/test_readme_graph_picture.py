"""docs/graph.png shows the README's own example: its names and gradients, and plain op labels."""

import contextlib
import io
import re
from pathlib import Path

import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz.graph import _op_label

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.cpu_only  # about a committed picture


def readme_after_graph():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Seeing the graph", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec("import tinygrad_edu as tg\n" + code, namespace)
    return namespace["after"].source


def test_the_committed_picture_is_drawn_from_the_readme_code():
    """docs/graph.dot is what docs/graph.png was rendered from (python docs/make_thumbnails.py)."""
    assert (ROOT / "docs" / "graph.dot").read_text(encoding="utf-8").strip() == readme_after_graph().strip()


def test_the_picture_has_the_trace_names_and_gradient_norms():
    source = readme_after_graph()
    for text in ('label="w\\n', 'label="x\\n', 'label="t2\\n', "0.9303", "4.137"):
        assert text in source, text
    assert "loss" not in source  # the README names only x and w


def test_op_labels_name_their_options_and_hide_defaults():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    assert _op_label(x.sum()._ctx) == "Sum"  # not Sum(·, None, False)
    assert _op_label(x.sum(dim=1, keepdim=True)._ctx) == "Sum(·, dim=(1,), keepdim=True)"
    assert _op_label((x - 3)._ctx) == "Sub(·, 3)" and _op_label((3 - x)._ctx) == "Sub(3, ·)"
