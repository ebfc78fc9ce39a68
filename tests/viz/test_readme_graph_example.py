"""The README's "Seeing the graph" example prints what the README says it prints."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_trace_backward_output_is_what_the_code_prints(device):
    section = README.read_text(encoding="utf-8").split("## Seeing the graph", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec("import tinygrad_edu as tg\n" + code, {})
    output = printed.getvalue()
    assert output.startswith('digraph "autograd" {')
    assert shown.strip() in output, f"README shows:\n{shown}\nthe code prints:\n{output}"
