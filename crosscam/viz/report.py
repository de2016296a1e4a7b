"""The HTML report of a run: per identity, each appearance with camera, times, thumbnail and similarity,
and a timeline chart of identities against time coloured by camera.

The report references ``thumbnails/`` and ``timeline.png`` next to it, so the
run folder can be copied or served as a whole.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def camera_colours(cameras: list[str]) -> dict[str, str]:
    palette = plt.get_cmap("tab10").colors
    return {camera: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, camera in enumerate(sorted(cameras))}


def draw_timeline(table: list[dict], offsets: dict[str, float], path: Path) -> None:
    """Identities (rows) against time on the shared clock (s), one bar per appearance, coloured by camera."""
    colours = camera_colours(list(offsets))
    height = max(2.0, 0.35 * len(table) + 1.0)
    figure, axes = plt.subplots(figsize=(10, height), dpi=100)
    for row, identity in enumerate(table):
        for appearance in identity["appearances"]:
            start = appearance["start_s"] + offsets.get(appearance["camera"], 0.0)
            width = max(appearance["end_s"] - appearance["start_s"], 0.05)
            axes.barh(row, width, left=start, height=0.6, color=colours[appearance["camera"]])
    axes.set_yticks(range(len(table)), [f"person {identity['global_id']}" for identity in table])
    axes.invert_yaxis()
    axes.set_xlabel("time (s since the earliest camera start)")
    handles = [matplotlib.patches.Patch(color=colour, label=camera) for camera, colour in colours.items()]
    axes.legend(handles=handles, loc="upper right", fontsize="small")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _time_cell(appearance: dict) -> str:
    text = f"{appearance['start_s']:.2f} – {appearance['end_s']:.2f} s"
    if appearance["start_time"]:
        text += f"<br><small>{html.escape(appearance['start_time'])} – {html.escape(appearance['end_time'])}</small>"
    return text


def write_report(
    table: list[dict], offsets: dict[str, float], meta: dict, folder: Path, videos: dict[str, str]
) -> Path:
    """Write ``report.html`` and ``timeline.png`` into ``folder``; returns the report path."""
    draw_timeline(table, offsets, folder / "timeline.png")
    colours = camera_colours(list(offsets))
    sections = []
    for identity in table:
        rows = "".join(
            "<tr>"
            f"<td><img src='{html.escape(a['thumbnail'] or '')}' height='96'></td>"
            f"<td><span class='cam' style='background:{colours[a['camera']]}'>{html.escape(a['camera'])}</span></td>"
            f"<td>{a['track_id']}</td><td>{_time_cell(a)}</td><td>{a['num_boxes']}</td>"
            f"<td>{a['similarity']:.3f}</td>"
            "</tr>"
            for a in identity["appearances"]
        )
        cameras = ", ".join(html.escape(c) for c in identity["cameras"])
        sections.append(
            f"<section id='person-{identity['global_id']}'><h2>Person {identity['global_id']}</h2>"
            f"<p>{len(identity['appearances'])} appearance(s) in {cameras}</p>"
            "<table><tr><th>thumbnail</th><th>camera</th><th>track</th><th>time</th><th>boxes</th>"
            "<th>similarity to identity</th></tr>"
            f"{rows}</table></section>"
        )
    video_links = " · ".join(
        f"<a href='{html.escape(path)}'>{html.escape(camera)}</a>" for camera, path in sorted(videos.items())
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
<h1>crosscam: {len(table)} people across {len(offsets)} camera(s)</h1>
<p>Similarity is the cosine between an appearance's embedding and its identity's mean embedding.</p>
<img src="timeline.png" alt="timeline of identities against time, coloured by camera">
<p>Annotated videos: {video_links or "none"}</p>
{"".join(sections)}
<h2>Run</h2><ul>{facts}</ul>
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page)
    return path
