"""A labelled generator of series for the anomaly benchmark (bench/anomaly_accuracy.py).

Every series is daily and ends at `END`, the moment detection runs: its last two
complete buckets are the detection period (the default). Each is built from a level, maybe
a trend, weekly and monthly seasonality, noise of one of four shapes, holidays and
outliers in its history, and maybe a level shift long before the end. About half get an
anomaly in the detection period, which is the label:

- `spike` / `drop`: one bucket 5 to 12 noise deviations (and at least 15%) off;
- `level_shift`: both detection buckets shifted by as much;
- `late_data`: the last bucket only 20% to 60% loaded;

and some series have a short history (fewer buckets than detection needs). The same seed
gives the same series, so sentinel and Elementary judge the same data.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

END = datetime(2026, 11, 30)
"""Detection runs at this moment (a Monday, midnight): the last complete day is Sunday."""
ANOMALIES = ("spike", "drop", "level_shift", "late_data")
NOISES = ("normal", "student_t", "poisson", "lognormal")


@dataclass
class Series:
    """One labelled series: its points, and whether its detection period holds an anomaly."""

    name: str
    points: list[tuple[datetime, float]]
    anomaly: str | None
    """The anomaly in the detection period (the label), or None."""
    shape: dict[str, object] = field(default_factory=dict)
    """How it was made: level, trend, seasonality, noise, history events."""
    events: set[datetime] = field(default_factory=set)
    """The buckets of its history that a holiday, an outlier or a level shift changed."""

    @property
    def anomalous(self) -> bool:
        """The label."""
        return self.anomaly is not None


def generate(count: int = 240, seed: int = 15) -> list[Series]:
    """`count` series, about half with an anomaly in the detection period."""
    rng = random.Random(seed)
    return [_series(rng, number) for number in range(count)]


def _series(rng: random.Random, number: int) -> Series:
    step = timedelta(days=1)
    length = rng.choice((10, 12)) if rng.random() < 0.08 else 120
    level = math.exp(rng.uniform(math.log(20), math.log(50_000)))
    shape: dict[str, object] = {"level": round(level, 1), "length": length}
    trend = rng.uniform(-0.004, 0.008) if rng.random() < 0.4 else 0.0  # per day
    weekly = _weekly(rng) if rng.random() < 0.5 else [1.0] * 7
    monthly = rng.uniform(1.4, 2.5) if rng.random() < 0.15 else 1.0
    noise = rng.choice(NOISES)
    spread = rng.uniform(0.02, 0.10)
    shape.update(trend=trend, weekly=weekly != [1.0] * 7, monthly=monthly, noise=noise)
    starts = [END - step * (length - i) for i in range(length)]
    expected = []
    for when in starts:
        days = (when - END).total_seconds() / 86400
        value = level * math.exp(trend * days) * weekly[when.weekday()]
        expected.append(value * (monthly if when.day == 1 else 1.0))
    history = _history_events(rng, length - 2, shape)
    values = [_noisy(rng, e, noise, spread) for e in expected]
    for position, factor in history.items():
        values[position] *= factor
    anomaly = rng.choice(ANOMALIES) if rng.random() < 0.5 else None
    if anomaly:
        _inject(rng, anomaly, values, expected, spread)
    shape["history_events"] = len(history)
    events = {starts[position] for position in history}
    points = [(when, round(max(v, 0.0), 4)) for when, v in zip(starts, values, strict=True)]
    return Series(f"s{number:04d}", points, anomaly, shape, events)


def _weekly(rng: random.Random) -> list[float]:
    if rng.random() < 0.6:  # a weekend dip
        weekend = rng.uniform(0.35, 0.8)
        return [1.0] * 5 + [weekend, weekend * rng.uniform(0.8, 1.1)]
    return [rng.uniform(0.7, 1.3) for _ in range(7)]


def _noisy(rng: random.Random, expected: float, noise: str, spread: float) -> float:
    if noise == "normal":
        return expected * (1 + rng.gauss(0, spread))
    if noise == "student_t":  # heavy tails: 3 degrees of freedom, scaled to unit variance
        t = rng.gauss(0, 1) / math.sqrt(sum(rng.gauss(0, 1) ** 2 for _ in range(3)) / 3)
        return expected * (1 + spread * t / math.sqrt(3))
    if noise == "poisson":  # counts: the noise is the count's own
        return float(_poisson(rng, expected))
    return expected * math.exp(rng.gauss(0, spread))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 500:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _history_events(rng: random.Random, before: int, shape: dict[str, object]) -> dict[int, float]:
    """Holidays, outliers and a level shift in the history (not labelled): positions ->
    factors applied to the values. None falls in the last week before detection."""
    events: dict[int, float] = {}
    usable = max(0, before - 7)
    if usable < 10:
        return events
    if rng.random() < 0.25:  # holidays: a low day or two
        for _ in range(rng.randint(1, 2)):
            events[rng.randrange(usable)] = rng.uniform(0.2, 0.6)
    if rng.random() < 0.25:  # outliers
        for _ in range(rng.randint(1, 3)):
            events[rng.randrange(usable)] = rng.choice((rng.uniform(2, 5), rng.uniform(0.1, 0.4)))
    if rng.random() < 0.1:  # a level shift at least five weeks before the end
        at = rng.randrange(usable // 2, max(usable // 2 + 1, usable - 28))
        factor = rng.uniform(1.3, 2.0) if rng.random() < 0.5 else rng.uniform(0.5, 0.75)
        for position in range(at, before + 2):
            events[position] = events.get(position, 1.0) * factor
        shape["level_shift"] = round(factor, 2)
    return events


def _inject(
    rng: random.Random, anomaly: str, values: list[float], expected: list[float], spread: float
) -> None:
    """Put the anomaly into the detection period (the last two values)."""
    size = max(rng.uniform(5, 12) * _noise_deviation(expected[-1], spread), 0.15 * expected[-1])
    relative = min(size / max(expected[-1], 1e-9), 0.95)
    if anomaly == "spike":
        values[rng.choice((-1, -2))] += size
    elif anomaly == "drop":
        values[rng.choice((-1, -2))] *= 1 - relative
    elif anomaly == "level_shift":
        up = rng.random() < 0.5
        for position in (-1, -2):
            values[position] = values[position] + size if up else values[position] * (1 - relative)
    else:  # late_data
        values[-1] *= rng.uniform(0.2, 0.6)


def _noise_deviation(expected: float, spread: float) -> float:
    """About one standard deviation of the noise around `expected`."""
    return max(expected * spread, math.sqrt(max(expected, 1.0)))
