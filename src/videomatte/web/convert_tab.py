"""The Convert tab and the ``/convert`` HTTP endpoint: uploads in, previews and downloads out."""
from __future__ import annotations

import zipfile
from pathlib import Path

import gradio as gr

from videomatte.errors import VideoMatteError
from videomatte.subject.prompt import SubjectPrompt
from videomatte.io.files import is_image
from videomatte.models.registry import DEFAULT_MODEL, available_models
from videomatte.web.choices import (BACKGROUND_CHOICES, DEFAULT_COLOUR, DEFAULT_EXTRAS, EXTRA_CHOICES,
                                    TRANSPARENT_CHOICES, job_options)
from videomatte.web.edge_controls import build_edge_controls
from videomatte.web.edge_preview import finishing_of
from videomatte.web.eta import FrameEta
from videomatte.web.jobs import JobResult, error_line, run_job
from videomatte.web.settings import ServeSettings
from videomatte.web.subject_points import NO_POINT, SubjectPicks, first_picks
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

    def first_frame(self, files: list[str] | None) -> tuple:
        """The first upload's first frame for choosing the subject: (image update, picks, points line)."""
        try:
            picks = first_picks(Path(files[0]), self.settings) if files else None
        except Exception:  # noqa: BLE001 - the upload's own line (describe) says what is wrong
            picks = None
        if picks is None:
            return gr.update(value=None, visible=False), SubjectPicks(), NO_POINT
        return gr.update(value=picks.marked(), visible=True), picks, picks.describe()

    @staticmethod
    def add_point(picks: SubjectPicks, event: gr.SelectData) -> tuple:
        """A click on the first frame (``event.index``: the shown pixel) adds a point."""
        picks = picks.click(*event.index[:2])
        return picks.marked(), picks, picks.describe()

    @staticmethod
    def clear_points(picks: SubjectPicks) -> tuple:
        picks = picks.cleared()
        return picks.marked(), picks, picks.describe()

    def convert_uploads(self, files: list[str] | None, picks: SubjectPicks | None, transparent: str,
                        extras: list[str], kind: str, colour: str, background: str | None, model: str,
                        ratio: float, audio: bool, despill: bool, low: float, high: float, shrink: float,
                        feather: float, start: str, duration: str, request: gr.Request,
                        progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
        """Convert every upload, keeping only the people clicked on the first frame when there are
        points; returns (status lines, composite preview, checkerboard preview, downloads)."""
        if not files:
            return "videomatte: error: upload a video (or a zip of images) first", None, None, None
        try:
            options = job_options(transparent, extras, kind, colour, background, model, ratio, audio, despill,
                                  finishing_of(low, high, shrink, feather), self.settings.model, start, duration)
            options = options.replace(subject=picks.prompt() if picks is not None else None)
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
                    model: str = DEFAULT_MODEL, ratio: float = 0.0, audio: bool = True, subject: str = "",
                    despill: bool = False, low: float = 0.0, high: float = 1.0, shrink: float = 0.0,
                    feather: float = 0.0, start: str = "", duration: str = "", request: gr.Request = None,
                    progress: gr.Progress = gr.Progress(track_tqdm=True)) -> list[str]:
        """The HTTP API: one video in, the paths of the output files out; failures raise the one line.
        ``subject``: ``X,Y`` points (``;``-separated) as ``--subject`` takes them; empty keeps everyone;
        ``despill``, ``low``/``high`` (levels), ``shrink``, ``feather`` as ``--despill``, ``--levels``...;
        ``start``, ``duration``: a range as ``--start``/``--duration`` take it (``"12.5"``,
        ``"00:01:05"``); empty: the whole video."""
        if not video:
            raise gr.Error("videomatte: error: no video given", print_exception=False)
        try:
            extras = DEFAULT_EXTRAS if extras is None else extras
            options = job_options(transparent, extras, kind, colour, background, model, ratio, audio, despill,
                                  finishing_of(low, high, shrink, feather), self.settings.model, start, duration)
            if subject and subject.strip():
                options = options.replace(subject=SubjectPrompt.from_cli(subject))
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


def range_inputs() -> list[gr.components.Component]:
    """Start and duration of the part to convert (empty: all of it), as ``--start``/``--duration``."""
    with gr.Row():
        start = gr.Textbox(value="", label="Start (seconds or HH:MM:SS, empty: the beginning)", elem_id="start",
                           placeholder="e.g. 12.5 or 00:01:05")
        duration = gr.Textbox(value="", label="Duration (empty: to the end)", elem_id="duration",
                              placeholder="e.g. 10")
    return [start, duration]


def subject_inputs(handlers: ConvertHandlers) -> tuple[gr.State, list[gr.components.Component]]:
    """The first frame to click the subject on, its points line and "Clear points", with their events;
    returns the picks' state and the outputs a new upload refreshes (frame, picks, line)."""
    picks = gr.State(SubjectPicks())
    image = gr.Image(label="Subject: click the person to keep on the first frame (optional)", type="numpy",
                     interactive=False, visible=False, elem_id="subject-frame", buttons=[])
    with gr.Row():
        line = gr.Markdown(NO_POINT, elem_id="subject-points")
        clear = gr.Button("Clear points", size="sm", elem_id="clear-points", scale=0)
    shown = [image, picks, line]
    image.select(handlers.add_point, picks, shown, api_visibility="private", queue=False, show_progress="hidden")
    clear.click(handlers.clear_points, picks, shown, api_visibility="private", queue=False, show_progress="hidden")
    return picks, shown


def build_convert_tab(settings: ServeSettings, workspaces: Workspaces) -> None:
    """The Convert tab's layout and events, and the ``/convert`` endpoint (inside a ``gr.Blocks``)."""
    handlers = ConvertHandlers(settings, workspaces)
    with gr.Row():
        with gr.Column():
            files = gr.File(label="Videos, or a zip of images", file_count="multiple", file_types=UPLOAD_TYPES,
                            elem_id="uploads")
            info = gr.Markdown(elem_id="upload-info")
            picks, frame = subject_inputs(handlers)
            options = option_inputs()
            edges = build_edge_controls(settings, files, options[5], options[2], options[3])
            span = range_inputs()
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
    files.change(handlers.first_frame, files, frame, api_visibility="private", concurrency_limit=None)
    run.click(handlers.convert_uploads, [files, picks, *options, *edges, *span], [status, composite, checker, downloads],
              api_visibility="undocumented", concurrency_id="convert", concurrency_limit=settings.concurrency)
    with gr.Row(visible=False):
        video = gr.File(label="video", file_count="single")
        outputs = gr.File(label="output files", file_count="multiple")
        subject = gr.Textbox(label="subject points", value="")
        trigger = gr.Button("convert (API)")
    trigger.click(handlers.convert_api, [video, *options, subject, *edges, *span], outputs, api_name="convert",
                  api_description="Matte one video; returns the paths of the output files.",
                  concurrency_id="convert", concurrency_limit=settings.concurrency)
