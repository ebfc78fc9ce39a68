"""The bad-input suite: every case of ``cases.CASES`` raises the expected exception, from
tinygrad_edu's own code, with a message that names the operation and the offending value. Where
PyTorch is installed, it must refuse the same input too, or the case says why we are stricter."""

import os
import re
import warnings

import pytest

import tinygrad_edu as tg

from .cases import CASES, SAME

PACKAGE_DIR = os.path.dirname(os.path.abspath(tg.__file__))


def mentioned(mention, message):
    """A mention is a substring; ``a|b`` accepts either alternative."""
    return any(alternative in message for alternative in mention.split("|"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_a_clear_error(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the checkpoint cases name relative paths
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some bad inputs warn before they raise
        with pytest.raises(case.exc) as info:
            case.call(tg)
    message = str(info.value)
    assert re.search(case.op, message, re.IGNORECASE), f"the operation {case.op!r} is not named in: {message}"
    for mention in case.mentions:
        assert mentioned(mention, message), f"{mention!r} is not in: {message}"
    raised_at = os.path.abspath(str(info.traceback[-1].path))
    inside = [os.path.abspath(str(entry.path)).startswith(PACKAGE_DIR) for entry in info.traceback]
    assert any(inside), f"raised from {raised_at}, never through tinygrad_edu: {message}"
    assert "numpy" not in raised_at.split(os.sep), f"a bare NumPy error from {raised_at}: {message}"


TORCH_CASES = [c for c in CASES if not isinstance(c.torch, str) or c.torch == SAME]
STRICTER = [c for c in CASES if isinstance(c.torch, str) and c.torch != SAME]


@pytest.mark.cpu_only
@pytest.mark.parametrize("case", TORCH_CASES, ids=[c.id for c in TORCH_CASES])
def test_pytorch_rejects_it_too(case, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    call = case.call if case.torch == SAME else case.torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):  # noqa: B017  (any refusal: the types differ between libraries)
            call(torch)


@pytest.mark.parametrize("case", STRICTER, ids=[c.id for c in STRICTER])
def test_every_stricter_case_says_why(case):
    assert len(case.torch) > 20, f"{case.id}: say why tinygrad_edu is stricter than PyTorch here"


def test_the_table_is_large_enough():
    assert len(CASES) >= 150, len(CASES)


# ---- the command line: a bad argument exits non-zero and names it on stderr ------------------------------

CLI_CASES = [
    (["bogus"], "bogus"),
    (["lab", "no-such-tutorial"], "no-such-tutorial"),
    (["demo", "--epochs", "-3"], "--epochs must be at least 1, got -3"),
    (["demo", "--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["demo", "--epochs", "x"], "'x'"),
    (["demo", "--lr", "fast"], "'fast'"),
    (["selfcheck", "--seed", "1.5"], "'1.5'"),
    (["info", "--verbose"], "--verbose"),
]


@pytest.mark.cpu_only
@pytest.mark.parametrize("argv, mention", CLI_CASES, ids=[" ".join(argv) for argv, _ in CLI_CASES])
def test_cli_bad_arguments(argv, mention, capsys):
    from tinygrad_edu import cli

    try:
        code = cli.main(argv)
    except SystemExit as exit:  # argparse's own errors
        code = exit.code
    assert code not in (0, None)
    assert mention in capsys.readouterr().err
