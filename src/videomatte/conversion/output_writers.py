"""The writers of a conversion's outputs, opened together (used by the local pipeline and the cluster's join)."""
from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from videomatte.compositing import Background, parse_background
from videomatte.conversion.outputs import OutputPlan
from videomatte.io.writers import open_writer

if TYPE_CHECKING:
    from videomatte.conversion.convert_options import ConvertOptions
    from videomatte.io.readers import VideoInfo
    from videomatte.io.writers import Writer


def open_outputs(stack: ExitStack, plans: list[OutputPlan], info: VideoInfo,
                 options: ConvertOptions) -> list[tuple[Writer, OutputPlan, Background | None]]:
    """A writer for every plan, entered on ``stack`` (each writes under a temporary name, renamed when the
    stack closes without an error), with the background of the composites (closed with the stack)."""
    opened = []
    for plan in plans:
        background = None
        if plan.kind == "composite":
            background = parse_background(options.background)
            stack.callback(background.close)
        writer = stack.enter_context(open_writer(
            plan.path, info, alpha=plan.kind == "rgba", codec=plan.codec, crf=options.crf,
            overwrite=options.overwrite, audio=options.audio))
        opened.append((writer, plan, background))
    return opened
