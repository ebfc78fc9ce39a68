"""Every tutorial in ``examples/`` runs in its quick mode and writes real pictures, so none can rot.

Each tutorial also checks its own lessons with ``assert`` (the start at a local maximum never moves,
Huber resists outliers, ...), so a change that breaks a lesson fails here. The tutorials run in this
process (one matplotlib import for all) in the "cpu" half of the suite: they are about the experiments,
not the device, and plot through NumPy.
"""

import re
import struct
import time

import pytest

from tinygrad_edu.viz import lab

pytest.importorskip("matplotlib")

TUTORIALS = lab.find_tutorials()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def once(device):
    """The tutorials are device-independent scripts: run them in the 'cpu' half only."""
    if device != "cpu":
        pytest.skip("device-independent: run in the 'cpu' half only")


def png_size(path):
    """(width, height) from a PNG file's header; fails if the file is not a PNG."""
    with open(path, "rb") as file:
        header = file.read(24)
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    return struct.unpack(">II", header[16:24])


def test_all_tutorials_are_there():
    assert list(TUTORIALS) == [f"{n:02d}" for n in range(1, 20)]


@pytest.mark.parametrize("number", list(TUTORIALS))
def test_tutorial_is_a_notebook_style_script_with_a_title(number):
    path = TUTORIALS[number]
    title, summary = lab.tutorial_title(path)
    assert re.fullmatch(rf"Tutorial {int(number)}: \S.*", title), title
    assert summary.endswith("."), f"{path.name}: the docstring's second paragraph is a one-sentence summary"
    source = path.read_text(encoding="utf-8")
    assert "# %%" in source and "# %% [markdown]" in source, "code cells and prose cells (jupytext percent)"
    assert "viz.quick_mode()" in source and f'viz.FigureSaver("{path.stem}")' in source


@pytest.mark.parametrize("number", list(TUTORIALS))
def test_tutorial_runs_in_quick_mode_and_saves_its_figures(number, once, tmp_path, capsys):
    path = TUTORIALS[number]
    start = time.perf_counter()
    namespace = lab.run_tutorial(path, quick=True, figures=tmp_path)
    seconds = time.perf_counter() - start
    assert namespace["QUICK"] is True
    saver = namespace["save"]
    assert saver.paths, f"{path.name} saved no figure"
    written = sorted(p.name for p in (tmp_path / path.stem / "quick").iterdir())
    assert written == sorted(f"{name.rsplit('/', 1)[-1]}" for name in map(str, saver.paths))
    for figure in saver.paths:
        width, height = png_size(figure)
        assert width >= 300 and height >= 200, f"{figure}: {width}x{height} is too small to read"
    with capsys.disabled():
        print(f"  [{path.stem}: {seconds:.1f} s, {len(saver.paths)} figures]", end="")
