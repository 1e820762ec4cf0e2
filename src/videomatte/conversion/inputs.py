"""What a conversion's inputs are: videos, image sequences and photos, and where each one's outputs go.

A folder (or glob) is read as what it holds: only videos, a batch of videos; pictures of one size,
an image sequence; pictures of different sizes, or pictures beside videos, a batch in which every
picture is a photo of its own (``--stills`` makes any folder's pictures photos). A photo is matted
into one picture per output: a video path given for the batch (``out/{name}.mov``) becomes a
``.png`` of the photo's name, a folder (``out/``) receives ``{name}.png``.
"""
from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from videomatte.errors import MediaError, VideoMatteError
from videomatte.conversion.outputs import OutputPlan
from videomatte.io.codecs import is_sequence_path
from videomatte.io.files import is_image, list_images, list_videos
from videomatte.io.stills import is_still_output, picture_size

PHOTO_SUFFIX = ".png"


@dataclass
class Inputs:
    """The inputs of a conversion, one entry per thing to convert.

    Attributes:
        sources: video files, image-sequence folders or globs, and photo files, in order.
        notes: one line per folder or glob saying how it was read (``"clips/: 3 videos, 2 photos"``).
    """

    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_still(source: str | os.PathLike) -> bool:
    """Whether a source is one photo (a picture file, matted on its own)."""
    path = Path(source)
    return is_image(path) and path.is_file()


def read_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike], stills: bool = False) -> Inputs:
    """Expand folders and globs into what they hold (see the module's rules); anything else stays as it
    is, and the reader reports what is wrong with it."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    found = Inputs()
    for item in map(os.fspath, items):
        path = Path(item)
        if path.is_dir() or (not path.exists() and glob.has_magic(item)):
            sources, note = read_folder(item, stills)
            found.sources.extend(sources)
            found.notes += [note] if note else []
        else:
            found.sources.append(item)
    return found


def read_folder(item: str, stills: bool = False) -> tuple[list[str], str | None]:
    """The sources of one folder or glob and the line that says how it was read (``None``: nothing to say)."""
    videos = [str(p) for p in list_videos(item)]
    pictures = list_images(item)
    if not pictures:
        return (videos, f"{item}: {_count(len(videos), 'video')}") if videos else ([item], None)
    photos = [str(p) for p in pictures]
    if videos:
        return videos + photos, f"{item}: {_count(len(videos), 'video')}, {_count(len(photos), 'photo')}"
    if stills or len(pictures) == 1:
        return photos, f"{item}: {_count(len(photos), 'photo')}"
    sizes = {size for size in map(picture_size, pictures) if size is not None}
    if len(sizes) > 1:
        return photos, f"{item}: {_count(len(photos), 'photo')} of {len(sizes)} sizes, matted one by one"
    return [item], f"{item}: an image sequence of {len(pictures)} pictures"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def photo_plans(plans: list[OutputPlan]) -> list[OutputPlan]:
    """A photo's outputs: picture paths as given, a folder ``out/`` as ``out/{name}.png``, a video path
    ``out/{name}.mov`` as ``out/{name}.png``; two outputs that would meet get ``_{kind}`` added.

    The kind of a video path's main output stays: ``.mov`` (foreground + alpha) becomes an RGBA PNG,
    ``.mp4`` (a composite) an RGB one.
    """
    mapped: list[OutputPlan] = []
    taken: set[str] = set()
    for plan in plans:
        if is_still_output(plan.path):
            path = plan.path
        elif is_sequence_path(plan.path):
            path = os.path.join(plan.path, "{name}" + PHOTO_SUFFIX)
        else:
            path = str(Path(plan.path).with_suffix(PHOTO_SUFFIX))
            if os.path.normpath(path) in taken:
                path = str(Path(plan.path).with_name(f"{Path(plan.path).stem}_{plan.kind}{PHOTO_SUFFIX}"))
        taken.add(os.path.normpath(path))
        mapped.append(OutputPlan(path, plan.kind))
    return mapped


def _is_video_path(path: str) -> bool:
    return not is_still_output(path) and not is_sequence_path(path)


def is_photo_job(source: str, plans: list[OutputPlan]) -> bool:
    """Whether ``source`` is matted as a photo (every output a picture), not as a one-frame video."""
    return is_still(source) and all(is_still_output(plan.path) for plan in plans)


def source_plans(source: str, plans: list[OutputPlan], count: int, ranged: bool) -> list[OutputPlan]:
    """The outputs of one source before ``{name}`` is filled in (a photo's as :func:`photo_plans` says,
    except a lone photo given a video file by name, which becomes a one-frame video).

    Raises:
        MediaError: a picture output for a video or image sequence, or a time range for a lone photo.
        VideoMatteError: a batch output without ``{name}``.
    """
    batch = count > 1
    if is_still(source) and not batch and ranged:
        raise MediaError(f"{source}: a photo has no time range; --start and --duration are for videos")
    if is_still(source) and not batch and any(_is_video_path(plan.path) for plan in plans):
        mine = plans  # a lone photo into a video file asked for by name: a one-frame video, as given
    elif is_still(source):
        mine = photo_plans(plans)
    else:
        for plan in plans:
            if is_still_output(plan.path):
                raise MediaError(f"{plan.path}: one picture cannot hold {source}, which is a video or image "
                                 f"sequence; give a video path or a folder ('out/')")
        mine = plans
    if batch and any("{name}" not in plan.path for plan in mine):
        example = "'out/{name}.png' or -o out/" if is_still(source) else "'out/{name}.mov'"
        raise VideoMatteError(f"{count} inputs: every output needs {{name}} in its path ({source} has none), "
                              f"e.g. -o {example}")
    return mine


def plan_sources(inputs: str | os.PathLike | Sequence[str | os.PathLike], plans: list[OutputPlan],
                 stills: bool, ranged: bool, progress: bool) -> list[tuple[str, list[OutputPlan]]]:
    """Every input with its outputs (before ``{name}``), all checked before any work; says how folders
    were read (on stderr, like the progress line: ``clips/: 3 videos, 2 photos``) when ``progress``.

    Raises:
        MediaError: no input found, or outputs that cannot hold an input (see :func:`source_plans`).
    """
    found = read_inputs(inputs, stills)
    if not found.sources:
        raise MediaError(f"no input found in {inputs}")
    if progress:
        for note in found.notes:
            print(note, file=sys.stderr)
    return [(source, source_plans(source, plans, len(found.sources), ranged)) for source in found.sources]
