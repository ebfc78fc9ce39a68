"""The README's thumbnails come from single-panel figures: a multi-panel one is unreadable at 240 pixels."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.cpu_only  # about files, not about a device


def make_thumbnails():
    spec = importlib.util.spec_from_file_location("make_thumbnails", ROOT / "docs" / "make_thumbnails.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_first_single_panel_figure_is_chosen():
    choose = make_thumbnails().thumbnail_source
    assert choose([("two.png", 2), ("one.png", 1), ("later.png", 1)]) == "one.png"
    assert choose([("two.png", 2), ("three.png", 3)]) == "two.png"  # none has one panel: the first


def test_panels_do_not_count_colour_bars():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = make_thumbnails().panels
    figure, ax = plt.subplots()
    figure.colorbar(ax.imshow([[0, 1], [1, 0]]), ax=ax)
    assert panels(figure) == 1
    figure, _ = plt.subplots(1, 2)
    assert panels(figure) == 2
    plt.close("all")


def test_every_tutorial_has_a_thumbnail_in_the_readme():
    from tinygrad_edu.viz import lab

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in lab.find_tutorials(ROOT / "examples").values():
        assert (ROOT / "docs" / "thumbnails" / f"{path.stem}.png").exists()
        assert f"docs/thumbnails/{path.stem}.png" in readme
