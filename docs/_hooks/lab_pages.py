"""MkDocs hook: the lab's pages, made from the tutorial scripts in ``examples/`` at every build.

Each ``examples/NN_name.py`` becomes ``docs/lab/NN_name.ipynb`` (``tinygrad_edu.viz.lab.tutorial_notebook``:
the script's own cells, nothing copied by hand), which mkdocs-jupyter executes and renders — prose,
code, printed output and figures. The notebooks are build products (git ignores ``docs/lab/*.ipynb``),
so a page can never drift from its script. They run in quick mode (``TINYGRAD_EDU_QUICK=1``) to keep
the build short; each page says so and says how to run the full experiment.

The hook also adds the pages to the navigation, fills the table of ``lab/index.md``, and fails the
build when a tutorial raised while it ran (mkdocs-jupyter would otherwise render the traceback).
"""

import os
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SOURCE_URL = "https://github.com/tinygrad-edu/tinygrad_edu/blob/main/examples/"
INDEX_MARKER = "<!-- tutorials table -->"


def _tutorials():
    from tinygrad_edu.viz import lab

    return lab.find_tutorials(EXAMPLES)


def _header(number, path):
    """The note at the top of a tutorial's page: where the script is, how to run it, quick mode.

    Written in HTML with Material's admonition classes: notebook cells are rendered by nbconvert,
    which knows no ``!!!`` admonitions.
    """
    script = f'<a href="{SOURCE_URL}{path.name}"><code>examples/{path.name}</code></a>'
    return (
        '<div class="admonition info"><p class="admonition-title">Run it yourself</p><p>'
        f"This page is {script}, executed when the site was built, in <strong>quick mode</strong> "
        "(<code>TINYGRAD_EDU_QUICK=1</code>: the same figures from fewer steps). "
        f"The full experiment: <code>tinygrad-edu lab {number}</code>. "
        f"As a notebook: <code>tinygrad-edu lab {number} --notebook</code> writes "
        f"<code>{path.stem}.ipynb</code>, ready for Jupyter (or open the script itself in Jupyter "
        "through jupytext).</p></div>"
    )


def _short_title(number, path):
    """``"10. The optimizer zoo"``: the tutorial's title without its ``Tutorial 10:`` prefix."""
    from tinygrad_edu.viz import lab

    return f"{int(number)}. {lab.tutorial_title(path)[0].split(': ', 1)[-1]}"


def on_config(config):
    """Run the tutorials in quick mode, figures into a scratch folder; append their pages to the nav."""
    os.environ["TINYGRAD_EDU_QUICK"] = "1"
    os.environ.setdefault("TINYGRAD_EDU_FIGURES", tempfile.mkdtemp(prefix="tinygrad_edu_docs_figures_"))

    pages = [{_short_title(n, p): f"lab/{p.stem}.ipynb"} for n, p in _tutorials().items()]
    for section in config.nav or []:
        if isinstance(section, dict) and "The lab" in section:
            section["The lab"] = [entry for entry in section["The lab"] if entry == "lab/index.md"] + pages
    return config


def on_pre_build(config):
    """Write ``docs/lab/NN_name.ipynb`` for each tutorial (only on a change: ``mkdocs serve`` watches)."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    from tinygrad_edu.viz import lab

    folder = Path(config.docs_dir) / "lab"
    folder.mkdir(exist_ok=True)
    for number, path in _tutorials().items():
        notebook = lab.tutorial_notebook(path)
        notebook.cells.insert(1, new_markdown_cell(_header(number, path)))
        text = nbformat.writes(notebook)
        target = folder / f"{path.stem}.ipynb"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def on_page_markdown(markdown, page, config, files):
    """Fill the lab index's table: number, title and summary of each tutorial, linked to its page."""
    if INDEX_MARKER not in markdown:
        return markdown
    from tinygrad_edu.viz import lab

    rows = ["| | Tutorial | What it shows |", "|---|---|---|"]
    for number, path in _tutorials().items():
        title, summary = lab.tutorial_title(path)
        rows.append(f"| {int(number)} | [{title.split(': ', 1)[-1]}]({path.stem}.ipynb) | {summary} |")
    return markdown.replace(INDEX_MARKER, "\n".join(rows))


def on_post_page(output, page, config):
    """Fail the build when a tutorial raised while it ran: its page would show a traceback."""
    source = page.file.src_uri
    if source.startswith("lab/") and source.endswith(".ipynb") and "Traceback" in output:
        raise PluginError(f"{source}: the tutorial raised while the site was built (see the page)")
    return output
