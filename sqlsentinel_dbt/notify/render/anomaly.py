"""How a notification says why an anomaly alert's instance fires.

`1,204 orders on Tue 2026-12-01, expected 2,950 (2,610 to 3,290, joined by an en dash)
for a Tuesday`, from the context an anomaly result carries (engine/anomaly/series.py:
`bucket`, `expected`, `lower`, `upper`, `season`, and `unit` when the settings name one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

EN_DASH = "\N{EN DASH}"
EXPLANATION = frozenset(
    {
        "bucket",
        "expected",
        "lower",
        "upper",
        "score",
        "season",
        "training_buckets",
        "anomalous_buckets",
        "unit",
    }
)
"""Context fields of an anomaly result that its phrase says (or that only charts need)."""


def is_anomaly(context: dict[str, Any]) -> bool:
    """True for the context of a judged anomaly result."""
    return all(
        isinstance(context.get(name), int | float) for name in ("expected", "lower", "upper")
    ) and isinstance(context.get("bucket"), str)


def phrase(
    value: float | None,
    context: dict[str, Any],
    number: Callable[[float | None], str],
    escape: Callable[[str], str],
) -> str:
    """The instance's value, bucket, expected value and range, and season, escaped."""
    unit = context.get("unit")
    amount = number(value) + (f" {unit}" if isinstance(unit, str) and unit else "")
    text = (
        f"{amount} on {_when(context['bucket'])}, expected {approximate(context['expected'])} "
        f"({approximate(context['lower'])}{EN_DASH}{approximate(context['upper'])})"
    )
    season = context.get("season")
    if isinstance(season, str) and season:
        text += f" for {season}"
    return escape(text)


def approximate(value: float) -> str:
    """An estimate as a person reads one: `2,950`, `41.3`, `0.0213`."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:.3g}"


def _when(bucket: str) -> str:
    """`Tue 2026-12-01`, with the hour when the bucket does not start at midnight."""
    try:
        start = datetime.fromisoformat(bucket)
    except ValueError:
        return bucket
    return f"{start:%a %Y-%m-%d}" + (f" {start:%H:%M}" if start.time() != start.min.time() else "")
