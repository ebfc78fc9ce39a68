"""Regenerate the tutorial thumbnails in docs/thumbnails/, the tutorials index in README.md, and
docs/graph.png (the README's draw_graph example; needs the graphviz package and program).

Run from the repository root:  python docs/make_thumbnails.py [--quick] [NUMBER ...]

Each tutorial runs (full mode unless --quick); the first single-panel figure it saves (else its first
figure) becomes its thumbnail.
The README's index, between the two marker lines below, is rewritten from the tutorials' docstrings
(first line: title, second paragraph: summary), so it always lists every tutorial in examples/.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THUMBNAILS = ROOT / "docs" / "thumbnails"
README = ROOT / "README.md"
START, END = "<!-- tutorials index: start (docs/make_thumbnails.py) -->", "<!-- tutorials index: end -->"
WIDTH = 360  # pixels: four readable rows on one screen

sys.path.insert(0, str(ROOT))
from tinygrad_edu.viz import lab  # noqa: E402


def thumbnail_path(tutorial):
    """docs/thumbnails/<tutorial's file stem>.png"""
    return THUMBNAILS / f"{tutorial.stem}.png"


def index_markdown(directory=ROOT / "examples"):
    """The README's tutorials table: thumbnail, number and title (links to the script), summary."""
    rows = ["| | Tutorial |", "|---|---|"]
    for number, tutorial in lab.find_tutorials(directory).items():
        title, summary = lab.tutorial_title(tutorial)
        link = f"examples/{tutorial.name}"
        image = f"docs/thumbnails/{tutorial.stem}.png"
        heading = f"**[{int(number)}. {title.split(': ', 1)[-1]}]({link})**"
        rows.append(f'| [<img src="{image}" width="240">]({link}) | {heading}<br>{summary} |')
    return "\n".join(rows)


def update_readme():
    """Replace the text between the markers in README.md with ``index_markdown()``."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{index_markdown()}\n{END}{tail}", encoding="utf-8")


def panels(figure):
    """How many plots a figure holds (colour bars do not count)."""
    return sum(ax.get_label() != "<colorbar>" for ax in figure.axes)


def thumbnail_source(saved):
    """The figure to shrink, from ``[(path, number of panels), ...]`` in the order saved: the first
    single-panel figure (a multi-panel one is unreadable at 240 pixels), else the first of all."""
    single = [path for path, count in saved if count == 1]
    return single[0] if single else saved[0][0]


def make_thumbnail(tutorial, quick):
    """Run ``tutorial`` and shrink its first single-panel figure to WIDTH pixels into docs/thumbnails/."""
    import matplotlib.image

    saved = []
    original = lab.FigureSaver.__call__

    def save_and_count(self, figure, name, dpi=110):
        path = original(self, figure, name, dpi)
        saved.append((path, panels(figure)))
        return path

    lab.FigureSaver.__call__ = save_and_count
    try:
        with tempfile.TemporaryDirectory() as figures:
            lab.run_tutorial(tutorial, quick=quick, figures=figures)
            source = thumbnail_source(saved)
            width = matplotlib.image.imread(source).shape[1]
            THUMBNAILS.mkdir(parents=True, exist_ok=True)
            matplotlib.image.thumbnail(source, str(thumbnail_path(tutorial)), scale=WIDTH / width)
            print(f"thumbnail from {Path(source).name}")
    finally:
        lab.FigureSaver.__call__ = original


def readme_graph():
    """The ``after`` graph of the README's "Seeing the graph" example, made by running that code itself."""
    import contextlib
    import io
    import re

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Seeing the graph", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec("import tinygrad_edu as tg\n" + code, namespace)
    return namespace["after"]


def make_graph_picture():
    """docs/graph.png and docs/graph.dot: the README example's graph after backward, as the README has it."""
    graph = readme_graph()
    try:
        graph.render(ROOT / "docs" / "graph")  # writes graph.dot, then graph.png through Graphviz
    except RuntimeError as error:  # no graphviz Python package: the `dot` program alone will do
        dot = ROOT / "docs" / "graph.dot"
        dot.write_text(graph.source, encoding="utf-8")
        if shutil.which("dot"):
            subprocess.run(
                ["dot", "-Tpng", "-Gdpi=110", str(dot), "-o", str(dot.with_suffix(".png"))], check=True
            )
        else:  # keep the committed picture
            print(f"docs/graph.png not regenerated: {error}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="only these tutorials (default: all)")
    parser.add_argument("--quick", action="store_true", help="thumbnails from the quick mode (faster)")
    parser.add_argument("--index-only", action="store_true", help="only rewrite the README index")
    args = parser.parse_args(argv)
    tutorials = lab.find_tutorials(ROOT / "examples")
    if not args.index_only:
        for number in args.numbers or tutorials:
            print(f"== {tutorials[number.zfill(2)].name}")
            make_thumbnail(tutorials[number.zfill(2)], args.quick)
        make_graph_picture()
    update_readme()
    print(f"README index updated: {len(tutorials)} tutorials")


if __name__ == "__main__":
    main()
