"""What every tutorial in ``examples/`` shares: its quick mode and where its figures go."""

import ast
import contextlib
import os
import re
import runpy
import sys
from pathlib import Path

QUICK_ENV = "TINYGRAD_EDU_QUICK"
FIGURES_ENV = "TINYGRAD_EDU_FIGURES"
DEFAULT_FIGURES = "lab_figures"
NOTEBOOK_EXTRA = 'pip install jupytext  (or, from a checkout: pip install ".[notebook]")'


def quick_mode():
    """True when the tutorial should run small: ``--quick`` on its command line or ``TINYGRAD_EDU_QUICK=1``.

    The test suite runs every tutorial this way; the same code makes the same figures, on fewer steps.
    """
    flag = os.environ.get(QUICK_ENV, "").strip().lower()
    return "--quick" in sys.argv[1:] or flag in ("1", "true", "yes")


def _default_figures():
    """``lab_figures`` here, or in the parent folder when here is a folder of tutorials (``examples/``)."""
    if any(_TUTORIAL_NAME.match(p.name) for p in Path(".").glob("*.py")):
        return os.path.join("..", DEFAULT_FIGURES)
    return DEFAULT_FIGURES


class FigureSaver:
    """Save a tutorial's figures as PNG files in one folder and remember their paths, in order.

    The folder is ``<base>/<tutorial>``, with ``<base>`` the ``directory`` argument, else
    ``$TINYGRAD_EDU_FIGURES``, else ``lab_figures`` in the current folder — or beside it when the
    current folder is the tutorials' own (a notebook opened in ``examples/``), so figures never land
    among the scripts. A quick run (``quick_mode()``) writes into ``<base>/<tutorial>/quick``, so it
    never overwrites the figures of a full run.

    Example::

        save = viz.FigureSaver("01_gradient_descent_1d")
        fig, ax = viz.subplots()
        ax.plot([0, 1], [1, 0])
        save(fig, "line")        # writes lab_figures/01_gradient_descent_1d/line.png
    """

    def __init__(self, tutorial, directory=None):
        base = directory or os.environ.get(FIGURES_ENV) or _default_figures()
        self.directory = (
            os.path.join(base, tutorial, "quick") if quick_mode() else os.path.join(base, tutorial)
        )
        self.paths = []

    def __call__(self, figure, name, dpi=110):
        """Write ``figure`` to ``<folder>/<name>.png``, close it, print and return the path."""
        from .plots import pyplot

        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"{name}.png")
        figure.savefig(path, dpi=dpi, bbox_inches="tight")
        if "ipykernel" in sys.modules:  # opened as a notebook: show it in the cell before closing it
            from IPython.display import display

            display(figure)
        pyplot().close(figure)
        self.paths.append(path)
        print(f"saved {path}")
        return path


# ---- finding and running the tutorials ----------------------------------------------------------

EXAMPLES_ENV = "TINYGRAD_EDU_EXAMPLES"
_TUTORIAL_NAME = re.compile(r"^(\d\d)_(\w+)\.py$")


def examples_directory():
    """The folder that holds the tutorials: ``$TINYGRAD_EDU_EXAMPLES``, ``./examples`` or the checkout's.

    The tutorials are scripts to read and run, so they live in the repository, not inside the
    installed package; from a clone every way of installing finds them.
    """
    for candidate in (os.environ.get(EXAMPLES_ENV), "examples", _checkout_examples()):
        if candidate and any(_TUTORIAL_NAME.match(p.name) for p in Path(candidate).glob("*.py")):
            return Path(candidate)
    raise FileNotFoundError(
        "tinygrad_edu lab: the tutorials were not found; they are the examples/NN_name.py files of the "
        f"repository: run from a clone of it, or set {EXAMPLES_ENV} to its examples folder"
    )


def _checkout_examples():
    """``examples/`` beside the package folder: there in a source checkout or an editable install."""
    return Path(__file__).resolve().parents[2] / "examples"


def find_tutorials(directory=None):
    """``{"01": path, ...}``: every ``NN_name.py`` tutorial, in order."""
    directory = Path(directory) if directory else examples_directory()
    found = sorted((m.group(1), p) for p in directory.glob("*.py") if (m := _TUTORIAL_NAME.match(p.name)))
    return dict(found)


def tutorial_path(name, directory=None):
    """The tutorial called ``name``: its number (``"1"``, ``"01"``) or any part of its file name."""
    tutorials = find_tutorials(directory)
    key = name.zfill(2) if name.isdigit() else None
    matches = [tutorials[key]] if key in tutorials else [p for p in tutorials.values() if name in p.stem]
    if len(matches) > 1:
        found = ", ".join(p.stem for p in matches)
        raise ValueError(
            f"tinygrad_edu lab: {name!r} matches {len(matches)} tutorials: {found}; "
            "give its number or more of its name"
        )
    if not matches:
        known = ", ".join(p.stem for p in tutorials.values())
        raise ValueError(f"tinygrad_edu lab: {name!r} matches no tutorial; the tutorials are: {known}")
    return matches[0]


def tutorial_title(path):
    """``(title, summary)``: the first line of the tutorial's docstring and the sentence after it."""
    docstring = ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8"))) or ""
    paragraphs = [" ".join(part.split()) for part in docstring.split("\n\n")]
    title = paragraphs[0] if paragraphs else Path(path).stem
    return title, paragraphs[1] if len(paragraphs) > 1 else ""


def _set_environment(values):
    """Set each environment variable of ``values`` to its value; None unsets it."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def _environment(**values):
    """Set environment variables (None: unset) for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def run_tutorial(path, quick=False, figures=None):
    """Run a tutorial script as ``__main__`` in this process; return its global variables.

    ``quick`` runs its quick mode; ``figures`` is the folder its figures go under (see FigureSaver).
    The caller's ``sys.argv`` and environment are restored afterwards.
    """
    path = str(path)
    argv = sys.argv
    sys.argv = [path, "--quick"] if quick else [path]
    try:
        with _environment(**{QUICK_ENV: "1" if quick else None, FIGURES_ENV: figures and str(figures)}):
            return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = argv


# ---- a tutorial as a notebook -------------------------------------------------------------------


def _silence_last_expression(source):
    """``source`` with a ``;`` after its last statement when that statement is a bare expression.

    A script throws away the value of a bare call such as ``tg.manual_seed(0)`` or ``save(fig, "x")``;
    a notebook would echo it under the cell. The ``;`` makes the notebook show what the script prints,
    no more. Cells that do not parse on their own (none should) are left alone.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return source
    if not body or not isinstance(body[-1], ast.Expr):
        return source
    lines = source.split("\n")
    row, column = body[-1].end_lineno - 1, body[-1].end_col_offset
    line = lines[row].encode("utf-8")  # ast's column offsets count bytes
    lines[row] = (line[:column] + b";" + line[column:]).decode("utf-8")
    return "\n".join(lines)


def _run_line(paragraph):
    """``Run: a or b`` with each command set as code: ``Run: `a` or `b```."""
    commands = paragraph[len("Run:") :].strip().split(" or ")
    return "Run: " + " or ".join(f"`{command.strip()}`" for command in commands)


def tutorial_notebook(path):
    """The tutorial at ``path`` as a Jupyter notebook (an ``nbformat`` object), made by jupytext.

    The script's cells (``# %%`` and ``# %% [markdown]``) become the notebook's cells, with two
    changes so that the notebook reads like the script: the module docstring becomes a markdown cell
    (its first line the page title) instead of a code cell that echoes a string, and no cell echoes
    the value of its last bare expression (see ``_silence_last_expression``). Needs ``jupytext``
    (``pip install jupytext``).
    """
    try:
        import jupytext
        from nbformat.v4 import new_markdown_cell
    except ImportError:
        raise ImportError(
            f"a tutorial as a notebook needs jupytext: install it with  {NOTEBOOK_EXTRA}"
        ) from None
    text = Path(path).read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="py:percent")
    title, _ = tutorial_title(path)
    docstring = ast.get_docstring(ast.parse(text))
    first = notebook.cells[0] if notebook.cells else None
    starts_with_docstring = (
        first is not None and first.cell_type == "code" and ast.get_docstring(ast.parse(first.source))
    )
    if docstring and starts_with_docstring:
        paragraphs = [" ".join(part.split()) for part in docstring.split("\n\n")]
        rest = [_run_line(p) if p.startswith("Run:") else p for p in paragraphs[1:]]
        notebook.cells[0] = new_markdown_cell("\n\n".join([f"# {title}", *rest]))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = _silence_last_expression(cell.source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not one paired with the script
    return notebook


def write_notebook(path, destination=None):
    """Write the tutorial at ``path`` as ``<destination>/<name>.ipynb`` (default: the current folder).

    Returns the path written. ``destination`` may also be a file name ending in ``.ipynb``.
    """
    import nbformat

    destination = Path(destination) if destination else Path(".")
    target = destination if destination.suffix == ".ipynb" else destination / (Path(path).stem + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(tutorial_notebook(path), str(target))
    return target
