"""tg.viz.draw_graph (the graph as DOT text) and tg.viz.trace_backward (the chain rule, step by step)."""

import io
import math
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.viz.graph import Graph, draw_graph, trace_backward

ROOT = Path(__file__).resolve().parents[2]

# ---- a small DOT reader: enough to check what draw_graph writes ---------------------------------------

QUOTED = r'"(?:[^"\\]|\\.)*"'
NODE = re.compile(rf"^\s*({QUOTED}) \[(.*)\];$")
EDGE = re.compile(rf"^\s*({QUOTED}) -> ({QUOTED});$")
ATTRIBUTE = re.compile(rf"(\w+)=({QUOTED}|\w+)")


def unquote(text):
    """A DOT quoted string's text: ``\\n`` is a line break, ``\\x`` is ``x``."""
    assert text[0] == text[-1] == '"', text
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text[1:-1])


def parse_dot(source):
    """``(nodes, edges)``: nodes maps id → attributes (label unquoted), edges lists (from, to).
    Fails unless the text is a sane digraph: balanced braces outside strings, every statement a
    node, an edge or a default, every edge endpoint declared."""
    unquoted = re.sub(QUOTED, "", source)
    assert '"' not in unquoted, "an unterminated or badly escaped string"
    assert unquoted.count("{") == unquoted.count("}") == 1
    lines = source.strip().splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if edge := EDGE.match(line):
            edges.append((unquote(edge.group(1)), unquote(edge.group(2))))
        elif node := NODE.match(line):
            attributes = {
                key: unquote(v) if v[0] == '"' else v for key, v in ATTRIBUTE.findall(node.group(2))
            }
            nodes[unquote(node.group(1))] = attributes
        else:
            assert re.match(r"^\s*(rankdir=\w+|node \[.*\]);$", line), f"unexpected DOT line: {line!r}"
    for tail, head in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} to an undeclared node"
    return nodes, edges


def boxes(nodes):
    return {i: a["label"] for i, a in nodes.items() if a["shape"] == "box"}


def ellipses(nodes):
    return {i: a["label"] for i, a in nodes.items() if a["shape"] == "ellipse"}


def node_named(nodes, first_line):
    (found,) = [i for i, a in nodes.items() if a["label"].split("\n")[0] == first_line]
    return found


def norm(tensor):
    return float(np.linalg.norm(np.asarray(tensor.detach().numpy(), dtype=np.float64)))


# ---- draw_graph ---------------------------------------------------------------------------------------


def test_small_graph_has_one_box_per_tensor_one_ellipse_per_op_and_edges_input_op_output():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tg.tensor(2.0, requires_grad=True)
    y = (x * w + 1).sum()
    graph = draw_graph(y, names={"x": x, "w": w})
    assert isinstance(graph, Graph) and str(graph) == graph.source
    nodes, edges = parse_dot(graph.source)

    ops = ellipses(nodes)
    assert sorted(label.split("(")[0] for label in ops.values()) == ["Add", "Mul", "Sum"]
    assert len(boxes(nodes)) == 5  # x, w, x*w, x*w + 1, the sum
    assert len(edges) == 7  # 2 into Mul, 1 into Add and Sum each, 1 out of each op

    # Direction: every edge joins a tensor and an op; each op has one outgoing edge, to its output.
    for tail, head in edges:
        assert (tail in ops) != (head in ops)
    outgoing = {op: [h for t, h in edges if t == op] for op in ops}
    assert all(len(heads) == 1 for heads in outgoing.values())
    mul = next(i for i, label in ops.items() if label.startswith("Mul"))
    assert {t for t, h in edges if h == mul} == {node_named(nodes, "x"), node_named(nodes, "w")}
    assert "(3,) float32" in nodes[outgoing[mul][0]]["label"]  # x * w has x's shape
    sum_op = next(i for i, label in ops.items() if label.startswith("Sum"))
    assert nodes[outgoing[sum_op][0]]["label"].split("\n")[1] == "() float32"  # the scalar result
    add = next(label for label in ops.values() if label.startswith("Add"))
    assert add == "Add(·, 1)"  # the Python-number operand is shown in the op
    assert "requires_grad=True" in nodes[node_named(nodes, "w")]["label"]


@pytest.mark.parametrize(
    "make, label",
    [
        (lambda x: x - 3, "Sub(·, 3)"),
        (lambda x: 3 - x, "Sub(3, ·)"),
        (lambda x: x**2, "Pow(·, 2)"),
        (lambda x: x.tanh(), "Tanh"),
        (lambda x: x[1:], "Index(·, 1:)"),
    ],
)
def test_op_label_shows_non_tensor_arguments_in_place(make, label):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    nodes, _ = parse_dot(draw_graph(make(x)).source)
    assert list(ellipses(nodes).values()) == [label]


def test_a_tensor_used_twice_has_two_edges_into_the_op():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(draw_graph(x * x, names={"x": x}).source)
    (mul,) = ellipses(nodes)
    assert edges.count((node_named(nodes, "x"), mul)) == 2


def mlp_and_loss():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, target = tg.randn(8, 3), tg.randn(8, 1)
    return model, x, F.mse_loss(model(x), target)


def test_names_from_named_parameters_or_a_module_appear_in_the_boxes():
    model, _, loss = mlp_and_loss()
    by_names = draw_graph(loss, names=dict(model.named_parameters()))
    by_module = draw_graph(loss, params=model)
    assert by_names.source == by_module.source
    nodes, _ = parse_dot(by_names.source)
    for name, param in model.named_parameters():
        label = nodes[node_named(nodes, name)]["label"]
        assert f"{tuple(param.shape)} float32" in label and "requires_grad=True" in label
    data = [label for label in boxes(nodes).values() if label.startswith("x") and "(8, 3)" in label]
    assert len(data) == 1 and "requires_grad" not in data[0]  # the input is a constant of the graph


def test_grads_appear_after_backward_with_retain_graph():
    w = tg.tensor([3.0, -4.0, 1.0], requires_grad=True)
    loss = (w * w * 0.5 + w).sum()
    before, _ = parse_dot(draw_graph(loss, names={"w": w}).source)
    assert not any("grad ‖" in label for label in boxes(before).values())

    loss.backward(retain_graph=True)
    after, _ = parse_dot(draw_graph(loss, names={"w": w}).source)
    expected = f"{norm(w.grad):.4g}"
    assert f"grad ‖·‖ = {expected}" in after[node_named(after, "w")]["label"]
    hidden, _ = parse_dot(draw_graph(loss, names={"w": w}, show_grad=False).source)
    assert not any("grad ‖" in label for label in boxes(hidden).values())


def test_show_data_writes_small_values_and_summaries_of_large_ones():
    small = tg.tensor([0.5, -1.25], requires_grad=True)
    large = tg.arange(10, dtype=tg.float32).requires_grad_()
    nodes, _ = parse_dot(draw_graph(small * 2 + large[:2], show_data=True).source)
    labels = "\n".join(boxes(nodes).values())
    assert "data 0.5, -1.25" in labels and "data 1, -2.5" in labels
    assert f"min 0, mean {np.arange(10).mean():.4g}, max 9" in labels
    plain, _ = parse_dot(draw_graph(small * 2).source)
    assert not any("data" in label for label in boxes(plain).values())


def test_a_10000_deep_chain_is_drawn_without_recursion():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    graph = draw_graph(y)
    nodes, edges = parse_dot(graph.source)
    assert len(ellipses(nodes)) == 10_000 and len(boxes(nodes)) == 10_001 and len(edges) == 20_000


def test_a_freed_graph_raises_a_clear_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"draw_graph.*freed.*before backward.*retain_graph=True"):
        draw_graph(y)


def test_leaves_constants_and_bad_arguments():
    leaf = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(draw_graph(leaf).source)
    assert len(nodes) == 1 and not edges
    with tg.no_grad():
        unrecorded = leaf * 2
    nodes, edges = parse_dot(draw_graph(unrecorded).source)
    assert len(nodes) == 1 and not edges
    with pytest.raises(TypeError, match="draw_graph: expected a Tensor, got list"):
        draw_graph([1.0])
    with pytest.raises(TypeError, match="names must map a name to a Tensor"):
        draw_graph(leaf * 2, names={"w": 3.0})
    with pytest.raises(TypeError, match="params must be a Module"):
        draw_graph(leaf * 2, params=[leaf])


def test_labels_are_escaped_into_valid_dot():
    w = tg.tensor(1.0, requires_grad=True)
    tricky = 'my "w" \\ {x}; -> [y]'
    nodes, edges = parse_dot(draw_graph(w * 2, names={tricky: w}).source)
    assert node_named(nodes, tricky) and len(edges) == 2


# ---- rendering: the DOT file always, the image only with Graphviz ---------------------------------------


def small_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    return draw_graph((x * 3).sum())


def test_render_without_graphviz_writes_the_dot_file_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz fails, installed or not
    graph = small_graph()
    with pytest.raises(RuntimeError, match=r"pip install graphviz.*apt install graphviz"):
        graph.render(tmp_path / "graph")
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == graph.source
    assert not (tmp_path / "graph.png").exists()
    assert graph._repr_svg_() is None


def fake_graphviz(monkeypatch, pipe):
    module = types.ModuleType("graphviz")
    module.pipe = pipe
    monkeypatch.setitem(sys.modules, "graphviz", module)


def test_render_with_graphviz_writes_the_image_dot_draws(tmp_path, monkeypatch):
    calls = []

    def pipe(engine, format, data):
        calls.append((engine, format, data))
        return f"<{format} image>".encode()

    fake_graphviz(monkeypatch, pipe)
    graph = small_graph()
    path = graph.render(tmp_path / "graph.png")  # the suffix may be given
    assert path == os.fspath(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes() == b"<png image>"
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == graph.source
    assert calls == [("dot", "png", graph.source.encode())]
    assert graph._repr_svg_() == "<svg image>"


def test_render_without_the_dot_program_names_the_system_package(tmp_path, monkeypatch):
    class ExecutableNotFound(RuntimeError):  # what the graphviz package raises without `dot`
        pass

    def pipe(engine, format, data):
        raise ExecutableNotFound("failed to execute PosixPath('dot')")

    fake_graphviz(monkeypatch, pipe)
    with pytest.raises(RuntimeError, match=r"failed to execute.*system program `dot`"):
        small_graph().render(tmp_path / "graph", format="svg")
    assert (tmp_path / "graph.dot").exists()


def test_render_with_the_real_graphviz_writes_a_png(tmp_path):
    """Where the optional graphviz package and its `dot` program are installed, a real picture comes out."""
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("the graphviz system program `dot` is not installed")
    path = small_graph().render(tmp_path / "graph")
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_importing_the_module_imports_neither_graphviz_nor_matplotlib(device):
    if device != "cpu":
        pytest.skip("device-independent: checked in the 'cpu' half only")
    code = (
        "import sys; import tinygrad_edu.viz.graph; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('graphviz', 'matplotlib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---- trace_backward -------------------------------------------------------------------------------------


def traced(loss, **kwargs):
    """trace_backward's records and printed text."""
    out = io.StringIO()
    steps = trace_backward(loss, file=out, **kwargs)
    return steps, out.getvalue()


def small_network():
    """loss = mean((Σ_j tanh(x_ij · w_j))²), with w broadcast over x's rows: names for every tensor."""
    tg.manual_seed(1)
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(3, requires_grad=True)
    a = x * w
    b = a.tanh()
    c = b.sum(dim=1)
    loss = (c**2).mean()
    return loss, {"x": x, "w": w, "a": a, "b": b, "c": c}


def test_trace_records_match_autograd_grad():
    loss, named = small_network()
    expected = dict(zip(named, tg.autograd.grad(loss, list(named.values()), retain_graph=True)))
    steps, _ = traced(loss, names=named)

    assert [s.op for s in steps] == [
        "MeanBackward",
        "PowBackward",
        "SumBackward",
        "TanhBackward",
        "MulBackward",
    ]
    assert [s.step for s in steps] == [1, 2, 3, 4, 5]
    assert steps[0].output_shape == () and steps[0].grad_output_norm == 1.0  # dL/dL = 1
    by_output = {s.output: s for s in steps}
    for name in ("a", "b", "c"):  # the gradient arriving at each intermediate tensor
        assert by_output[name].output_shape == named[name].shape
        assert math.isclose(by_output[name].grad_output_norm, norm(expected[name]), rel_tol=1e-10)
    sent = {flow.name: flow for flow in by_output["a"].inputs}  # Mul sends to x and to w (broadcast)
    assert sent["w"].shape == (3,) and sent["x"].shape == (4, 3)
    for name in ("x", "w"):
        assert math.isclose(sent[name].grad_norm, norm(expected[name]), rel_tol=1e-10)
    assert math.isclose(by_output["b"].inputs[0].grad_norm, norm(expected["a"]), rel_tol=1e-10)


def test_trace_accumulates_the_same_grads_as_a_plain_backward():
    loss, named = small_network()
    loss.backward()
    plain = {name: named[name].grad.numpy() for name in ("x", "w")}

    loss, named = small_network()
    steps, _ = traced(loss, names=named, retain_graph=True)
    for name in ("x", "w"):
        np.testing.assert_array_equal(named[name].grad.numpy(), plain[name])
    assert {leaf.name: leaf.shape for leaf in steps.leaves} == {"x": (4, 3), "w": (3,)}
    for leaf in steps.leaves:
        assert math.isclose(leaf.grad_norm, norm(named[leaf.name].grad), rel_tol=1e-10)

    traced(loss, names=named)  # a second pass through the retained graph adds up, as backward does
    for name in ("x", "w"):
        np.testing.assert_allclose(named[name].grad.numpy(), 2 * plain[name], rtol=1e-6)


def test_the_printed_text_has_one_line_per_op_then_the_leaves(capsys):
    loss, named = small_network()
    steps, text = traced(loss, names=named, retain_graph=True)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == 1 + len(steps) + 1 + len(steps.leaves)
    assert lines[0].split()[:2] == ["step", "op"]
    for line, step in zip(lines[1 : 1 + len(steps)], steps):
        assert line.split()[:3] == [str(step.step), step.op, step.output]
        assert f"{step.grad_output_norm:.4g}" in line
        assert all(f"{flow.name} {flow.shape}: " in line for flow in step.inputs)
    assert lines[1 + len(steps)] == "leaves (accumulated .grad):"
    assert all(line.startswith("  ") and "‖grad‖" in line for line in lines[2 + len(steps) :])

    named["x"].grad = named["w"].grad = None  # so the leaves' lines repeat too
    trace_backward(loss, names=named)  # file=None prints to standard output
    assert capsys.readouterr().out == text


def test_hooks_are_removed_afterwards_even_on_error():
    loss, named = small_network()
    calls = []
    named["b"].register_hook(lambda grad: calls.append(grad.shape))  # the user's hook stays
    traced(loss, names=named)
    assert calls == [(4, 3)]
    assert not named["a"]._hooks and not named["c"]._hooks and not loss._hooks
    assert len(named["b"]._hooks) == 1

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # not a scalar: backward refuses it
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        traced(y)
    assert not y._hooks and not x._hooks


def test_a_shared_tensor_receives_the_sum_of_what_its_consumers_send():
    x = tg.tensor([1.0, 2.0, 0.5], requires_grad=True)
    y = x * 2
    loss = (y * 3).sum() + (y * 5).sum()
    (expected,) = tg.autograd.grad(loss, y, retain_graph=True)
    steps, _ = traced(loss, names={"x": x, "y": y})
    sent_to_y = [flow.grad_norm for s in steps for flow in s.inputs if flow.name == "y"]
    assert len(sent_to_y) == 2  # one from each Mul: 3·(1, 1, 1) and 5·(1, 1, 1)
    (at_y,) = [s for s in steps if s.output == "y"]
    assert math.isclose(at_y.grad_output_norm, sum(sent_to_y), rel_tol=1e-10)  # parallel: norms add
    assert math.isclose(at_y.grad_output_norm, norm(expected), rel_tol=1e-10)
    assert steps.index(at_y) > max(i for i, s in enumerate(steps) if "y" in [f.name for f in s.inputs])


def test_an_mlp_from_nn():
    model, _, loss = mlp_and_loss()
    params = dict(model.named_parameters())
    expected = tg.autograd.grad(loss, list(params.values()), retain_graph=True)
    steps, text = traced(loss, params=model)
    assert {leaf.name for leaf in steps.leaves} == set(params)
    for (name, param), grad in zip(params.items(), expected):
        np.testing.assert_allclose(param.grad.numpy(), grad.numpy(), rtol=1e-6, atol=1e-7)
        (leaf,) = [leaf for leaf in steps.leaves if leaf.name == name]
        assert math.isclose(leaf.grad_norm, norm(grad), rel_tol=1e-6)
        assert name in text
    assert all(s.op.endswith("Backward") for s in steps)
    data_flows = [f for s in steps for f in s.inputs if f.shape == (8, 3)]
    assert data_flows and all(f.grad_norm is None for f in data_flows)  # x needs no gradient: none sent


def test_trace_of_a_freed_graph_or_a_non_tensor_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"trace_backward.*freed.*retain_graph=True"):
        traced(loss)
    with pytest.raises(TypeError, match="trace_backward: expected a Tensor"):
        traced(3.0)


def test_trace_of_a_deep_chain():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3_000):
        y = y * 1.0001
    steps, text = traced(y)
    assert len(steps) == 3_000 and len(text.splitlines()) == 3_000 + 3
    assert math.isclose(x.grad.item(), 1.0001**3_000, rel_tol=1e-4)


def test_a_hook_on_a_scalar_intermediate_gets_a_usable_tensor():
    """NumPy turns 0-d results into scalars; the engine hands hooks (and so trace_backward) arrays."""
    x = tg.tensor(1.5, requires_grad=True)
    y = x * 2.0
    seen = []
    y.register_hook(lambda grad: seen.append((grad + 1).item()))
    (y * 3.0).backward()
    assert seen == [4.0]


def test_trace_backward_through_a_function_with_two_outputs():
    class SinCos(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, grad_sin, grad_cos):
            (x,) = ctx.saved_tensors
            return grad_sin * x.cos() - grad_cos * x.sin()

    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    s, c = SinCos.apply(x)
    trace = tg.viz.trace_backward((s * c).sum(), names={"x": x}, file=io.StringIO())
    assert [step.op for step in trace] == ["SumBackward", "MulBackward"]
    xd = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), np.cos(2 * xd))  # d/dx sin·cos = cos 2x
    assert trace.leaves[0].grad_norm == pytest.approx(np.linalg.norm(np.cos(2 * xd)))


def test_trace_backward_runs_each_backward_once():
    """The trace watches the engine's one pass (engine.observe_steps); it runs no backward again."""
    calls = []

    class Double(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * 2

    x = tg.tensor([1.0, -3.0], dtype=tg.float64, requires_grad=True)
    trace = tg.viz.trace_backward(Double.apply(x).exp().sum(), names={"x": x}, file=io.StringIO())
    assert len(calls) == 1
    assert [step.op for step in trace][:2] == ["SumBackward", "ExpBackward"]
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * np.array([1.0, -3.0])))


def test_trace_backward_calls_no_private_engine_function():
    source = Path(tg.viz.graph.__file__).read_text()
    assert "engine._" not in source
