"""The kinds of checks the exercises use; each plugs the learner's code into the library and compares.

- ``check_op``: the learner's ``backward`` (and maybe ``forward``) becomes the op's, inside a real graph;
  its gradients are compared with the library op's and checked by ``tg.gradcheck`` in float64.
- ``check_helper``: a backward helper (``sum_to``, ``index_add``) compared directly, then used by
  the engine for every op while gradients are checked.
- ``check_engine``: a piece of the backward loop swapped into the engine, on graphs with shared
  tensors and a chain deeper than Python's recursion limit.
- ``check_optimizer`` / ``check_schedule``: the learner's update formula (or schedule) drives the
  library's optimizer for 50 steps; parameters (or rates) are compared step by step.
"""

import functools

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import backend

from .grading import LearnerError, compare, formula_patched, function, learner_code, patched, shapes_text

WRONG_SIGN = "wrong sign: compare your formula's sign with the derivative's"
FORGOT_GRAD = (
    "forgot the chain-rule factor: backward must return the incoming gradient `grad` times the local "
    "derivative, not the local derivative alone"
)


# ---- ops -------------------------------------------------------------------------------------------


class Case:
    """One call of an op: its arguments (float arrays become tensors that require grad) and a note."""

    def __init__(self, *args, note="", gradcheck=True, names=None):
        self.args = args
        self.note = note
        self.gradcheck = gradcheck  # False at a kink or a tie, where finite differences are meaningless
        self.names = names

    def is_input(self, i):
        value = self.args[i]
        return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _tensors(case):
    return [
        tg.tensor(a.copy(), requires_grad=True) if case.is_input(i) else a for i, a in enumerate(case.args)
    ]


def _describe(op_name, case, names):
    inputs = [i for i in range(len(case.args)) if case.is_input(i)]
    text = f"{op_name} for inputs " + shapes_text([case.args[i] for i in inputs], [names[i] for i in inputs])
    return text + (f" ({case.note})" if case.note else "")


def check_op(path, module, op, learned, cases, names, probes=None):
    """Grade the learner's methods ``learned`` ({"backward": "mul_backward", ...}) of library op ``op``.

    For each case: forward outputs (when forward is the learner's) and input gradients for a random
    upstream gradient must equal the library op's; then ``tg.gradcheck`` checks the learner's op.
    ``probes(case, expected)`` may add (hint, wrong gradients) pairs of mistakes typical of this op.
    """
    methods = {method: staticmethod(function(module, name)) for method, name in learned.items()}
    # named as the library's op, so engine errors read alike; of the learner's module, not the library's
    methods["__module__"] = getattr(module, "__name__", "learner")
    mine = type(op.__name__, (op,), methods)
    for number, case in enumerate(cases):
        rng = np.random.default_rng(number)
        try:
            with learner_code(path):
                _check_case(op, mine, case, names, learned, rng, probes)
        except LearnerError as error:  # say which inputs made the learner's code (or its result) fail
            label = learned["backward"].removesuffix("_backward")
            raise LearnerError(f"{_describe(label, case, case.names or names)}: {error}") from None


def _check_case(op, mine, case, names, learned, rng, probes):
    name = learned["backward"].removesuffix("_backward")  # as the workbook calls the op
    described = _describe(name, case, case.names or names)
    reference = _tensors(case)
    expected_out = op.apply(*reference)
    tensors = _tensors(case)
    out = mine.apply(*tensors)
    if "forward" in learned:
        compare(f"the output of {learned['forward']} for {described}", expected_out, out)
    leaves = [i for i in range(len(case.args)) if case.is_input(i)]
    seed = tg.tensor(rng.standard_normal(expected_out.shape) + 0.5)
    ones = tg.ones(expected_out.shape, dtype=tg.float64)
    ref_leaves = [reference[i] for i in leaves]
    expected = tg.autograd.grad(expected_out, ref_leaves, seed, retain_graph=True, allow_unused=True)
    local = tg.autograd.grad(expected_out, ref_leaves, ones, allow_unused=True)
    got = tg.autograd.grad(out, [tensors[i] for i in leaves], seed, allow_unused=True)
    extra = probes(case, expected) if probes else [[] for _ in leaves]
    for k, i in enumerate(leaves):
        e = _zeros_for_none(expected[k], case.args[i])
        g = _zeros_for_none(got[k], case.args[i])
        hints = [(WRONG_SIGN, -e.numpy()), (FORGOT_GRAD, _zeros_for_none(local[k], case.args[i]))]
        compare(f"{described}: the gradient of {(case.names or names)[i]}", e, g, hints + list(extra[k]))
    if case.gradcheck:
        tg.gradcheck(lambda *xs: mine.apply(*_rebuild(case, xs)), [tensors[i] for i in leaves])


def _zeros_for_none(grad, like):
    """A gradient that did not arrive (None) counts as zeros."""
    return tg.zeros(np.shape(like), dtype=tg.float64) if grad is None else grad


def _rebuild(case, inputs):
    """The op's arguments with the float arrays replaced by ``inputs`` (for gradcheck)."""
    inputs = iter(inputs)
    return [next(inputs) if case.is_input(i) else a for i, a in enumerate(case.args)]


# ---- helpers of backward (sum_to, index_add) -----------------------------------------------------------


def check_helper(path, module, name, reference, direct_cases, graph_cases, probes=None):
    """Grade ``name(xp, ...)``: equal to ``reference`` on ``direct_cases`` (argument tuples), then
    plugged into the CPU backend (``ctx.xp.<name>``) while ``graph_cases`` (fn, inputs) are gradchecked."""
    mine = function(module, name)
    for args in direct_cases:
        with learner_code(path):
            got = mine(np, *args)
            expected = reference(np, *args)
            what = f"{name}(xp, " + ", ".join(_short(a) for a in args) + ")"
            compare(what, expected, got, probes(args) if probes else ())
    cpu = backend.get_backend("cpu")
    with patched(cpu, name, functools.partial(mine, np)):
        for fn, arrays, note in graph_cases:
            with learner_code(path):
                inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
                tg.gradcheck(fn, inputs)
                got = tg.autograd.grad(fn(*inputs).sum(), inputs)
            with patched(cpu, name, getattr(type(cpu), name).__get__(cpu)):
                expected = tg.autograd.grad(fn(*inputs).sum(), inputs)
            for k, (e, g) in enumerate(zip(expected, got)):
                compare(f"inside a graph ({note}), the gradient of input {k} {tuple(arrays[k].shape)}", e, g)


def _short(value):
    """How an argument appears in a message: arrays by shape, the rest as written."""
    if isinstance(value, np.ndarray):
        return f"<array {value.shape}>"
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        return "(" + ", ".join(_short(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


# ---- the engine ----------------------------------------------------------------------------------------


def check_engine(path, module, name, engine_name, graphs):
    """Grade the learner's ``name`` swapped in for ``engine.<engine_name>``: every graph's leaf
    gradients must equal the library's. ``graphs`` are (note, make) with ``make()`` → (loss, leaves)."""
    from tinygrad_edu.autograd import engine

    mine = function(module, name)
    for note, make in graphs:
        loss, leaves = make()
        expected = tg.autograd.grad(loss, leaves)
        loss, leaves = make()
        with learner_code(path), patched(engine, engine_name, mine):
            got = tg.autograd.grad(loss, leaves)
        for k, (e, g) in enumerate(zip(expected, got)):
            compare(f"{note}: the gradient of leaf {k} {tuple(e.shape)}", e, g)


# ---- optimizers ----------------------------------------------------------------------------------------


STEPS = 50


def _problem():
    """Two parameters and a loss with curvature, so each step's gradient differs."""
    rng = np.random.default_rng(0)
    params = [tg.tensor(rng.standard_normal(3), requires_grad=True)]
    params.append(tg.tensor(rng.standard_normal((2, 2)), requires_grad=True))
    targets = [rng.standard_normal(p.shape) for p in params]

    def loss():
        return sum(((p - t) ** 2 * 1.5).sum() + p.sin().sum() for p, t in zip(params, targets))

    return params, loss


def trajectory(make_optimizer, steps=STEPS, schedule=None):
    """The parameters after each of ``steps`` steps (a list of lists of arrays)."""
    params, loss = _problem()
    optimizer = make_optimizer(params)
    scheduler = schedule(optimizer) if schedule else None
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def check_optimizer(path, module, name, owner, configs, variants=()):
    """Grade the update function ``name`` (the library's ``owner.<name>``) inside the optimizer.

    ``configs`` are (description, make_optimizer); ``variants`` are (hint, wrong function) pairs: a
    mistake's trajectory, so a learner whose parameters follow one gets its hint.
    """
    mine = function(module, name)
    for description, make in configs:
        expected = trajectory(make)
        wrong = []
        for hint, variant in variants:
            try:
                with formula_patched(owner, name, variant):
                    wrong.append((hint, trajectory(make)))
            except (ArithmeticError, ValueError):  # a mistake that breaks at once has no trajectory
                continue
        start = [p.detach().numpy() for p in _problem()[0]]
        with learner_code(path), formula_patched(owner, name, mine):
            got = trajectory(make)
        for step, (e_params, g_params) in enumerate(zip(expected, got), 1):
            for k, (e, g) in enumerate(zip(e_params, g_params)):
                previous = start[k] if step == 1 else got[step - 2][k]
                hints = [(h, w[step - 1][k]) for h, w in wrong]
                hints.append(
                    (
                        "the parameter did not move: update the arrays in place (param -= ...), the "
                        "optimizer passes you the very arrays it keeps",
                        previous,
                    )
                )
                if step == 2:
                    hints += [_state_hint(e, g, expected, got, k)]
                compare(f"{description}, after step {step} of {STEPS}, parameter {k} {e.shape}", e, g, hints)


def _state_hint(e, g, expected, got, k):
    """Step 1 right and step 2 wrong: the state (a buffer) was rebound rather than updated in place."""
    first_right = np.allclose(expected[0][k], got[0][k])
    return (
        "step 1 is right, step 2 is not: update the state buffers in place (buf *= momentum; "
        "buf += grad), since a new array (buf = ...) is lost when the function returns",
        g if first_right else None,
    )


def check_schedule(path, module, name, scheduler_class, method, configs):
    """Grade the learner's ``name(self)`` as ``scheduler_class.<method>``: the learning rate of every
    epoch must equal the library scheduler's."""
    mine_fn = function(module, name)
    mine = type(scheduler_class.__name__, (scheduler_class,), {method: mine_fn})
    for description, make in configs:
        expected = _rates(make, scheduler_class)
        with learner_code(path):
            got = _rates(make, mine)
        shifted = [expected[0]] + expected[:-1]
        for epoch, (e, g) in enumerate(zip(expected, got)):
            hint = (
                "one epoch late: the rate of epoch t uses last_epoch = t (it is 0 before the first step)",
                shifted[epoch],
            )
            compare(f"{description}: the learning rate at epoch {epoch}", e, g, [hint])


def _rates(make, scheduler_class):
    param = tg.zeros(1, requires_grad=True)
    optimizer = tg.optim.SGD([param], lr=0.5)
    scheduler = make(scheduler_class, optimizer)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(STEPS):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return rates
