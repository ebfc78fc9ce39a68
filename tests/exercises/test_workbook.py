"""The exercise workbook: solutions pass, stubs are "not started", and every planted mistake fails
its own exercise with a message that names the wrong value (and a hint where the mistake is common)."""

import os
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import exercises
from tinygrad_edu.exercises import checks, grading, source
from tinygrad_edu.ops import binary

pytestmark = pytest.mark.cpu_only  # the grader always runs on the CPU

NAMES = [e.name for e in exercises.EXERCISES]


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("solved"))
    exercises.start(directory, solutions=True)
    return directory


def plant(directory, tmp_path, name, code):
    """A copy of exercise ``name``'s solved file with ``code`` appended (its definitions win)."""
    exercise = exercises.find([name])[0]
    with open(os.path.join(directory, exercise.filename), encoding="utf-8") as f:
        text = f.read()
    with open(tmp_path / exercise.filename, "w", encoding="utf-8") as f:
        f.write(text + "\n\n" + textwrap.dedent(code))
    return str(tmp_path)


def test_at_least_twenty_exercises_in_course_order():
    assert len(exercises.EXERCISES) >= 20
    assert [e.number for e in exercises.EXERCISES] == list(range(1, len(NAMES) + 1))
    assert len(set(NAMES)) == len(NAMES)
    parts = [e.part for e in exercises.EXERCISES]
    assert parts == sorted(parts), "parts appear in order"
    assert NAMES[-1] == "capstone"


def test_the_solved_workbook_passes(solved):
    results = exercises.check(solved)
    assert [(r.exercise.name, r.status) for r in results] == [(n, "passed") for n in NAMES]
    assert "test accuracy" in results[-1].message


def test_untouched_stubs_are_not_started_not_crashes(tmp_path):
    exercises.start(str(tmp_path))
    results = exercises.check(str(tmp_path))
    assert {r.status for r in results} == {"not started"}
    for r in results:
        assert "not started" in r.message and "Traceback" not in r.message


def test_every_exercise_reads_only_its_own_file(solved, tmp_path):
    """With every other file missing, each exercise still passes: a mistake can fail only its own
    exercise (and block the capstone, which waits for all)."""
    for exercise in exercises.EXERCISES[:-1]:
        folder = tmp_path / exercise.name
        folder.mkdir()
        with open(os.path.join(solved, exercise.filename), encoding="utf-8") as f:
            (folder / exercise.filename).write_text(f.read(), encoding="utf-8")
        (result,) = exercises.check(str(folder), [exercise.name])
        assert result.status == "passed", (exercise.name, result.message)


# name -> (a realistic mistake, appended to the solution, and what the message must say)
MISTAKES = {
    "forward_difference": (
        "def forward_difference(f, x, h):\n    return (f(x) - f(x + h)) / h\n",
        ["forward_difference(f=sin, x=-1.3, h=0.1): expected 0.315191, got -0.315191"],
    ),
    "central_difference": (
        "def central_difference(f, x, h):\n    return (f(x + h) - f(x - h)) / h\n",
        ["central_difference(f=sin, x=-1.3, h=0.1)", "hint: the quotient divides by 2h"],
    ),
    "gradient_descent": (
        "def gradient_descent(param, grad, *, lr):\n    param = param - lr * grad\n",
        ["after step 1 of 50, parameter 0", "at index (0,)", "hint: the parameter did not move"],
    ),
    "mul": (
        "def mul_backward(ctx, grad):\n    a, b = ctx.saved_tensors\n    return grad * a, grad * b\n",
        ["mul for inputs a (2, 3), b (2, 3): the gradient of a at index (0, 0): expected"],
    ),
    "div": (
        "def div_backward(ctx, grad):\n    a, b = ctx.saved_tensors\n    return grad / b, grad * a / b**2\n",
        ["div for inputs a (2, 3), b (2, 3): the gradient of b at index (0, 0)", "hint: wrong sign"],
    ),
    "pow": (
        """
        def pow_backward(ctx, grad):
            a, b, out = ctx.saved_tensors
            if isinstance(b, (int, float)):
                return grad * b * a**b, None
            return grad * b * a ** (b - 1), grad * out * ctx.xp.log(a)
        """,
        ["pow for inputs a (3,) (b = 3): the gradient of a at index (0,)"],
    ),
    "exp": (
        "def exp_backward(ctx, grad):\n    (out,) = ctx.saved_tensors\n    return out\n",
        ["exp for inputs x (): the gradient of x: expected", "hint: forgot the chain-rule factor"],
    ),
    "log": (
        "def log_backward(ctx, grad):\n    (x,) = ctx.saved_tensors\n    return grad * x\n",
        ["log for inputs x (): the gradient of x: expected"],
    ),
    "tanh": (
        "def tanh_backward(ctx, grad):\n    (out,) = ctx.saved_tensors\n    return grad * (1 + out * out)\n",
        ["tanh for inputs x (): the gradient of x: expected"],
    ),
    "sigmoid": (
        "def sigmoid_backward(ctx, grad):\n    (out,) = ctx.saved_tensors\n    return grad * out * (1 + out)",
        ["sigmoid for inputs x (): the gradient of x: expected"],
    ),
    "relu": (
        "def relu_backward(ctx, grad):\n    (out,) = ctx.saved_tensors\n    return grad * (out >= 0)\n",
        [
            "relu for inputs x (4,) (x = 0 at indices 0 and 2, the kink): "
            "the gradient of x at index (0,): expected 0"
        ],
    ),
    "sum_to": (
        """
        def sum_to(xp, grad, shape):
            lead = grad.ndim - len(shape)
            return grad.sum(axis=tuple(range(lead))) if lead else grad
        """,
        [
            "sum_to(xp, <array (2, 3)>, (2, 1)): got shape (2, 3), expected shape (2, 1)",
            "hint: forgot to sum over broadcast dimensions",
        ],
    ),
    "sum": (
        """
        def sum_backward(ctx, grad):
            xp = ctx.xp
            grad = _kept(xp, grad, ctx.shape, ctx.axis, ctx.keepdims)
            return xp.broadcast_to(grad / ctx.shape[-1], ctx.shape), None, None
        """,
        ["sum for inputs x (2, 3) (axis=None, keepdims=False): the gradient of x at index (0, 0)"],
    ),
    "mean": (
        """
        def mean_backward(ctx, grad):
            xp = ctx.xp
            grad = _kept(xp, grad, ctx.shape, ctx.axis, ctx.keepdims)
            return xp.broadcast_to(grad, ctx.shape), None, None
        """,
        [
            "mean for inputs x (2, 3) (axis=None, keepdims=False): the gradient of x at index (0, 0)",
            "hint: forgot to divide by the count n",
        ],
    ),
    "amax": (
        """
        def amax_forward(ctx, x, axis, keepdims):
            xp = ctx.xp
            top = x.max(axis=axis, keepdims=True)
            ctx.save_for_backward(xp.astype(x == top, x.dtype))  # every tie gets the whole gradient
            ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
            return top if keepdims else xp.reshape(top, _reduced_shape(x.shape, axis))
        """,
        ["amax for inputs x (2, 3) (axis=None, keepdims=False, with ties): the gradient of x at index"],
    ),
    "reshape_permute": (
        """
        def permute_forward(ctx, x, dims):
            ctx.inverse = dims  # the permutation itself, not its inverse
            return ctx.xp.transpose(x, dims)
        """,
        ["PermuteBackward returned an invalid gradient", "got [3, 4, 2]"],
    ),
    "index_add": (
        """
        def index_add(xp, shape, index, values):
            out = xp.zeros(shape, dtype=values.dtype)
            out[index] += values
            return out
        """,
        [
            "index_add(xp, (3,), (<array (4,)>,), <array (4,)>) at index (0,)",
            "hint: repeated indices must add up",
        ],
    ),
    "matmul": (
        """
        def matmul_backward(ctx, grad):
            a, b = ctx.saved_tensors
            xp = ctx.xp
            return xp.ones_like(grad) @ xp.swapaxes(b, -1, -2), xp.swapaxes(a, -1, -2) @ grad
        """,
        [
            "matmul for inputs A (2, 3), B (3, 4): the gradient of A at index (0, 0)",
            "hint: forgot the chain-rule",
        ],
    ),
    "softmax": (
        """
        def softmax_backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return out * (grad - ctx.xp.sum(grad, axis=ctx.axis, keepdims=True)), None
        """,
        ["softmax for inputs x (4,) (axis=0): the gradient of x at index (0,)"],
    ),
    "log_softmax": (
        """
        def log_softmax_backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad - out * ctx.xp.sum(grad, axis=ctx.axis, keepdims=True), None
        """,
        ["log_softmax for inputs x (4,) (axis=0): the gradient of x at index (0,)"],
    ),
    "cross_entropy": (
        """
        def cross_entropy_backward(ctx, grad):
            logits, coefficients, log_probs, divisor = ctx.saved_tensors
            grad_logits = (ctx.xp.exp(log_probs) - coefficients) * grad
            return grad_logits, -log_probs * grad / divisor, None, None
        """,
        [
            "cross_entropy for inputs logits (4, 3), coefficients (4, 3): "
            "the gradient of logits at index (0, 0)",
            "hint: forgot to divide by d",
        ],
    ),
    "topological_order": (
        """
        def topological_order(roots):
            order, queue, seen = [], list(roots), set()
            while queue:  # breadth first: a tensor may come before a tensor that feeds it
                node = queue.pop(0)
                if node in seen or not node._requires_grad:
                    continue
                seen.add(node)
                order.append(node)
                if node._ctx is not None:
                    queue += [t for t in node._ctx.inputs if isinstance(t, tg.Tensor)]
            return order[::-1]
        import tinygrad_edu as tg
        """,
        ["a diamond: y = x·w feeds sin, cos and y·y: the gradient of leaf 0 (3,) at index (0,)"],
    ),
    "accumulate": (
        "def add_gradient(grads, tensor, grad):\n    grads[tensor] = grad  # the last one wins\n",
        ["a diamond: y = x·w feeds sin, cos and y·y: the gradient of leaf 0 (3,) at index"],
    ),
    "sgd": (
        """
        def sgd(xp, param, grad, momentum_buffer=None, *, lr, momentum, dampening, weight_decay, nesterov,
                maximize):
            buf = momentum_buffer
            if momentum:
                if buf is None:
                    buf = xp.array(grad)
                else:
                    buf *= momentum
                    buf += grad
                grad = buf  # Nesterov forgotten
            param -= lr * grad
            return {"momentum_buffer": buf}
        """,
        [
            "SGD(lr=0.05, momentum=0.9, nesterov=True), after step 1 of 50, parameter 0 (3,) at index (0,)",
            "hint: that is plain momentum",
        ],
    ),
    "adagrad": (
        """
        def adagrad(xp, param, grad, sum, *, step, lr, lr_decay, weight_decay, eps, maximize):
            sum += grad * grad
            param -= lr / (1 + (step - 1) * lr_decay) * grad / xp.sqrt(sum + 0.1)
        """,
        ["Adagrad(lr=0.1), after step 1 of 50, parameter 0 (3,) at index (0,)"],
    ),
    "rmsprop": (
        """
        def rmsprop(xp, param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha, eps,
                    weight_decay, momentum, centered, maximize):
            square_avg = alpha * square_avg + (1 - alpha) * grad * grad  # a new array: the state is lost
            param -= lr * grad / (xp.sqrt(square_avg) + eps)
        """,
        [
            "RMSprop(lr=0.01), after step 2 of 50, parameter 0 (3,) at index (0,)",
            "hint: step 1 is right, step 2 is not",
        ],
    ),
    "adam": (
        """
        def adam(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr, betas, eps,
                 weight_decay, amsgrad, maximize, decoupled_weight_decay):
            beta1, beta2 = betas
            exp_avg *= beta1
            exp_avg += (1 - beta1) * grad
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            m_hat = exp_avg / (1 - beta1 ** (step + 1))  # t counted from 0
            v_hat = exp_avg_sq / (1 - beta2 ** (step + 1))
            param -= lr * m_hat / (xp.sqrt(v_hat) + eps)
        """,
        [
            "Adam(lr=0.05), after step 1 of 50, parameter 0 (3,) at index (0,)",
            "hint: bias correction off by one step",
        ],
    ),
    "cosine_schedule": (
        """
        def cosine_lr(self):
            cosine = (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)) / 2
            return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]
        """,
        ["CosineAnnealingLR(T_max=10, eta_min=0.01): the learning rate at epoch 0: expected 0.5, got 0.488"],
    ),
}


def test_every_exercise_but_the_capstone_has_a_planted_mistake():
    assert set(MISTAKES) == set(NAMES[:-1])


@pytest.mark.parametrize("name", NAMES[:-1])
def test_a_planted_mistake_fails_its_exercise_naming_the_wrong_value(solved, tmp_path, name):
    code, expected = MISTAKES[name]
    folder = plant(solved, tmp_path, name, code)
    (result,) = exercises.check(folder, [name])
    assert result.status == "failed", result.message
    for text in expected:
        assert text in result.message, result.message
    assert "Traceback" not in result.message and "tinygrad_edu/exercises" not in result.message


def test_the_capstone_fails_when_the_network_bypasses_the_learners_ops(solved, tmp_path):
    code = """
    def train(x_train, y_train):
        model = tg.nn.Sequential(tg.nn.Linear(64, 10))
        return model
    """
    folder = plant(solved, tmp_path, "capstone", code)
    for exercise in exercises.EXERCISES[:-1]:  # the other exercises, solved
        with open(os.path.join(solved, exercise.filename), encoding="utf-8") as f:
            (tmp_path / exercise.filename).write_text(f.read(), encoding="utf-8")
    (result,) = exercises.check(folder, ["capstone"])
    assert result.status == "failed"
    assert "your training did not use: matmul_backward, relu_backward" in result.message


def test_the_capstone_waits_for_a_failing_exercise(solved, tmp_path):
    for exercise in exercises.EXERCISES:
        with open(os.path.join(solved, exercise.filename), encoding="utf-8") as f:
            (tmp_path / exercise.filename).write_text(f.read(), encoding="utf-8")
    plant(solved, tmp_path, "mul", MISTAKES["mul"][0])
    (result,) = exercises.check(str(tmp_path), ["capstone"])
    assert result.status == "blocked" and "mul (failed)" in result.message


def test_an_exception_in_the_learners_code_shows_the_learners_line(solved, tmp_path):
    code = "def mul_backward(ctx, grad):\n    a, b = ctx.saved_tensors\n    return grad * b, grad * c\n"
    folder = plant(solved, tmp_path, "mul", code)
    (result,) = exercises.check(folder, ["mul"])
    assert result.status == "failed"
    assert "NameError: name 'c' is not defined" in result.message
    assert (
        "04_mul.py, line" in result.message
        and "in mul_backward:  return grad * b, grad * c" in result.message
    )
    assert "checks.py" not in result.message


def test_a_recursive_topological_order_is_told_to_use_a_stack(solved, tmp_path):
    code = """
    def topological_order(roots):
        order, seen = [], set()

        def visit(t):
            if t in seen or not t._requires_grad:
                return
            seen.add(t)
            if t._ctx is not None:
                for parent in t._ctx.inputs:
                    if hasattr(parent, "_ctx"):
                        visit(parent)
            order.append(t)

        for root in roots:
            visit(root)
        return order
    """
    folder = plant(solved, tmp_path, "topological_order", code)
    (result,) = exercises.check(folder, ["topological_order"])
    assert result.status == "failed"
    assert "RecursionError" in result.message and "explicit stack" in result.message
    assert len(result.message.splitlines()) < 10


def test_adding_in_place_is_told_to_add_out_of_place(solved, tmp_path):
    code = """
    def add_gradient(grads, tensor, grad):
        previous = grads.get(tensor)
        if previous is None:
            grads[tensor] = grad
        else:
            previous += grad
    """
    folder = plant(solved, tmp_path, "accumulate", code)
    (result,) = exercises.check(folder, ["accumulate"])
    assert result.status == "failed" and "in add_gradient:  previous += grad" in result.message
    assert "hint: add out of place" in result.message


def test_a_syntax_error_names_the_line(solved, tmp_path):
    folder = plant(solved, tmp_path, "exp", "def exp_backward(ctx, grad)\n    return grad\n")
    (result,) = exercises.check(folder, ["exp"])
    assert result.status == "failed" and "07_exp.py, line" in result.message


def test_a_partly_written_exercise_is_not_started(tmp_path):
    exercises.start(str(tmp_path))
    amax = exercises.find(["amax"])[0]
    path = tmp_path / amax.filename
    text = path.read_text(encoding="utf-8").replace(
        'def amax_forward(ctx, x, axis, keepdims):\n    raise NotImplementedError("write this function")',
        "def amax_forward(ctx, x, axis, keepdims):\n    ctx.shape = x.shape\n    return x.max()",
    )
    path.write_text(text, encoding="utf-8")
    (result,) = exercises.check(str(tmp_path), ["amax"])
    assert result.status == "not started" and "amax_backward" in result.message


def test_start_refuses_to_overwrite(tmp_path):
    exercises.start(str(tmp_path))
    with pytest.raises(FileExistsError, match="not overwriting"):
        exercises.start(str(tmp_path), solutions=True)


def test_find_by_name_number_or_prefix():
    assert [e.name for e in exercises.find(["4", "adam", "cross"])] == ["mul", "cross_entropy", "adam"]
    with pytest.raises(ValueError, match="no exercise named 'nope'"):
        exercises.find(["nope"])


# ---- solutions come from the library's source -------------------------------------------------------------


def test_solutions_are_the_library_source_and_stubs_its_signatures():
    for exercise in exercises.EXERCISES[:-1]:
        solved = exercises.file_text(exercise, solution=True)
        stub = exercises.file_text(exercise)
        compile(solved, exercise.filename, "exec")
        compile(stub, exercise.filename, "exec")
        for piece in exercise.pieces:
            body = source.solution_source(piece.library, piece.name, piece.replacements)
            assert body in solved
            assert body.split(":\n", 1)[1].strip() not in stub  # the stub gives nothing away
            assert f"def {piece.name}(" in stub


def test_extraction_fails_loudly_when_a_library_function_changes():
    with pytest.raises(source.SourceMissing, match=r"expected 'self\.nowhere'"):
        source.solution_source(binary.Mul.backward, "mul_backward", [("self.nowhere", "xp")])
    with pytest.raises(source.SourceMissing):
        source.signature(len, "length")


def test_a_solution_brings_the_helpers_and_imports_it_needs():
    imports, helpers = source.dependencies(exercises.find(["amax"])[0].pieces[1].library)
    assert imports == []  # reduce.py's helpers are included as source, not imported
    assert any(h.startswith("def _kept(") for h in helpers)
    assert any(h.startswith("def _kept_shape(") for h in helpers)


# ---- the op grader over hypothesis-drawn broadcasting shapes ----------------------------------------------


@st.composite
def broadcast_shapes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    cut = draw(st.integers(0, len(shape)))
    other = tuple(1 if draw(st.booleans()) else n for n in shape[cut:])
    return (shape, other) if draw(st.booleans()) else (other, shape)


class Learner:
    """A stand-in for a learner's module."""

    def __init__(self, **functions):
        self.__dict__.update(functions)


def right_mul(ctx, grad):
    a, b = ctx.saved_tensors
    return grad * b, grad * a


def wrong_mul(ctx, grad):
    a, b = ctx.saved_tensors
    return grad * b, -grad * a


@settings(max_examples=15, deadline=None)
@given(broadcast_shapes(), st.integers(0, 2**16))
def test_the_op_grader_over_hypothesis_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (np.asarray(rng.standard_normal(s)) for s in shapes)
    case = [checks.Case(a, b)]
    with grading.on_cpu():
        checks.check_op(
            "mul.py",
            Learner(mul_backward=right_mul),
            binary.Mul,
            {"backward": "mul_backward"},
            case,
            ["a", "b"],
        )
        with pytest.raises(grading.Failure, match=r"mul for inputs .*: the gradient of b.*: expected .*got"):
            checks.check_op(
                "mul.py",
                Learner(mul_backward=wrong_mul),
                binary.Mul,
                {"backward": "mul_backward"},
                case,
                ["a", "b"],
            )


def test_compare_names_the_first_wrong_element_and_matching_hints():
    with pytest.raises(grading.Failure) as caught:
        grading.compare(
            "x",
            np.array([[1.0, 2.0], [3.0, 4.0]]),
            np.array([[1.0, 2.0], [-3.0, -4.0]]),
            [("sign", np.array([[1.0, 2.0], [-3.0, -4.0]])), ("other", np.zeros((2, 2)))],
        )
    assert str(caught.value) == "x at index (1, 0): expected 3, got -3\n  hint: sign"


def test_the_grader_restores_the_library(solved, tmp_path):
    folder = plant(solved, tmp_path, "sum_to", MISTAKES["sum_to"][0])
    exercises.check(folder, ["sum_to"])
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    (x + tg.ones(3, 2)).sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0]]
