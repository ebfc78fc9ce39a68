"""Writing the workbook's files (``start``) and grading them (``check``).

An exercise file is its instructions (the module docstring), the imports it offers, and either the
stubs (the library functions' signatures with a body that raises ``NotImplementedError``) or the
solution (the library functions' own source, see ``source.py``).
"""

import ast
import os
import textwrap

from . import source
from .catalog import EXERCISES
from .grading import Failure, LearnerError, NotStarted, load, on_cpu

PASSED, FAILED, NOT_STARTED, BLOCKED = "passed", "failed", "not started", "blocked"


def find(names):
    """The exercises named by ``names`` (a name, its number, or the start of a name); all for none."""
    if not names:
        return list(EXERCISES)
    chosen = []
    for name in names:
        key = name.lower().removesuffix(".py")
        matches = [e for e in EXERCISES if key in (e.name, e.filename[:-3], str(e.number), f"{e.number:02d}")]
        matches = matches or [e for e in EXERCISES if e.name.startswith(key)]  # an exact name wins
        if not matches:
            known = ", ".join(e.name for e in EXERCISES)
            raise ValueError(f"no exercise named {name!r}; the exercises are: {known}")
        chosen += [e for e in matches if e not in chosen]
    return sorted(chosen, key=lambda e: e.number)


# ---- writing the files ------------------------------------------------------------------------------


def file_text(exercise, solution=False):
    """The text of one exercise file: instructions, imports, then stubs or solution."""
    header = (
        f'"""Exercise {exercise.number:02d} · {exercise.name} — {exercise.title}\n\n'
        f"{exercise.part}\n\n{exercise.text}\n\n"
        f"Check it:  tinygrad-edu exercises check . {exercise.name}\n"
        '"""\n'
    )
    if exercise.pieces == []:  # the capstone: its own stub and solution
        body = exercise.solution if solution else exercise.stub
        return header + "\n" + body
    imports = list(exercise.imports)
    parts = []
    for piece in exercise.pieces:
        if solution:
            needed, helpers = source.dependencies(piece.library)
            imports += [line for line in needed if line not in imports]
            parts += [h for h in helpers if h not in parts]
            parts.append(source.solution_source(piece.library, piece.name, piece.replacements))
        else:
            parts.append(
                source.signature(piece.library, piece.name)
                + '\n    raise NotImplementedError("write this function")\n'
            )
    code = "\n\n".join(_wrapped(p) for p in parts)
    imports_text = "\n".join(imports) + "\n\n" if imports else ""
    return header + "\n" + imports_text + "\n" + code


def _wrapped(code):
    """Break a very long ``def`` line after commas, so stubs stay readable."""
    first, _, rest = code.partition("\n")
    if len(first) <= 100 or not first.startswith("def "):
        return code
    name, _, params = first.partition("(")
    params = params.removesuffix("):")
    lines = textwrap.wrap(params, width=92, break_long_words=False)
    return f"{name}(\n" + "\n".join("    " + line for line in lines) + "\n):\n" + rest


def start(directory, solutions=False):
    """Write one file per exercise into ``directory`` (created if needed); never overwrites a file.

    Returns the paths written. Raises ``FileExistsError`` naming the files that already exist.
    """
    os.makedirs(directory, exist_ok=True)
    paths = [os.path.join(directory, e.filename) for e in EXERCISES]
    existing = [p for p in paths if os.path.exists(p)]
    if existing:
        names = ", ".join(os.path.basename(p) for p in existing)
        raise FileExistsError(f"{directory} already has {names}: not overwriting (choose an empty folder)")
    for exercise, path in zip(EXERCISES, paths):
        with open(path, "w", encoding="utf-8") as f:
            f.write(file_text(exercise, solution=solutions))
    return paths


# ---- grading --------------------------------------------------------------------------------------------


class Result:
    """The grade of one exercise: status, a one-line summary and the full message."""

    def __init__(self, exercise, status, message=""):
        self.exercise = exercise
        self.status = status
        self.message = message

    @property
    def summary(self):
        return self.message.splitlines()[0] if self.message else ""

    def as_dict(self):
        return {
            "number": self.exercise.number,
            "name": self.exercise.name,
            "file": self.exercise.filename,
            "title": self.exercise.title,
            "status": self.status,
            "message": self.message,
        }


def grade_one(exercise, directory, others=None):
    """Grade one exercise's file in ``directory``; ``others`` feeds the capstone."""
    path = os.path.join(directory, exercise.filename)
    if not os.path.exists(path):
        return Result(
            exercise, NOT_STARTED, f"{exercise.filename} is missing (tinygrad-edu exercises start DIR)"
        ), None
    try:
        module = load(path)
        with on_cpu():
            if others is None:
                note = exercise.grade(path, module)
            else:
                note = exercise.grade(path, module, others)
    except NotStarted as why:
        return Result(exercise, NOT_STARTED, str(why)), None
    except (Failure, LearnerError) as why:
        return Result(exercise, FAILED, str(why)), None
    except RecursionError:
        return Result(exercise, FAILED, "RecursionError: maximum recursion depth exceeded"), None
    return Result(exercise, PASSED, note or ""), module


def check(directory, names=()):
    """Grade the exercises ``names`` (all by default) in ``directory``; a list of ``Result``.

    The capstone plugs in the learner's pieces of every other exercise, so it is graded after them
    and only when they all pass (else its status is ``blocked``).
    """
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"no folder {directory} (create the workbook with: tinygrad-edu exercises start DIR)"
        )
    chosen = find(names)
    capstone = EXERCISES[-1]
    needed = EXERCISES[:-1] if capstone in chosen else [e for e in chosen]
    results, modules = {}, {}
    for exercise in needed:
        results[exercise], modules[exercise] = grade_one(exercise, directory)
    if capstone in chosen:
        waiting = [e for e in EXERCISES[:-1] if results[e].status != PASSED]
        path = os.path.join(directory, capstone.filename)
        if waiting and (not os.path.exists(path) or _is_stub(path, "train")):
            results[capstone] = Result(
                capstone, NOT_STARTED, "train still raises NotImplementedError (not started)"
            )
        elif waiting:
            names = ", ".join(f"{e.name} ({results[e].status})" for e in waiting)
            results[capstone] = Result(capstone, BLOCKED, f"waits for the other exercises to pass: {names}")
        else:
            others = [(e, modules[e]) for e in EXERCISES[:-1]]
            results[capstone] = grade_one(capstone, directory, others)[0]
    return [results[e] for e in chosen]


def _is_stub(path, name):
    """True when the file's function ``name`` only raises NotImplementedError (as ``start`` wrote it)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            body = [
                n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
            ]
            return (
                len(body) == 1
                and isinstance(body[0], ast.Raise)
                and "NotImplementedError" in ast.unparse(body[0])
            )
    return False


__all__ = [
    "BLOCKED",
    "FAILED",
    "NOT_STARTED",
    "PASSED",
    "Result",
    "check",
    "file_text",
    "find",
    "start",
]
