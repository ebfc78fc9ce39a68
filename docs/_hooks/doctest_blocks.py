"""A griffe extension for the API reference: the docstrings' examples as code blocks.

The docstrings are written for ``help()``: examples as doctest lines (``>>> x = ...``) and literal
blocks after a line ending in ``::``, as in reStructuredText. Markdown knows neither and would run
them into the paragraph, so before mkdocstrings renders a docstring this extension fences them as
Python code. The source stays as it is: readable in a terminal and on the site.
"""

import griffe

_FENCE = "```"


def _indent(line):
    """How many spaces ``line`` starts with."""
    return len(line) - len(line.lstrip())


def _fence_doctests(lines):
    """Put every run of ``>>>`` / ``...`` lines (and the output lines after them) in a python fence."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].lstrip().startswith(">>>"):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            block = []
            while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
                block.append(lines[i][len(indent) :])
                i += 1
            out += [indent + "```pycon", *(indent + line for line in block), indent + _FENCE]
        else:
            out.append(lines[i])
            i += 1
    return out


def _fence_literal_blocks(lines):
    """Turn ``text::`` followed by an indented block into ``text:`` and a fenced python block."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::") and not line.strip().startswith(">>>"):
            base = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > base:
                block_indent = len(lines[j]) - len(lines[j].lstrip())
                block = []
                while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= block_indent):
                    block.append(lines[j][block_indent:])
                    j += 1
                while block and not block[-1].strip():
                    block.pop()
                pad = " " * base
                text = line.rstrip()[:-1]
                fenced = [pad + "```python", *(pad + b for b in block), pad + _FENCE]
                out += [text if text.strip() else "", "", *fenced, ""]
                i = j
                continue
        out.append(line)
        i += 1
    return out


class DoctestBlocks(griffe.Extension):
    """Fence doctest examples and ``::`` literal blocks in every docstring (see the module docstring)."""

    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None:
            lines = obj.docstring.value.split("\n")
            obj.docstring.value = "\n".join(_fence_doctests(_fence_literal_blocks(lines)))
