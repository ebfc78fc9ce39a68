"""Solutions and stub signatures read out of the library's own source, so the two cannot drift apart.

A solution is never a second copy of the reference code: it is the library function itself
(``inspect.getsource``), renamed to the name the workbook uses, together with the helpers of its
module that it calls (their source too) and the imports it needs. A stub is the same function's
signature with an empty body. When a library function moves or disappears, building the workbook
raises ``SourceMissing`` and a test fails.
"""

import ast
import builtins
import inspect
import sys
import textwrap
import types


class SourceMissing(RuntimeError):
    """A library function that the workbook is built from cannot be found or no longer fits."""


def _parsed(function):
    """(the dedented source without decorators, its ast.FunctionDef) of ``function``."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError) as error:
        raise SourceMissing(f"no source for {function!r}: {error}") from None
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise SourceMissing(f"{function!r} is not a plain function")
    lines = source.splitlines()[node.lineno - 1 :]  # from the def line: decorators dropped
    return "\n".join(lines) + "\n", node


def signature(function, name):
    """``def name(<the library function's parameters>):`` — the first line of a stub."""
    _, node = _parsed(function)
    return f"def {name}({ast.unparse(node.args)}):"


def solution_source(function, name, replacements=()):
    """The library function's source as a workbook solution named ``name``.

    ``replacements`` are (old, new) text pairs for a method that the workbook turns into a function
    (``self.module.sum`` → ``xp.sum``); each must occur, or ``SourceMissing`` says which is gone.
    """
    text, node = _parsed(function)
    text = text.replace(f"def {node.name}(", f"def {name}(", 1)
    for old, new in replacements:
        if old not in text:
            raise SourceMissing(f"{function.__qualname__}: expected {old!r} in its source")
        text = text.replace(old, new)
    return text


def dependencies(function, skip=()):
    """(import lines, helper sources) that the source of ``function`` needs to run on its own.

    Names of the library module that it reads become imports (modules, classes, constants), except
    the module's own functions, whose source is included (recursively, helpers first).
    """
    imports, helpers, seen = [], [], set(skip)

    def visit(fn):
        _, node = _parsed(fn)
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for name in sorted(names):
            if name in seen or name not in fn.__globals__ or hasattr(builtins, name):
                continue
            seen.add(name)
            value = fn.__globals__[name]
            if isinstance(value, types.ModuleType):
                line = f"import {value.__name__}" + ("" if value.__name__ == name else f" as {name}")
            elif isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
                visit(value)
                helpers.append(solution_source(value, name))
                continue
            else:  # from the module that defines it, where that module has it under this name
                home = getattr(value, "__module__", None)
                home = home if getattr(sys.modules.get(home), name, None) is value else fn.__module__
                line = f"from {home} import {name}"
            if line not in imports:
                imports.append(line)

    visit(function)
    return imports, helpers
