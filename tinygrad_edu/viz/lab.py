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


def quick_mode():
    """True when the tutorial should run small: ``--quick`` on its command line or ``TINYGRAD_EDU_QUICK=1``.

    The test suite runs every tutorial this way; the same code makes the same figures, on fewer steps.
    """
    flag = os.environ.get(QUICK_ENV, "").strip().lower()
    return "--quick" in sys.argv[1:] or flag in ("1", "true", "yes")


class FigureSaver:
    """Save a tutorial's figures as PNG files in one folder and remember their paths, in order.

    The folder is ``$TINYGRAD_EDU_FIGURES/<tutorial>`` when that variable is set, else
    ``lab_figures/<tutorial>`` under the current directory.

    Example::

        save = viz.FigureSaver("01_gradient_descent_1d")
        fig, ax = viz.subplots()
        ax.plot([0, 1], [1, 0])
        save(fig, "line")        # writes lab_figures/01_gradient_descent_1d/line.png
    """

    def __init__(self, tutorial, directory=None):
        base = directory or os.environ.get(FIGURES_ENV) or DEFAULT_FIGURES
        self.directory = os.path.join(base, tutorial)
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
    if len(matches) != 1:
        known = ", ".join(p.stem for p in tutorials.values())
        what = "matches several" if matches else "matches no"
        raise ValueError(f"tinygrad_edu lab: {name!r} {what} tutorial; the tutorials are: {known}")
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
