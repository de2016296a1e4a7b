"""The static HTML report of a run, for sharing: per identity, each appearance with camera, time, thumbnail and
similarity, and a timeline with one lane per camera inside each identity's row (simultaneous appearances in
several cameras stay visible).

One time base everywhere, in the table and the chart: the wall clock when the cameras' start times are known,
else seconds on the shared clock (since the cameras started together). Sources appear by file name only (the full
paths stay in the index). The report references ``thumbnails/``, ``videos/`` and ``timeline.png`` next to it, so
the run folder can be copied or served as a whole.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from crosscam.store.identities import source_name  # noqa: E402
from crosscam.types import Appearance, Camera, Identity, run_origin  # noqa: E402

LANE_HEIGHT = 0.8  # bar height within a lane (a lane is 1 unit tall)


@dataclass(frozen=True)
class TimelineBar:
    """One appearance in the chart: its lane (row from the top) and its span on the shared clock (seconds)."""

    lane: int
    global_id: int
    camera: str
    start: float
    end: float


def camera_colours(cameras: Sequence[str]) -> dict[str, str]:
    palette = plt.get_cmap("tab10").colors
    return {camera: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, camera in enumerate(sorted(cameras))}


def timeline_bars(identities: Sequence[Identity], cameras: Sequence[Camera]) -> list[TimelineBar]:
    """Each identity gets one lane per camera it was seen in (cameras by name), identities one below the other."""
    origin = run_origin(cameras)
    offsets = {camera.name: camera.offset(origin) for camera in cameras}
    bars, lane = [], 0
    for identity in identities:
        lanes = {camera: lane + k for k, camera in enumerate(identity.cameras)}
        for a in identity.appearances:
            offset = offsets.get(a.camera, 0.0)
            start, end = a.tracklet.start + offset, a.tracklet.end + offset
            bars.append(TimelineBar(lanes[a.camera], identity.global_id, a.camera, start, end))
        lane += len(lanes)
    return bars


def draw_timeline(identities: Sequence[Identity], cameras: Sequence[Camera], path: Path) -> None:
    """Identities (rows of camera lanes) against time: the wall clock when known, else shared-clock seconds."""
    bars = timeline_bars(identities, cameras)
    origin = run_origin(cameras)
    colours = camera_colours([c.name for c in cameras])
    lanes = max((bar.lane for bar in bars), default=-1) + 1
    figure, axes = plt.subplots(figsize=(10, max(2.0, 0.3 * lanes + 1.2)), dpi=100)
    for bar in bars:
        width = max(bar.end - bar.start, 0.05)
        if origin is None:
            left, width = bar.start, width
        else:
            left, width = mdates.date2num(origin + timedelta(seconds=bar.start)), width / 86400
        axes.barh(bar.lane, width, left=left, height=LANE_HEIGHT, color=colours[bar.camera])
    ticks = {}
    for bar in bars:  # label each lane: the person on its first lane, then the camera
        first = min(b.lane for b in bars if b.global_id == bar.global_id)
        ticks[bar.lane] = f"person {bar.global_id} · {bar.camera}" if bar.lane == first else bar.camera
    axes.set_yticks(sorted(ticks), [ticks[lane] for lane in sorted(ticks)], fontsize="small")
    for lane in {min(b.lane for b in bars if b.global_id == g) for g in {b.global_id for b in bars}} - {0}:
        axes.axhline(lane - 0.5, color="#ccc", linewidth=0.8)  # between identities
    axes.set_ylim(lanes - 0.5, -0.5)
    if origin is None:
        axes.set_xlabel("time (s since the cameras started)")
    else:
        axes.xaxis_date()
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        axes.set_xlabel(f"wall clock ({origin:%Y-%m-%d})")
    handles = [matplotlib.patches.Patch(color=colour, label=camera) for camera, colour in colours.items()]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _clock(when: datetime, one_day: bool) -> str:
    return when.strftime("%H:%M:%S.%f")[:-4] if one_day else when.isoformat(sep=" ", timespec="milliseconds")


def time_cell(appearance: Appearance, offset: float, one_day: bool) -> str:
    """The appearance's span in the run's time base: wall clock when known, else shared-clock seconds."""
    if appearance.start_time is not None and appearance.end_time is not None:
        return f"{_clock(appearance.start_time, one_day)} – {_clock(appearance.end_time, one_day)}"
    return f"{appearance.tracklet.start + offset:.2f} – {appearance.tracklet.end + offset:.2f} s"


def _url(path: str) -> str:
    """A relative path as an HTML attribute value: URL-encoded, then escaped."""
    return html.escape(quote(path))


def write_report(
    identities: Sequence[Identity], cameras: Sequence[Camera], meta: dict, folder: Path, videos: dict[str, str]
) -> Path:
    """Write ``report.html`` and ``timeline.png`` into ``folder``; ``videos``: camera -> path relative to it."""
    draw_timeline(identities, cameras, folder / "timeline.png")
    colours = camera_colours([c.name for c in cameras])
    origin = run_origin(cameras)
    offsets = {camera.name: camera.offset(origin) for camera in cameras}
    days = {a.start_time.date() for i in identities for a in i.appearances if a.start_time is not None}
    one_day = len(days) <= 1
    if origin is None:
        time_base = "Times are seconds since the cameras started (no start times were given)."
    else:
        time_base = "Times are wall-clock times" + (f" on {min(days):%Y-%m-%d}." if one_day and days else ".")
    sections = []
    for identity in identities:
        rows = "".join(
            "<tr>"
            f"<td><img src='{_url(a.tracklet.thumbnail or '')}' height='96'></td>"
            f"<td><span class='cam' style='background:{colours.get(a.camera, '#777')}'>{html.escape(a.camera)}</span>"
            f"</td><td>{a.tracklet.track_id}</td><td>{time_cell(a, offsets.get(a.camera, 0.0), one_day)}</td>"
            f"<td>{a.tracklet.num_boxes}</td><td>{a.similarity:.3f}</td>"
            "</tr>"
            for a in identity.appearances
        )
        names = ", ".join(html.escape(c) for c in identity.cameras)
        sections.append(
            f"<section id='person-{identity.global_id}'><h2>Person {identity.global_id}</h2>"
            f"<p>{len(identity.appearances)} appearance(s) in {names}</p>"
            "<table><tr><th>thumbnail</th><th>camera</th><th>track</th><th>time</th><th>boxes</th>"
            "<th>similarity to identity</th></tr>"
            f"{rows}</table></section>"
        )
    video_links = " · ".join(
        f"<a href='{_url(path)}'>{html.escape(camera)}</a>" for camera, path in sorted(videos.items())
    )
    camera_rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(source_name(c.source))}</td>"
        f"<td>{html.escape(c.start_time.isoformat(sep=' ')) if c.start_time else '–'}</td><td>{c.frames}</td>"
        f"<td>{c.fps:g}</td></tr>"
        for c in cameras
    )
    facts = "".join(
        f"<li><b>{html.escape(str(key))}</b>: {html.escape(str(value))}</li>" for key, value in sorted(meta.items())
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>crosscam report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1em; }}
td, th {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: middle; }}
.cam {{ color: white; padding: 2px 6px; border-radius: 4px; }}
section {{ border-top: 1px solid #eee; }}
</style></head><body>
<h1>crosscam: {len(identities)} people across {len(cameras)} camera(s)</h1>
<p>{time_base} Similarity is the cosine between an appearance's embedding and its identity's mean embedding.</p>
<img src="timeline.png" alt="timeline: each person's appearances, one lane per camera">
<p>Annotated videos: {video_links or "none"}</p>
{"".join(sections)}
<h2>Cameras</h2>
<table><tr><th>camera</th><th>source</th><th>start time</th><th>frames</th><th>fps</th></tr>{camera_rows}</table>
<h2>Run</h2><ul>{facts}</ul>
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page)
    return path
