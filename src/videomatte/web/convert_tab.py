"""The Convert tab and the ``/convert`` HTTP endpoint: uploads in, previews and downloads out."""
from __future__ import annotations

import zipfile
from pathlib import Path

import gradio as gr

from videomatte.errors import VideoMatteError
from videomatte.io.files import is_image
from videomatte.models.registry import DEFAULT_MODEL, available_models
from videomatte.web.choices import (BACKGROUND_CHOICES, DEFAULT_COLOUR, DEFAULT_EXTRAS, EXTRA_CHOICES,
                                    TRANSPARENT_CHOICES, job_options)
from videomatte.web.eta import FrameEta
from videomatte.web.jobs import JobResult, error_line, run_job
from videomatte.web.settings import ServeSettings
from videomatte.web.uploads import check_size, describe, probe
from videomatte.web.workspace import Workspaces

PREVIEW_HEIGHT = 420
UPLOAD_TYPES = ["video", ".zip", ".mkv", ".mov", ".webm", ".avi", ".mxf"]


def describe_upload(path: Path, settings: ServeSettings) -> str:
    """One line about an upload: its size, rate, frames and duration, or why it cannot be converted."""
    try:
        check_size(path, settings)
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zipped:
                count = sum(is_image(n) for n in zipped.namelist())
            return f"{path.name}: zip of {count} images, read at 30 fps"
        return describe(probe(path, settings), path.name)
    except zipfile.BadZipFile:
        return f"videomatte: error: {path.name}: not a readable zip"
    except Exception as err:  # noqa: BLE001 - every failure becomes the page's one line
        return error_line(err, path)


def summary(name: str, result: JobResult) -> str:
    """The line shown after a conversion, like the command line's."""
    fps = result.frames / result.seconds if result.seconds else 0.0
    return (f"{name}: {result.frames} frames in {result.seconds:.1f} s ({fps:.1f} fps), "
            f"downsample ratio {result.ratio:.2f}")


class ConvertHandlers:
    """The functions behind the tab's events (bound to one app's settings and workspaces)."""

    def __init__(self, settings: ServeSettings, workspaces: Workspaces) -> None:
        self.settings, self.workspaces = settings, workspaces

    def describe(self, files: list[str] | None) -> str:
        """Markdown lines describing the uploads."""
        return "\n".join(f"- {describe_upload(Path(f), self.settings)}" for f in files or [])

    def convert_uploads(self, files: list[str] | None, transparent: str, extras: list[str], kind: str,
                        colour: str, background: str | None, model: str, ratio: float, audio: bool,
                        request: gr.Request, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
        """Convert every upload; returns (status lines, composite preview, checkerboard preview, downloads)."""
        if not files:
            return "videomatte: error: upload a video (or a zip of images) first", None, None, None
        try:
            options = job_options(transparent, extras, kind, colour, background, model, ratio, audio)
        except VideoMatteError as err:
            return error_line(err), None, None, None
        self.workspaces.sweep()
        lines, downloads, first = [], [], None
        for upload in map(Path, files):
            try:
                with FrameEta(progress):
                    result = run_job(upload, options, self.workspaces.job(_session(request)), self.settings)
            except Exception as err:  # noqa: BLE001 - shown as one line, never a traceback
                lines.append(error_line(err, upload))
                continue
            lines.append(summary(upload.name, result))
            downloads += [str(p) for p in result.downloads]
            first = first or result
        previews = (str(first.composite), str(first.checker) if first.checker else None) if first else (None, None)
        return "\n\n".join(lines), *previews, downloads or None

    def convert_api(self, video: str | None, transparent: str = "mov", extras: list[str] | None = None,
                    kind: str = "colour", colour: str = DEFAULT_COLOUR, background: str | None = None,
                    model: str = DEFAULT_MODEL, ratio: float = 0.0, audio: bool = True,
                    request: gr.Request = None,
                    progress: gr.Progress = gr.Progress(track_tqdm=True)) -> list[str]:
        """The HTTP API: one video in, the paths of the output files out; failures raise the one line."""
        if not video:
            raise gr.Error("videomatte: error: no video given", print_exception=False)
        try:
            extras = DEFAULT_EXTRAS if extras is None else extras
            options = job_options(transparent, extras, kind, colour, background, model, ratio, audio)
            self.workspaces.sweep()
            with FrameEta(progress):
                result = run_job(Path(video), options, self.workspaces.job(_session(request)), self.settings)
        except Exception as err:  # noqa: BLE001 - the client gets the command line's one line
            raise gr.Error(error_line(err, Path(video)), print_exception=False) from None
        return [str(p) for p in result.downloads]


def _session(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def option_inputs() -> list[gr.components.Component]:
    """The inputs after the video, with their defaults (also the API's defaults)."""
    transparent = gr.Radio(TRANSPARENT_CHOICES, value="mov", label="Transparent video")
    extras = gr.CheckboxGroup(EXTRA_CHOICES, value=DEFAULT_EXTRAS, label="Also make")
    with gr.Row():
        kind = gr.Radio(BACKGROUND_CHOICES, value="colour", label="Background of the composite")
        colour = gr.ColorPicker(value=DEFAULT_COLOUR, label="Colour")
    background = gr.File(label="Background image or video", file_count="single", visible=False)
    kind.change(lambda k: gr.update(visible=k in ("image", "video")), kind, background, api_visibility="private",
                queue=False, show_progress="hidden")
    with gr.Row():
        models = available_models()
        model = gr.Dropdown(models, value=DEFAULT_MODEL if DEFAULT_MODEL in models else models[0], label="Model")
        ratio = gr.Slider(0, 1, value=0, step=0.05, label="Downsample ratio (0 = automatic, shown below)")
    audio = gr.Checkbox(value=True, label="Keep the audio")
    return [transparent, extras, kind, colour, background, model, ratio, audio]


def build_convert_tab(settings: ServeSettings, workspaces: Workspaces) -> None:
    """The Convert tab's layout and events, and the ``/convert`` endpoint (inside a ``gr.Blocks``)."""
    handlers = ConvertHandlers(settings, workspaces)
    with gr.Row():
        with gr.Column():
            files = gr.File(label="Videos, or a zip of images", file_count="multiple", file_types=UPLOAD_TYPES,
                            elem_id="uploads")
            info = gr.Markdown(elem_id="upload-info")
            options = option_inputs()
            run = gr.Button("Convert", variant="primary", elem_id="convert-button")
        with gr.Column():
            status = gr.Markdown(elem_id="status")
            with gr.Row():
                composite = gr.Video(label="Composite preview", interactive=False, height=PREVIEW_HEIGHT,
                                     elem_id="composite-preview")
                checker = gr.Video(label="Alpha over a checkerboard", interactive=False, height=PREVIEW_HEIGHT,
                                   elem_id="checker-preview")
            downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads")
    files.change(handlers.describe, files, info, api_visibility="undocumented", concurrency_limit=None)
    run.click(handlers.convert_uploads, [files, *options], [status, composite, checker, downloads],
              api_visibility="undocumented", concurrency_id="convert", concurrency_limit=settings.concurrency)
    with gr.Row(visible=False):
        video = gr.File(label="video", file_count="single")
        outputs = gr.File(label="output files", file_count="multiple")
        trigger = gr.Button("convert (API)")
    trigger.click(handlers.convert_api, [video, *options], outputs, api_name="convert",
                  api_description="Matte one video; returns the paths of the output files.",
                  concurrency_id="convert", concurrency_limit=settings.concurrency)
