"""The Convert tab's edge controls: despill, levels, shrink/grow and feather, with a one-frame preview.

"Preview edges" mattes the first upload's first frame once (``EdgePreviewer``) and keeps that raw
matte in the page's state; moving a slider, ticking despill or changing the colour re-renders the
preview from it without running the network or the video again.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from videomatte.errors import VideoMatteError
from videomatte.web.choices import colour_spec
from videomatte.web.edge_preview import EdgePreviewer, RawMatte, finishing_of, render_preview
from videomatte.web.jobs import error_line
from videomatte.web.settings import ServeSettings

PREVIEW_GRAY = (0.5, 0.5, 0.5)  # behind the preview when the composite's background is not a colour
NO_PREVIEW = "Press *Preview edges* to see the first frame with these settings."


def preview_colour(kind: str, colour: str | None) -> tuple[float, float, float]:
    """The preview's background: the chosen colour, or gray for an image, video or blur background."""
    if kind != "colour":
        return PREVIEW_GRAY
    spec = colour_spec(colour)
    return tuple(int(spec[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


class EdgeHandlers:
    """The functions behind the edge controls' events (one previewer, its models loaded once)."""

    def __init__(self, settings: ServeSettings) -> None:
        self.previewer = EdgePreviewer(settings)

    def preview(self, files: list[str] | None, model: str, kind: str, colour: str | None, despill: bool,
                low: float, high: float, shrink: float, feather: float) -> tuple:
        """Matte the first upload's first frame and show it finished: (image, raw matte state, line)."""
        if not files:
            return None, None, "videomatte: error: upload a video (or a zip of images) first"
        try:
            raw = self.previewer.raw_matte(Path(files[0]), model)
            shown = render_preview(raw, despill, finishing_of(low, high, shrink, feather),
                                   preview_colour(kind, colour))
        except Exception as err:  # noqa: BLE001 - one line on the page, never a traceback
            return None, None, error_line(err, Path(files[0]))
        return shown, raw, f"First frame of {Path(files[0]).name}: the sliders update it."

    @staticmethod
    def refresh(raw: RawMatte | None, kind: str, colour: str | None, despill: bool, low: float, high: float,
                shrink: float, feather: float) -> tuple:
        """The preview again from the kept raw matte (nothing shown before *Preview edges*)."""
        if raw is None:
            return gr.update(), NO_PREVIEW
        try:
            return render_preview(raw, despill, finishing_of(low, high, shrink, feather),
                                  preview_colour(kind, colour)), ""
        except VideoMatteError as err:
            return gr.update(), error_line(err)


def edge_inputs() -> list[gr.components.Component]:
    """The despill box and the finishing sliders, defaults doing nothing (also the API's defaults)."""
    despill = gr.Checkbox(value=False, label="Despill: clean the old background's colour out of soft edges",
                          elem_id="despill")
    with gr.Row():
        low = gr.Slider(0, 0.5, value=0, step=0.01, label="Levels: black (alpha below becomes 0)", elem_id="levels-low")
        high = gr.Slider(0.5, 1, value=1, step=0.01, label="Levels: white (alpha above becomes 1)",
                         elem_id="levels-high")
    with gr.Row():
        shrink = gr.Slider(-10, 10, value=0, step=0.25, label="Shrink (pixels; negative grows)", elem_id="shrink")
        feather = gr.Slider(0, 20, value=0, step=0.25, label="Feather (pixels)", elem_id="feather")
    return [despill, low, high, shrink, feather]


def build_edge_controls(settings: ServeSettings, files: gr.File, model: gr.Dropdown, kind: gr.Radio,
                        colour: gr.ColorPicker) -> list[gr.components.Component]:
    """The edge controls with their preview and events (inside the tab's layout); returns the inputs
    the conversion takes (despill, levels low and high, shrink, feather)."""
    handlers = EdgeHandlers(settings)
    with gr.Accordion("Edges: despill, levels, shrink, feather", open=False):
        inputs = edge_inputs()
        with gr.Row():
            button = gr.Button("Preview edges", size="sm", elem_id="preview-edges", scale=0)
            line = gr.Markdown(NO_PREVIEW, elem_id="edge-line")
        image = gr.Image(label="First frame, finished", type="numpy", interactive=False, elem_id="edge-preview")
    raw = gr.State(None)
    button.click(handlers.preview, [files, model, kind, colour, *inputs], [image, raw, line],
                 api_visibility="private", concurrency_id="convert", concurrency_limit=settings.concurrency)
    for control in (*inputs, kind, colour):
        control.change(handlers.refresh, [raw, kind, colour, *inputs], [image, line], api_visibility="private",
                       queue=False, show_progress="hidden")
    files.change(lambda: (None, None, NO_PREVIEW), None, [image, raw, line], api_visibility="private",
                 queue=False, show_progress="hidden")
    return inputs
