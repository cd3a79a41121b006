"""`actual_value` against `threshold` (or an expected range) over time, as a small SVG.

An anomaly alert's values are drawn against the expected value and range each run judged
them by.

Drawn on the server so the dashboard and the static report share it and neither needs a
charting library or a CDN. Every text in it is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT, PAD = 480, 160, 28
_RANGE = ("expected", "lower", "upper")


def history_chart(points: Sequence[dict[str, Any]], title: str) -> str:
    """An SVG line chart: actual value (solid) and threshold (dashed), firing runs in red.

    Points with an expected range (anomaly alerts) draw it as a band behind the values,
    with the expected value dotted, instead of the threshold.
    """
    valued = [p for p in points if p["started_at"] and p["actual_value"] is not None]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#ddd"/>'
    )
    if not valued:
        return head + f'<text x="{PAD}" y="{HEIGHT // 2}" fill="#888">no values yet</text></svg>'
    times = [datetime.fromisoformat(p["started_at"]).timestamp() for p in valued]
    values: list[float] = [float(p["actual_value"]) for p in valued]
    ranged = [p.get("lower") is not None and p.get("upper") is not None for p in valued]
    # An anomaly alert's threshold is one bound of its range: the band shows both.
    thresholds: list[float | None] = [
        None if judged else p["threshold"] for p, judged in zip(valued, ranged, strict=True)
    ]
    bounds = [
        float(p[b]) for p, judged in zip(valued, ranged, strict=True) if judged for b in _RANGE
    ]
    low = min(values + [t for t in thresholds if t is not None] + bounds)
    high = max(values + [t for t in thresholds if t is not None] + bounds)
    span_t = (max(times) - min(times)) or 1.0
    span_v = (high - low) or 1.0

    def x(t: float) -> float:
        return PAD + (t - min(times)) / span_t * (WIDTH - 2 * PAD)

    def y(v: float) -> float:
        return HEIGHT - PAD - (v - low) / span_v * (HEIGHT - 2 * PAD)

    actual = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
    parts = [head]
    by_key: dict[Any, list[tuple[float, dict[str, Any]]]] = {}
    for t, point, judged in zip(times, valued, ranged, strict=True):
        if judged:
            by_key.setdefault(point["key"], []).append((t, point))
    for band in by_key.values():  # behind the series, one band per instance
        upper = [f"{x(t):.1f},{y(p['upper']):.1f}" for t, p in band]
        lower = [f"{x(t):.1f},{y(p['lower']):.1f}" for t, p in reversed(band)]
        expected = " ".join(f"{x(t):.1f},{y(p['expected']):.1f}" for t, p in band)
        parts.append(
            f'<polygon class="expected-range" fill="#2563eb" fill-opacity="0.12" '
            f'stroke="none" points="{" ".join(upper + lower)}"/>'
        )
        parts.append(
            f'<polyline class="expected" fill="none" stroke="#64748b" stroke-dasharray="2 3" '
            f'points="{expected}"/>'
        )
    parts.append(f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{actual}"/>')
    limit = [(t, v) for t, v in zip(times, thresholds, strict=True) if v is not None]
    if limit:
        line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in limit)
        parts.append(
            f'<polyline fill="none" stroke="#dc2626" stroke-dasharray="4 3" points="{line}"/>'
        )
    for t, v, point in zip(times, values, valued, strict=True):
        colour = "#dc2626" if point["status"] == "ALERT" else "#2563eb"
        parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
    parts.append(f'<text x="4" y="{PAD - 10}" font-size="10" fill="#555">{high:g}</text>')
    parts.append(f'<text x="4" y="{HEIGHT - 8}" font-size="10" fill="#555">{low:g}</text>')
    return "".join(parts) + "</svg>"
