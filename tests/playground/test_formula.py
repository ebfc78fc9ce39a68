"""The formula parser: precedence as in Python, errors with positions, and fuzzing (no input crashes it or
reaches Python's evaluation)."""

import builtins
import contextlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.playground import api, formula, surfaces

pytestmark = pytest.mark.cpu_only

NUMPY = surfaces.NUMPY_FUNCTIONS


def value(text, x=0.7, y=-1.3):
    return float(formula.evaluate(formula.parse(text), np.float64(x), np.float64(y), NUMPY))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-x**2", -(0.7**2)),
        ("x + 2**3**2", 0.7 + 2.0**9),
        ("(-x)**2", 0.7**2),
        ("x - y - 1", 0.7 + 1.3 - 1),
        ("x / y / 2", 0.7 / -1.3 / 2),
        ("2*x + 3*y", 2 * 0.7 + 3 * -1.3),
        ("sin(x) * cos(y) + tan(x)", math.sin(0.7) * math.cos(-1.3) + math.sin(0.7) / math.cos(0.7)),
        (
            "exp(-abs(y)) + sqrt(x) + log(x) + tanh(y)",
            math.exp(-1.3) + math.sqrt(0.7) + math.log(0.7) + math.tanh(-1.3),
        ),
        ("pi * x + e", math.pi * 0.7 + math.e),
        ("x \u2212 1.5e-1", 0.7 - 0.15),
        ("+x * -y", 0.7 * 1.3),
        (".5*x", 0.35),
    ],
)
def test_precedence_and_functions_follow_python(text, expected):
    assert value(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("x +", 3, "end of the formula"),
        ("x ^ 2", 2, "write powers as **"),
        ("(x + y", 6, "to close '('"),
        ("sin x", 4, "expected '('"),
        ("2x", 1, "operator is missing"),
        ("foo(x)", 0, "unknown name 'foo'"),
        ("__import__(x)", 0, "unknown name"),
        ("__import__('os')", 11, "unexpected character"),
        ("x + 1e999", 4, "too large"),
        ("3 + 4", 0, "must use x or y"),
        ("x; y", 1, "unexpected character ';'"),
        ("", 0, "end of the formula"),
    ],
)
def test_errors_name_the_problem_and_where(text, position, words):
    with pytest.raises(formula.FormulaError) as caught:
        formula.parse(text)
    assert caught.value.position == position
    assert words in str(caught.value)


def test_length_and_depth_are_bounded():
    with pytest.raises(formula.FormulaError, match="at most 500"):
        formula.parse("x+" * 300 + "x")
    with pytest.raises(formula.FormulaError, match="nested more than"):
        formula.parse("(" * 60 + "x" + ")" * 60)
    with pytest.raises(formula.FormulaError, match="nested more than"):
        formula.parse("-" * 60 + "x")
    formula.parse("(" * 30 + "x" + ")" * 30)  # reasonable nesting is fine


def test_a_formula_differentiates_through_autograd():
    surface = surfaces.resolve({"expr": "x**2 * sin(y) + tan(x)"})
    points = np.array([[0.3, 0.4], [-1.0, 2.0]])
    loss, grad = surface.value_and_grad(points)
    x, y = points[:, 0], points[:, 1]
    np.testing.assert_allclose(loss, x**2 * np.sin(y) + np.tan(x), rtol=1e-14)
    np.testing.assert_allclose(grad[:, 0], 2 * x * np.sin(y) + 1 / np.cos(x) ** 2, rtol=1e-13)
    np.testing.assert_allclose(grad[:, 1], x**2 * np.cos(y), rtol=1e-13)


def test_named_surfaces_match_their_definitions():
    x, y = np.float64(0.31), np.float64(-0.77)
    peaks = tg.data.datasets.peaks(tg.tensor(x, dtype=tg.float64), tg.tensor(y, dtype=tg.float64)).item()
    assert surfaces.SURFACES["peaks"].value(np.array([[x, y]]))[0] == pytest.approx(peaks, rel=1e-14)
    for surface in surfaces.SURFACES.values():  # the minima are where the gradient vanishes
        if surface.minima:
            _, grad = surface.value_and_grad(np.array(surface.minima, dtype=np.float64))
            assert np.abs(grad).max() < 1e-3, surface.name


# ---- to_python: the script's f is the same function -------------------------------------------------------

_leaf = st.sampled_from(["x", "y", "2", "0.5", "3.25", "pi", "1e-3"])


def _formulas():
    return st.recursive(
        _leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
                lambda t: f"{t[0]} {t[1]} {t[2]}"
            ),
            inner.map(lambda t: f"({t})"),
            inner.map(lambda t: f"-{t}"),
            st.tuples(st.sampled_from(formula.FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        ),
        max_leaves=8,
    )


@settings(max_examples=150, deadline=None)
@given(_formulas())
def test_to_python_computes_what_the_parser_computes(text):
    try:
        tree = formula.parse(text)
    except formula.FormulaError:
        return  # "2 + pi": no variable
    x, y = tg.tensor(0.37, dtype=tg.float64, device="cpu"), tg.tensor(1.21, dtype=tg.float64, device="cpu")
    with np.errstate(all="ignore"):
        ours = formula.evaluate(tree, x, y, surfaces.TENSOR_FUNCTIONS)
        source = formula.to_python(tree)
        theirs = eval(source, {"tg": tg, "x": x, "y": y})  # the test checks generated code, on purpose
    a, b = float(np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours)), float(theirs.item())
    assert (a == b) or (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12), source


# ---- fuzzing: arbitrary text never crashes and never reaches eval -----------------------------------------


@contextlib.contextmanager
def no_python_evaluation():
    """``eval``, ``exec`` and ``compile`` raise while the block runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("the formula reached Python's evaluation")

    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}
    try:
        for name in saved:
            setattr(builtins, name, refuse)
        yield
    finally:
        for name, function in saved.items():
            setattr(builtins, name, function)


_alphabet = st.sampled_from(
    list("xy0123456789.eE+-*/()^ _,;'\"[]{}")
    + ["sin", "cos", "exp", "log", "sqrt", "**", "__import__", "os", "lambda", "\u2212", "\x00", "é"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_alphabet, max_size=40).map("".join)))
def test_fuzz_the_parser(text):
    with no_python_evaluation():
        try:
            tree = formula.parse(text)
        except formula.FormulaError as error:
            assert 0 <= error.position <= len(text)
            return
        with np.errstate(all="ignore"):
            formula.evaluate(tree, np.array([0.5, -2.0]), np.array([1.5, 0.0]), NUMPY)


@settings(max_examples=100, deadline=None)
@given(st.lists(_alphabet, min_size=1, max_size=30).map("".join))
def test_fuzz_the_api_with_formulas(text):
    """Through the API: an answer or an ApiError (HTTP 400), never another exception."""
    body = {"surface": {"expr": text}, "start": [0.5, 0.5], "steps": 3, "runs": [{"optimizer": "Adam"}]}
    try:
        with no_python_evaluation():
            answer = api.run(body)
    except api.ApiError as error:
        assert str(error).startswith("formula:")
        return
    assert len(answer["runs"][0]["path"]) >= 1
