"""The documentation site's sources hold together (fast checks; CI also runs ``mkdocs build --strict``).

Each page of the nav exists, each ``::: name`` of the API reference names something importable, every
public namespace has a page, every tutorial gets a page, and the docstring examples are fenced as
code. Skipped where MkDocs (the ``[docs]`` extra) is not installed.
"""

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytestmark = pytest.mark.cpu_only  # about files, not about a device

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def config():
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))


def nav_files(nav):
    for entry in nav:
        if isinstance(entry, str):
            yield entry
        else:
            for value in entry.values():
                yield from [value] if isinstance(value, str) else nav_files(value)


def test_every_page_of_the_nav_exists(config):
    files = list(nav_files(config.nav))
    assert len(files) > 20
    for file in files:
        assert (DOCS / file).exists(), f"mkdocs.yml names {file}, which docs/ lacks"


def test_the_hook_gives_every_tutorial_a_page(config, monkeypatch):
    hook = load_module("lab_pages_hook", DOCS / "_hooks" / "lab_pages.py")
    from tinygrad_edu.viz import lab

    for name in (lab.QUICK_ENV, lab.FIGURES_ENV):  # the hook sets them for the build: undo that after
        monkeypatch.setenv(name, "")
    hook.on_config(config)
    pages = [f for f in nav_files(config.nav) if f.startswith("lab/") and f.endswith(".ipynb")]
    tutorials = lab.find_tutorials(ROOT / "examples")
    assert pages == [f"lab/{path.stem}.ipynb" for path in tutorials.values()] and len(pages) >= 16


def test_every_reference_directive_names_something_importable():
    targets = [
        line.split(":::", 1)[1].strip()
        for page in (DOCS / "api").glob("*.md")
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith(":::")
    ]
    assert len(targets) > 25
    for target in targets:
        module, _, attribute = target.rpartition(".")
        try:
            importlib.import_module(target)
        except ImportError:
            assert hasattr(importlib.import_module(module), attribute), f"::: {target} names nothing"


def test_every_public_namespace_has_a_reference_page():
    text = "\n".join(page.read_text(encoding="utf-8") for page in (DOCS / "api").glob("*.md"))
    for module in (
        "tinygrad_edu.tensor.Tensor",
        "tinygrad_edu.nn.functional",
        "tinygrad_edu.nn.layers",
        "tinygrad_edu.nn.loss",
        "tinygrad_edu.optim.adam",
        "tinygrad_edu.optim.lr_scheduler",
        "tinygrad_edu.autograd.function",
        "tinygrad_edu.data.loader",
        "tinygrad_edu.train",
        "tinygrad_edu.viz.graph",
        "tinygrad_edu.jit.compiled",
    ):
        assert f"::: {module}" in text, f"the API reference has no page for {module}"


def test_doctest_examples_and_literal_blocks_become_code_fences():
    pytest.importorskip("griffe")
    blocks = load_module("doctest_blocks_hook", DOCS / "_hooks" / "doctest_blocks.py")
    doctest = blocks._fence_doctests(["Text.", "", ">>> x = 1", "... y = 2", "3", "", "More."])
    assert doctest == ["Text.", "", "```pycon", ">>> x = 1", "... y = 2", "3", "```", "", "More."]
    literal = blocks._fence_literal_blocks(["Example::", "", "    a = 1", "    b = 2", "", "After."])
    assert literal[:1] == ["Example:"] and "```python" in literal and "    a = 1" not in literal
    assert literal[literal.index("```python") + 1 : literal.index("```python") + 3] == ["a = 1", "b = 2"]
    assert literal[-1] == "After."


def test_no_fenced_block_is_left_open_in_any_docstring():
    """An odd number of fences would swallow the rest of a reference page."""
    pytest.importorskip("griffe")
    blocks = load_module("doctest_blocks_hook", DOCS / "_hooks" / "doctest_blocks.py")
    import inspect

    import tinygrad_edu as tg

    for obj in (tg.Tensor, tg.nn.Module, tg.optim.NAG, tg.optim.SGD, tg.viz.FigureSaver, tg.optim.Optimizer):
        lines = inspect.cleandoc(obj.__doc__).split("\n")
        fenced = blocks._fence_doctests(blocks._fence_literal_blocks(lines))
        fences = [line for line in fenced if re.match(r"^\s*```", line)]
        assert len(fences) % 2 == 0, obj


def test_a_tutorial_that_raised_fails_the_build():
    """mkdocs-jupyter renders a cell's exception as a traceback and carries on; the hook refuses the page."""
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    hook = load_module("lab_pages_hook", DOCS / "_hooks" / "lab_pages.py")
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lab/10_optimizer_zoo.ipynb"))
    assert hook.on_post_page("<p>all went well</p>", page, None) == "<p>all went well</p>"
    with pytest.raises(PluginError, match="10_optimizer_zoo"):
        hook.on_post_page("AssertionError   Traceback (most recent call last)", page, None)
    other = SimpleNamespace(file=SimpleNamespace(src_uri="guide/autograd.md"))
    assert hook.on_post_page("a page about a Traceback", other, None)
