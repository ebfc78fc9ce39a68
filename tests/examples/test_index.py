"""The README's tutorials index lists every tutorial, with a committed thumbnail for each."""

import importlib.util
from pathlib import Path

import pytest

from tinygrad_edu.viz import lab

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("make_thumbnails", ROOT / "docs" / "make_thumbnails.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return load_script()


def test_readme_index_is_what_the_script_generates(script):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{script.START}\n{script.index_markdown()}\n{script.END}" in readme, (
        "README's tutorials index is out of date: run  python docs/make_thumbnails.py --index-only"
    )


@pytest.mark.parametrize(
    "tutorial", list(lab.find_tutorials(ROOT / "examples").values()), ids=lambda p: p.stem
)
def test_every_tutorial_has_a_committed_thumbnail(script, tutorial):
    thumbnail = script.thumbnail_path(tutorial)
    assert thumbnail.exists(), f"no thumbnail for {tutorial.name}: run  python docs/make_thumbnails.py"
    header = thumbnail.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == script.WIDTH
