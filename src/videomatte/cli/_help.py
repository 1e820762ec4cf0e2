"""The help formatter of every command: descriptions and examples keep their layout while they fit the
terminal. Where a line is too wide it is wrapped here rather than by the terminal: a prose paragraph
is re-flowed, a table row is split at its column gaps, an example's trailing ``# comment`` goes to a
line of its own, and a piece still too wide is wrapped at word boundaries (never inside a word)."""
from __future__ import annotations

import argparse
import re
import textwrap

_COMMENT = re.compile(r"\s{2,}(#\s.*)$")
_COLUMN_GAP = re.compile(r"\s{4,}")
_COMMAND = re.compile(r"(videomatte|python|pip|pytest|from|import|[a-z_]+ =|-)")
CONTINUATION = "    "  # the extra indent of a wrapped line


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    if len(first) + len(text) <= width:
        return [first + text]
    return textwrap.wrap(text, width=max(width, len(first) + 20), initial_indent=first,
                         subsequent_indent=rest, break_long_words=False, break_on_hyphens=False)


def wrap_line(line: str, width: int) -> list[str]:
    """One indented line (a table row or an example) in at most ``width`` columns, where its words allow.

    Returns:
        The line itself when it fits; otherwise its columns, each on a line of its own at the line's
        indent, and its comment (``  # ...``) one step further in; a piece still too wide is wrapped.
    """
    if len(line) <= width or not line.strip():
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    body = line.strip()
    comment = _COMMENT.search(body) if not body.startswith("#") else None
    command = body[: comment.start()] if comment else body
    out: list[str] = []
    columns = [command] if _COMMAND.match(command) else _COLUMN_GAP.split(command)
    for column in columns if command else []:
        step = CONTINUATION if column.startswith("#") else ""
        out += _wrap(column, width, lead + step, lead + step + CONTINUATION)
    if comment:
        out += _wrap(comment.group(1), width, lead + CONTINUATION, lead + CONTINUATION * 2)
    return out


def fill_block(text: str, width: int) -> list[str]:
    """A description or epilog in ``width`` columns: unindented paragraphs re-flowed when one of their
    lines is too wide, indented lines through :func:`wrap_line`; a comment-only line that continues the
    comment of the line above is joined to it when either is too wide."""
    lines = _join_comment_continuations(text.splitlines(), width)
    out: list[str] = []
    paragraph: list[str] = []
    for line in [*lines, None]:
        if line is not None and line.strip() and not line[0].isspace():
            paragraph.append(line)
            continue
        if paragraph:
            wide = any(len(p) > width for p in paragraph)
            out += textwrap.wrap(" ".join(paragraph), width, break_on_hyphens=False) if wide else paragraph
            paragraph = []
        if line is not None:
            out += wrap_line(line, width)
    return out


def _join_comment_continuations(lines: list[str], width: int) -> list[str]:
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        if (line.strip().startswith("#") and _COMMENT.search(previous.strip())
                and (len(line) > width or len(previous) > width)):
            joined[-1] = previous.rstrip() + " " + line.strip().lstrip("#").strip()
            continue
        joined.append(line)
    return joined


class ExampleFormatter(argparse.RawDescriptionHelpFormatter):
    """Raw descriptions and epilogs (tables and examples keep their layout) wrapped to the terminal."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in fill_block(text, width))
