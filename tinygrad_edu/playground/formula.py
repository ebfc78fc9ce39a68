"""A formula in x and y, parsed into a small tree — never handed to Python's ``eval``.

The grammar (the usual precedence; ``**`` binds tighter than a leading minus and groups to the right,
as in Python, so ``-x**2`` is −(x²) and ``2**3**2`` is 2⁹)::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("+" | "-") unary | power
    power   := atom ("**" unary)?
    atom    := NUMBER | "x" | "y" | "pi" | "e" | FUNCTION "(" sum ")" | "(" sum ")"

with FUNCTION one of ``sin cos tan exp log sqrt abs tanh``. The typographic minus "−" counts as "-".

``parse(text)`` returns the tree as nested tuples — ``("num", 2.0)``, ``("var", "x")``,
``("neg", a)``, ``("bin", "+", a, b)``, ``("call", "sin", a)`` — or raises ``FormulaError``, whose
``position`` is the index in ``text`` where the problem is. ``evaluate(tree, x, y)`` computes it with
Tensor operations (so autograd differentiates it) or on plain NumPy arrays; ``to_python(tree)`` writes
it as Python source using ``tg.sin`` and friends, for the "copy as Python" script.
"""

import math
import re

import numpy as np

MAX_LENGTH = 500  # characters: a formula is a line, not a program
MAX_DEPTH = 40  # nested parentheses, calls and unary signs
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh")
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<op>\*\*|[-+*/()]))"
)


class FormulaError(ValueError):
    """A formula that does not parse; ``position`` is the 0-based index of the offending character."""

    def __init__(self, message, position):
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


def tokenize(text):
    """The list of ``(kind, value, position)`` tokens of ``text``, ending with ``("end", None, len)``."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be a string, got {type(text).__name__}", 0)
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long, at most {MAX_LENGTH} are allowed", 0)
    text = text.replace("\u2212", "-")  # the typographic minus of the docs
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            start = len(text) - len(text[position:].lstrip())
            char = text[start]
            hint = " (write powers as **)" if char == "^" else ""
            raise FormulaError(f"unexpected character {char!r}{hint}", start)
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append((kind, match.group(kind), start))
        position = match.end()
    tokens.append(("end", None, len(text)))
    return tokens


class _Parser:
    """Recursive descent over the token list, one method per grammar rule."""

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self):
        return self.tokens[self.index]

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *ops):
        kind, value, _ = self.current
        return kind == "op" and value in ops

    def expect(self, op, why):
        kind, value, position = self.current
        if kind == "op" and value == op:
            return self.take()
        raise FormulaError(f"expected {op!r} {why}, found {_describe(kind, value)}", position)

    def nested(self, rule):
        """Run ``rule`` one level deeper, refusing formulas nested more than ``MAX_DEPTH`` deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep", self.current[2])
        try:
            return rule()
        finally:
            self.depth -= 1

    def formula(self):
        tree = self.sum()
        kind, value, position = self.current
        if kind != "end":
            raise FormulaError(f"unexpected {_describe(kind, value)} (an operator is missing?)", position)
        return tree

    def sum(self):
        return self.left_associative(("+", "-"), self.product)

    def product(self):
        return self.left_associative(("*", "/"), self.unary)

    def left_associative(self, ops, operand):
        """``operand (op operand)*`` for ``op`` in ``ops``, grouped from the left: a - b - c = (a - b) - c."""
        tree = operand()
        while self.at(*ops):
            op = self.take()[1]
            tree = ("bin", op, tree, operand())
        return tree

    def unary(self):
        if self.at("+", "-"):
            op = self.take()[1]
            operand = self.nested(self.unary)
            return ("neg", operand) if op == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        if self.at("**"):
            self.take()
            return ("bin", "**", base, self.nested(self.unary))
        return base

    def atom(self):
        kind, value, position = self.take()
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):
                raise FormulaError(f"the number {value} is too large for a float64", position)
            return ("num", number)
        if kind == "name":
            if value in VARIABLES:
                return ("var", value)
            if value in CONSTANTS:
                return ("num", CONSTANTS[value])
            if value in FUNCTIONS:
                self.expect("(", f"after {value}")
                argument = self.nested(self.sum)
                self.expect(")", f"to close {value}(")
                return ("call", value, argument)
            known = ", ".join(VARIABLES + tuple(CONSTANTS) + FUNCTIONS)
            raise FormulaError(f"unknown name {value!r} (known: {known})", position)
        if kind == "op" and value == "(":
            inner = self.nested(self.sum)
            self.expect(")", "to close '('")
            return inner
        found = _describe(kind, value)
        raise FormulaError(f"expected a number, x, y, a function or '(', found {found}", position)


def _describe(kind, value):
    return "the end of the formula" if kind == "end" else repr(value)


def parse(text):
    """The tree of ``text`` (see the module docstring), or ``FormulaError`` naming where it went wrong."""
    tree = _Parser(text).formula()
    if not uses_variables(tree):
        raise FormulaError("the formula must use x or y", 0)
    return tree


def uses_variables(tree):
    """Whether x or y occurs in ``tree``."""
    if tree[0] == "var":
        return True
    return any(uses_variables(child) for child in tree[1:] if isinstance(child, tuple))


# ---- evaluation ------------------------------------------------------------------------------------------


def evaluate(tree, x, y, functions):
    """The value of ``tree`` at ``x``, ``y`` (Tensors or arrays), with ``functions[name]`` for each call.

    Numbers stay NumPy float64 scalars, so a constant part such as ``10**400`` becomes inf (and the run
    that meets it stops as diverged) instead of raising as Python floats would.
    """
    kind = tree[0]
    if kind == "num":
        return np.float64(tree[1])
    if kind == "var":
        return x if tree[1] == "x" else y
    if kind == "neg":
        return -evaluate(tree[1], x, y, functions)
    if kind == "call":
        return functions[tree[1]](evaluate(tree[2], x, y, functions))
    _, op, left, right = tree
    a, b = evaluate(left, x, y, functions), evaluate(right, x, y, functions)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b


# ---- back to text ----------------------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}


def to_python(tree, module="tg"):
    """Python source for ``tree``, calling ``{module}.sin`` etc. (``tan`` as sin/cos), fully bracketed
    where precedence needs it, so that Python computes exactly what ``evaluate`` computes."""
    kind = tree[0]
    if kind == "num":
        return repr(tree[1])
    if kind == "var":
        return tree[1]
    if kind == "call":
        inner = to_python(tree[2], module)
        if not uses_variables(tree[2]):  # a constant such as sin(2): computed in float64, as evaluate does
            inner = f"{module}.tensor({inner}, dtype={module}.float64)"
        if tree[1] == "tan":
            return f"({module}.sin({inner}) / {module}.cos({inner}))"
        return f"{module}.{tree[1]}({inner})"
    if kind == "neg":
        return f"-{_wrapped(tree[1], _PRECEDENCE['neg'], module, right=True)}"
    _, op, left, right = tree
    level = _PRECEDENCE[op]
    if op == "**":  # right-associative: the base needs brackets at equal level, the exponent does not
        return f"{_wrapped(left, level + 1, module)} ** {_wrapped(right, level - 1, module, right=True)}"
    return f"{_wrapped(left, level, module)} {op} {_wrapped(right, level + 1, module, right=True)}"


def _wrapped(tree, level, module, right=False):
    """``to_python(tree)``, in parentheses when it binds less tightly than ``level``."""
    text = to_python(tree, module)
    if tree[0] == "num" and (tree[1] < 0 or "e" in text or "inf" in text):
        return f"({text})"
    own = _PRECEDENCE["neg"] if tree[0] == "neg" else _PRECEDENCE.get(tree[1]) if tree[0] == "bin" else 5
    return f"({text})" if own < level else text
