"""Who runs a conversion: ``LocalEngine`` (this process) or any object with the same ``run`` (the
cluster's ``RayEngine``). ``convert()`` reads the inputs and plans each one's outputs, then hands them to
``options.engine``; the command line, the top floor, builds the engine it asks for."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from videomatte.conversion.inputs import is_photo_job
from videomatte.conversion.phases import PhaseClock, sequential_record, write_stats
from videomatte.conversion.pipeline import run_pipeline
from videomatte.conversion.results import ConvertResult, prepare_outputs
from videomatte.conversion.stills import convert_still
from videomatte.errors import MediaError, VideoMatteError
from videomatte.inference.limits import check_frame
from videomatte.io.ranges import open_range
from videomatte.io.stills import load_still, picture_size

if TYPE_CHECKING:
    from videomatte.conversion.convert_options import ConvertOptions, Planned
    from videomatte.conversion.outputs import OutputPlan
    from videomatte.inference.session import MattingSession


def report_failure(source: str, err: VideoMatteError, batch: bool) -> ConvertResult:
    """A batch input's failure as a result (and one line on stderr); a single input's is raised."""
    if not batch:
        raise err
    message = str(err)
    print(f"videomatte: {message if message.startswith(source) else f'{source}: {message}'}", file=sys.stderr)
    return ConvertResult(source, error=message)


def skipped(source: str, plans: list[OutputPlan], options: ConvertOptions) -> ConvertResult:
    """The result of a batch input whose outputs are finished already."""
    if options.progress:
        print(f"{source}: finished already, skipping", file=sys.stderr)
    return ConvertResult(source, [p.path for p in plans], skipped=True)


class LocalEngine:
    """Converts the inputs one after the other in this process, with one session (the network is loaded
    once, on the first input that passes its checks; its state is reset for every input)."""

    def __init__(self) -> None:
        self._session: MattingSession | None = None

    def __repr__(self) -> str:
        return "LocalEngine()"

    def run(self, planned: Planned, batch: bool, options: ConvertOptions) -> list[ConvertResult]:
        """See ``videomatte.conversion.convert_options.Engine``."""
        begin, results, clocks = time.perf_counter(), [], []
        for source, plans in planned:
            clocks.append(PhaseClock())
            try:
                results.append(self._convert(source, plans, batch, options, clocks[-1]))
            except VideoMatteError as err:
                results.append(report_failure(source, err, batch))
            finally:
                clocks[-1].close()
        if options.stats is not None:
            write_stats(options.stats, sequential_record("local", time.perf_counter() - begin, clocks,
                                                         inputs=len(planned)))
        return results

    def _session_for(self, options: ConvertOptions) -> MattingSession:
        from videomatte.inference.factory import create_session

        if self._session is None:
            self._session = create_session(options.model)
        self._session.reset()
        return self._session

    def _convert(self, source: str, plans: list[OutputPlan], batch: bool, options: ConvertOptions,
                 clock: PhaseClock) -> ConvertResult:
        mine = prepare_outputs(source, plans, batch, options.overwrite)
        if mine is None:
            return skipped(source, plans, options)
        start = time.perf_counter()
        if is_photo_job(source, mine):
            return self._convert_photo(source, mine, options, start)
        cuts: list[int] = []
        with open_range(source, options.frame_rate, options.start, options.duration) as reader:
            check_frame(reader.info.height, reader.info.width, options.model.downsample_ratio, options.seq_chunk)
            session = self._session_for(options)
            frames = run_pipeline(reader, session, mine, options, cuts, clock)
        return ConvertResult(source, [p.path for p in mine], frames, time.perf_counter() - start,
                             backend=session.runtime, cuts=cuts)

    def _convert_photo(self, source: str, plans: list[OutputPlan], options: ConvertOptions,
                       start: float) -> ConvertResult:
        size = picture_size(Path(source))
        if size is None:
            load_still(source)  # raises the reader's one line
            raise MediaError(f"{source}: not a readable image")
        check_frame(size[1], size[0], options.model.downsample_ratio)
        session = self._session_for(options)
        frames = convert_still(source, session, plans, options)
        return ConvertResult(source, [p.path for p in plans], frames, time.perf_counter() - start,
                             backend=session.runtime)
