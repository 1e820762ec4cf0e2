"""Evaluation results as a JSON document, a CSV table and a printed table."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from videomatte.errors import MediaError
from videomatte.evaluation.protocol import METRICS, ClipScores, Protocol, overall


@dataclass
class Report:
    """Per-clip and overall scores of one evaluation run, plus what was run (``info``)."""

    protocol: Protocol
    clips: list[ClipScores]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def metric_names(self) -> list[str]:
        return [m for m in METRICS if any(m in c.values for c in self.clips)]

    def overall(self) -> dict[str, float]:
        return overall(self.clips)

    def to_dict(self) -> dict[str, Any]:
        """``{"info", "protocol", "overall": {metric: value}, "clips": {clip: {"frames", metric: value}}}``."""
        clips = {c.name: {"frames": c.frames, **{m: c.mean(m) for m in c.values}} for c in self.clips}
        return {
            "info": self.info,
            "protocol": asdict(self.protocol),
            "overall": {"frames": sum(c.frames for c in self.clips), **self.overall()},
            "clips": clips,
        }

    def rows(self) -> list[list[str]]:
        """Table rows: a header, one row per clip, then ``overall``; values with 4 decimals."""
        names = self.metric_names
        rows = [["clip", "frames", *names]]
        for clip in self.clips:
            cells = [_cell(clip.mean(m)) if m in clip.values else "" for m in names]
            rows.append([clip.name, str(clip.frames), *cells])
        total = self.overall()
        rows.append(["overall", str(sum(c.frames for c in self.clips)), *(_cell(total[m]) for m in names)])
        return rows

    def to_csv(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(self.rows())
        return buffer.getvalue()

    def to_table(self) -> str:
        """A fixed-width text table, clips then the overall row."""
        rows = self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(len(lines) - 1, "-" * len(lines[0]))
        return "\n".join(lines)

    def write(self, json_path: Path | None = None, csv_path: Path | None = None) -> None:
        """Write the JSON and/or CSV files (parent folders are created)."""
        for path, text in ((json_path, lambda: json.dumps(self.to_dict(), indent=2) + "\n"), (csv_path, self.to_csv)):
            if path is None:
                continue
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_text(text())
            except OSError as err:
                raise MediaError(f"cannot write {path}: {err}") from err


def _cell(value: float) -> str:
    return f"{value:.4f}"
