"""Autograd made visible: the graph behind a tensor, and the backward pass one chain-rule step at a time.

``draw_graph(y)`` turns the graph that ``y.grad_fn`` links to into Graphviz DOT text: one box per
tensor, one ellipse per op, arrows input → op → output (the pictures of PyTorch's torchviz and
micrograd's ``draw_dot``). ``trace_backward(loss)`` runs ``loss.backward()`` and prints what the
engine does at each op: the gradient that arrives at its output and the gradient it sends to each
input (∂L/∂input = ∂L/∂output · ∂output/∂input, the chain rule).

Graphviz is imported only when an image is asked for, so neither function needs it installed.
"""

import inspect
import math
import numbers
import os
from dataclasses import dataclass

from ..autograd import engine
from ..autograd.function import FunctionOutput
from ..dtypes import float64
from ..tensor import Tensor

# Fill colours: parameters (leaves that require grad), constants (leaves that do not), the result.
_PARAMETER_COLOR = "#cfe2f3"
_CONSTANT_COLOR = "#eeeeee"
_RESULT_COLOR = "#fce5cd"
_OP_COLOR = "#d9ead3"

_GRAPHVIZ_HINT = (
    "install the graphviz Python package (pip install graphviz) and the Graphviz system program `dot` "
    "(apt install graphviz, brew install graphviz or conda install graphviz)"
)


# ---- the graph as a list of tensors ---------------------------------------------------------------


def _graph_order(root, who):
    """Every tensor of the graph behind ``root``, each after its inputs: the engine's topological
    order, plus the inputs that need no gradient (data, constants), which the engine skips."""
    try:
        with_grad = engine.topological_order([root])
    except RuntimeError as error:  # the only failure: a context released by an earlier backward
        raise RuntimeError(
            f"{who}: the graph that produced this tensor was freed by an earlier backward() (the "
            "engine releases each op's saved values and links to its inputs after using them). "
            f"Call {who} before backward, or call backward(retain_graph=True)."
        ) from error
    if not with_grad:  # a leaf, or a result computed without recording
        return [root]
    order, seen = [], set()
    for tensor in with_grad:
        if tensor._ctx is not None:
            for parent in tensor._ctx.inputs:
                if isinstance(parent, Tensor) and not parent._requires_grad and parent not in seen:
                    seen.add(parent)
                    order.append(parent)
        order.append(tensor)
    return order


def _tensor_names(order, names, params, who):
    """A name for every tensor: the user's (``names`` or ``params``' parameter names), else
    ``x0, x1, …`` for leaves and ``t0, t1, …`` for results, numbered inputs first."""
    given = {}
    if params is not None:
        if not hasattr(params, "named_parameters"):
            raise TypeError(f"{who}: params must be a Module, got {type(params).__name__}")
        given.update((tensor, name) for name, tensor in params.named_parameters())
    if names is not None:
        for name, tensor in dict(names).items():
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"{who}: names must map a name to a Tensor (e.g. dict(model.named_parameters())); "
                    f"{name!r} maps to {type(tensor).__name__}"
                )
            given[tensor] = str(name)
    labels, leaves, results = {}, 0, 0
    for tensor in order:
        if tensor in given:
            labels[tensor] = given[tensor]
        elif tensor._ctx is None:
            labels[tensor], leaves = f"x{leaves}", leaves + 1
        else:
            labels[tensor], results = f"t{results}", results + 1
    return labels


def _norm(array, xp):
    """The Euclidean norm ‖a‖ = √(Σ a²) of a backend array, as a Python float (summed in float64)."""
    wide = xp.astype(array, float64)
    return math.sqrt(xp.sum(wide * wide).item())


def _shape_text(shape):
    """``(3, 4)``, ``(3,)``, ``()``: a shape as PyTorch prints it."""
    return str(tuple(shape))


def _number(value):
    """A float in 4 significant digits (``None`` → ``—``: no gradient)."""
    return "—" if value is None else f"{value:.4g}"


# ---- draw_graph -------------------------------------------------------------------------------------


class Graph:
    """A computation graph: ``nodes`` and ``edges``, and ``source``, their Graphviz DOT text.

    ``print(graph)`` shows the DOT text; ``graph.render("graph")`` writes ``graph.dot`` and, where
    Graphviz is installed, ``graph.png``; in Jupyter the graph shows as a picture.
    """

    def __init__(self, nodes, edges, name="autograd"):
        self.nodes = nodes  # (id, label, kind, fill colour), kind "tensor" or "op"
        self.edges = edges  # (from id, to id), input → op and op → output
        self.source = _dot_source(name, nodes, edges)

    def __str__(self):
        return self.source

    def __repr__(self):
        tensors = sum(kind == "tensor" for _, _, kind, _ in self.nodes)
        return f"<Graph: {tensors} tensors, {len(self.nodes) - tensors} ops, {len(self.edges)} edges>"

    def _repr_svg_(self):
        """The picture in Jupyter; None (plain text) when Graphviz is not installed."""
        try:
            return _run_dot(self.source, "svg").decode("utf-8")
        except (ImportError, OSError, RuntimeError):
            return None

    def render(self, path, format="png"):
        """Write the DOT text to ``<path>.dot`` and draw ``<path>.<format>``; returns the image's path.

        The DOT file is written in any case (open it in any Graphviz viewer); the image needs the
        graphviz package and the ``dot`` program, and without them this raises ``RuntimeError``.
        """
        base = os.fspath(path)
        for suffix in (".dot", f".{format}"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        dot_path, image_path = f"{base}.dot", f"{base}.{format}"
        with open(dot_path, "w", encoding="utf-8") as file:
            file.write(self.source)
        try:
            image = _run_dot(self.source, format)
        except ImportError:
            raise RuntimeError(
                f"Graph.render: wrote {dot_path}, but drawing {image_path} needs Graphviz: {_GRAPHVIZ_HINT}"
            ) from None
        except (OSError, RuntimeError) as error:  # graphviz.ExecutableNotFound is a RuntimeError
            raise RuntimeError(
                f"Graph.render: wrote {dot_path}, but drawing {image_path} failed ({error}): {_GRAPHVIZ_HINT}"
            ) from error
        with open(image_path, "wb") as file:
            file.write(image)
        return image_path


def _run_dot(source, format):
    """Graphviz's ``dot`` applied to DOT text: the image's bytes (imports graphviz only now)."""
    import graphviz

    return graphviz.pipe("dot", format, source.encode("utf-8"))


def draw_graph(tensor, show_grad=True, show_data=False, names=None, params=None):
    """The computation graph that produced ``tensor``, as a ``Graph`` (DOT text, renderable).

    Boxes are tensors (name, shape, dtype; ``.grad``'s norm once a backward has filled it), ellipses
    are ops, arrows run input → op → output. Name tensors with ``names=dict(model.named_parameters())``
    or ``params=model``; others are called ``x0, x1, …`` (leaves) and ``t0, t1, …`` (results).
    Call it before ``backward()`` (or use ``backward(retain_graph=True)``): backward frees the graph.

    >>> x = tg.tensor(2.0, requires_grad=True)
    >>> y = x * x + 3
    >>> print(viz.draw_graph(y, names={"x": x}))      # DOT text: x → Mul → t0 → Add(·, 3) → t1
    >>> viz.draw_graph(y).render("graph")             # graph.dot, and graph.png with Graphviz
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    order = _graph_order(tensor, "draw_graph")
    labels = _tensor_names(order, names, params, "draw_graph")
    ids, nodes, edges = {}, [], []
    for i, node in enumerate(order):
        ids[node] = f"T{i}"
        label = _tensor_label(node, labels[node], show_grad, show_data)
        nodes.append((ids[node], label, "tensor", _tensor_color(node, node is tensor)))
        ctx = node._ctx
        if ctx is not None:
            op_id = f"F{i}"
            nodes.append((op_id, _op_label(ctx), "op", _OP_COLOR))
            edges.extend((ids[parent], op_id) for parent in ctx.inputs if isinstance(parent, Tensor))
            edges.append((op_id, ids[node]))
    return Graph(nodes, edges)


def _tensor_color(tensor, is_result):
    """The box's fill: the result, an intermediate, a parameter or a constant."""
    if is_result:
        return _RESULT_COLOR
    if tensor._ctx is not None:
        return "white"
    return _PARAMETER_COLOR if tensor._requires_grad else _CONSTANT_COLOR


def _tensor_label(tensor, name, show_grad, show_data):
    """Name; shape and dtype; requires_grad for a leaf that has it; data and grad on request."""
    lines = [name, f"{_shape_text(tensor.shape)} {tensor.dtype}"]
    if tensor._ctx is None and tensor._requires_grad:
        lines.append("requires_grad=True")
    if show_data and tensor.numel():
        lines.append(_data_text(tensor))
    if show_grad and tensor.grad is not None:
        grad = tensor.grad
        lines.append(f"grad ‖·‖ = {_number(_norm(grad.data, grad._backend()))}")
    return "\n".join(lines)


def _data_text(tensor):
    """The values of a small tensor, a summary (min, mean, max) of a larger one."""
    if tensor.numel() <= 6:
        return "data " + ", ".join(_number(v) for v in tensor.detach().reshape(-1).tolist())
    values = tensor.detach().double()
    low, mean, high = values.min().item(), values.mean().item(), values.max().item()
    return f"min {_number(low)}, mean {_number(mean)}, max {_number(high)}"


# Parameters of an op's forward that are operands, shown in place (``Sub(3, ·)``); any other non-tensor
# argument is an option, shown by name (``Sum(·, dim=1)``), in PyTorch's words where NumPy's differ.
_OPERANDS = {"a", "b", "x", "y", "index", "exponent", "other"}
_PYTORCH_NAMES = {"axis": "dim", "axes": "dims", "keepdims": "keepdim"}


def _op_label(ctx):
    """The op's name, and its arguments when some are not tensors: ``Add``, ``Pow(·, 2)``, ``Sum(·, dim=1)``.

    Options left at None or False (``Sum`` over every element, without ``keepdim``) are not shown.
    """
    name = type(ctx).__name__
    if all(isinstance(arg, Tensor) for arg in ctx.inputs):
        return name
    try:
        parameters = list(inspect.signature(type(ctx).forward).parameters)[1:]  # after ctx
    except (TypeError, ValueError):
        parameters = []
    parts = []
    for i, arg in enumerate(ctx.inputs):
        parameter = parameters[i] if i < len(parameters) else None
        if isinstance(arg, Tensor) or parameter is None or parameter in _OPERANDS:
            parts.append(_argument_text(arg))
        elif arg is not None and arg is not False:
            parts.append(f"{_PYTORCH_NAMES.get(parameter, parameter)}={_argument_text(arg)}")
    if parts == ["·"]:
        return name
    return f"{name}({', '.join(parts)})"


def _argument_text(value, limit=24):
    """A short text for one op argument: ``·`` for a tensor, the value for numbers and shapes."""
    if isinstance(value, Tensor):
        return "·"
    if isinstance(value, (bool, type(None))):
        return repr(value)
    if value is Ellipsis:
        return "..."
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # Python and NumPy floats
        return _number(float(value))
    if isinstance(value, (tuple, list)):
        items = [_argument_text(v, limit) for v in value]
        text = f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        return text if len(text) <= limit else "(…)"
    if isinstance(value, slice):  # 1:, :3, ::2, as written in an index
        parts = (value.start, value.stop) if value.step is None else (value.start, value.stop, value.step)
        return ":".join("" if part is None else str(part) for part in parts)
    if hasattr(value, "shape"):  # an array argument: an index, a mask
        return f"array{_shape_text(value.shape)}"
    return type(value).__name__


def _quote(text):
    """``text`` as a DOT quoted string: backslashes and quotes escaped, line breaks as ``\\n``."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_source(name, nodes, edges):
    """DOT text: a ``digraph`` with one statement per node and per edge."""
    lines = [
        f"digraph {_quote(name)} {{",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11, style=filled];',
    ]
    for node_id, label, kind, color in nodes:
        shape = "box" if kind == "tensor" else "ellipse"
        lines.append(
            f"  {_quote(node_id)} [shape={shape}, fillcolor={_quote(color)}, label={_quote(label)}];"
        )
    lines.extend(f"  {_quote(tail)} -> {_quote(head)};" for tail, head in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- trace_backward ---------------------------------------------------------------------------------


@dataclass
class GradFlow:
    """One input of an op: its name, shape and the norm of the gradient the op sends it (None: none)."""

    name: str
    shape: tuple
    grad_norm: float | None


@dataclass
class BackwardStep:
    """One chain-rule step: ``op`` turns ∂L/∂output (norm ``grad_output_norm``) into ∂L/∂input per input."""

    step: int
    op: str  # "MulBackward", as PyTorch names the node
    output: str
    output_shape: tuple
    grad_output_norm: float  # everything the output's consumers sent it, summed
    inputs: list  # a GradFlow per tensor input


@dataclass
class LeafGrad:
    """A leaf that requires grad after the pass: name, shape, and the norm of its accumulated ``.grad``."""

    name: str
    shape: tuple
    grad_norm: float | None


class BackwardTrace(list):
    """The ``BackwardStep``s of a backward pass in the engine's order; ``leaves``: ``LeafGrad``s."""

    def __init__(self, steps, leaves):
        super().__init__(steps)
        self.leaves = leaves


def trace_backward(loss, file=None, retain_graph=False, names=None, params=None):
    """Run ``loss.backward()`` and print each chain-rule step as the engine takes it; return the steps.

    One line per op, in the engine's order (outputs before inputs): the op, its output, the norm of
    the gradient arriving there (∂L/∂output, summed over all its consumers) and the norm of the
    gradient it sends to each input; then the leaves' accumulated ``.grad`` norms. Gradients
    accumulate into ``.grad`` exactly as ``loss.backward(retain_graph=...)`` would: the trace watches
    that one pass (``engine.observe_steps``), each backward runs once.

    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> loss = (w * 3).sum()
    >>> steps = viz.trace_backward(loss, names={"w": w})   # SumBackward, then MulBackward → w
    >>> steps[1].inputs[0].grad_norm                       # ‖∂L/∂w‖ = ‖(3, 3)‖ = 4.243
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(loss).__name__}")
    order = _graph_order(loss, "trace_backward")
    labels = _tensor_names(order, names, params, "trace_backward")
    steps = []
    with engine.observe_steps(_step_recorder(labels, steps)):
        loss.backward(retain_graph=retain_graph)
    leaves = [_leaf_record(t, labels[t]) for t in order if t._ctx is None and t._requires_grad]
    trace = BackwardTrace(steps, leaves)
    print(format_trace(trace), file=file)
    return trace


def _internal(tensor):
    """The outputs of a Function with several outputs meet at a hidden node of the Function; their
    gradients travel there in slots, not as arrays, so the trace shows neither hop (nor that step)."""
    ctx = tensor._ctx
    node = getattr(ctx, "node", None)
    return type(ctx) is FunctionOutput or (node is not None and node() is tensor)


def _step_recorder(labels, steps):
    """An engine observer: after each chain-rule step, record the norms of the gradient that arrived
    at the op's output and of what its backward sent each input (hidden hops are not steps)."""

    def record(ctx, tensor, grad, input_grads):
        if _internal(tensor):
            return
        flows = [
            _flow(parent, parent_grad, ctx.xp, labels[parent])
            for parent, parent_grad in zip(ctx.inputs, input_grads)
            if isinstance(parent, Tensor)
        ]
        arriving = _norm(grad, ctx.xp)
        steps.append(BackwardStep(len(steps) + 1, ctx.name, labels[tensor], tensor.shape, arriving, flows))

    return record


def _flow(parent, grad, xp, name):
    """What an op sends one input, summed to the input's shape as the engine does (undoing broadcasting)."""
    if grad is None or not parent._requires_grad:
        return GradFlow(name, parent.shape, None)
    if grad.shape != parent.shape:
        grad = xp.sum_to(grad, parent.shape)
    return GradFlow(name, parent.shape, _norm(grad, xp))


def _leaf_record(leaf, name):
    """The leaf's accumulated ``.grad`` as a ``LeafGrad`` (its norm, or None before any gradient)."""
    grad = leaf.grad
    norm = None if grad is None else _norm(grad.data, grad._backend())
    return LeafGrad(name, leaf.shape, norm)


def format_trace(trace):
    """The text ``trace_backward`` prints: a header, one line per step, then the leaves."""
    rows = [
        (
            str(step.step),
            step.op,
            f"{step.output} {_shape_text(step.output_shape)}",
            _number(step.grad_output_norm),
            ", ".join(_named(flow) + f": {_number(flow.grad_norm)}" for flow in step.inputs),
        )
        for step in trace
    ]
    header = ("step", "op", "output", "‖∂L/∂output‖", "‖gradient sent‖ to each input")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [_aligned(header, widths)] + [_aligned(row, widths) for row in rows]
    lines.append("leaves (accumulated .grad):")
    lines.extend(f"  {_named(leaf)}: ‖grad‖ = {_number(leaf.grad_norm)}" for leaf in trace.leaves)
    return "\n".join(lines)


def _named(record):
    """``w (3,)``: a record's tensor name and shape."""
    return f"{record.name} {_shape_text(record.shape)}"


def _aligned(row, widths):
    """Columns padded to ``widths`` (the step number right-aligned), the last column as it is."""
    step, op, output, norm, sent = row
    return f"{step:>{widths[0]}}  {op:<{widths[1]}}  {output:<{widths[2]}}  {norm:>{widths[3]}}  {sent}"
