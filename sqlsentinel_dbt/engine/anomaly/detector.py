"""Judge the latest buckets of one series against the range learnt from its training buckets.

The model is robust: a level and a trend fitted with medians (Tukey's resistant line), a
median offset per season, and the scale of the residuals from their median absolute
deviation. A few outliers in the training data, which a mean and a standard deviation
would follow, barely move it; the judged buckets are left out of it by default.
docs/decisions/0013-robust-anomaly-detection.md says why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlsentinel_dbt.config.anomaly import (
    CANDIDATES,
    AnomalySettings,
    Direction,
    Seasonality,
    TimeBucket,
)
from sqlsentinel_dbt.engine.anomaly.buckets import bucket_index, season_label, season_of, to_bucket

MAD_TO_SIGMA = 1.4826
"""Scales a median absolute deviation to a standard deviation, for normal noise."""
MEAN_AD_TO_SIGMA = 1.2533
TAIL_QUANTILE, TAIL_TO_SIGMA = 0.9, 1.645
"""Heavy tails widen the range: the 90th percentile of the absolute errors, over the
standard deviation's 1.645 for normal noise, when that is larger than the MAD's scale."""
MIN_PER_SEASON = 3
MAX_LOG = 700.0
"""The largest logarithm turned back into a value: exp(710) overflows a float."""
AUTO_GAIN = 0.8
"""`auto` takes a season whose held-out errors are at most this share of those without."""


@dataclass(frozen=True)
class Point:
    """One bucket of a series: its start (naive UTC) and value."""

    bucket: datetime
    value: float


@dataclass(frozen=True)
class Verdict:
    """One judged bucket: its value against the expected value and range."""

    bucket: datetime
    value: float
    expected: float
    lower: float
    upper: float
    score: float
    """(value - expected) / scale: robust standard deviations away, signed."""
    anomalous: bool
    season: str | None = None


@dataclass(frozen=True)
class Judgement:
    """A series judged: a verdict per bucket of the detection period, or why there is none."""

    verdicts: list[Verdict]
    training_buckets: int
    reason: str | None = None

    @property
    def anomalies(self) -> list[Verdict]:
        """The verdicts that fire."""
        return [v for v in self.verdicts if v.anomalous]


@dataclass(frozen=True)
class _Model:
    level: float
    slope: float
    offsets: dict[int, float]
    counts: dict[int, int]
    scale: float
    logged: bool
    """Fitted to the values' logarithms: seasons and noise as factors, not amounts."""
    floor: float
    """The lowest value a logarithm is taken of (a zero after positive values)."""
    seasonality: Seasonality
    error: float
    """The mean absolute held-out error: how well the model predicts its training data.
    Unlike the scale it counts rare large errors, such as a batch that lands at 02:00."""

    def centre(self, index: int, season: int) -> float:
        """The expected value, in the model's own terms (a logarithm when logged)."""
        return self.level + self.slope * index + self.offsets.get(season, 0.0)

    def inside(self, value: float) -> float:
        """A value in the model's own terms."""
        return math.log(max(value, self.floor)) if self.logged else value

    def outside(self, value: float) -> float:
        """A value of the model's back in the series' terms."""
        return math.exp(min(value, MAX_LOG)) if self.logged else value


def judge(points: Sequence[Point], settings: AnomalySettings, now: datetime) -> Judgement:
    """Judge the complete buckets of the detection period that ends at `now`'s bucket.

    `points` hold one value per bucket start (as buckets.to_bucket gives it), any order.
    """
    step = timedelta(seconds=settings.bucket_seconds)
    end = to_bucket(now, settings.time_bucket)  # the bucket under way is not complete
    detection_start = end - timedelta(seconds=settings.detection_seconds)
    training_end = detection_start if settings.exclude_detection_period else end
    training_start = training_end - timedelta(seconds=settings.training_seconds)
    judged = sorted((p for p in points if detection_start <= p.bucket < end), key=_start)
    training = [p for p in points if training_start <= p.bucket < training_end]
    if not judged:
        last = end - step
        return Judgement([], len(training), f"no value for the buckets up to {last:%Y-%m-%d %H:%M}")
    if len(training) < settings.min_training_buckets:
        return Judgement(
            [],
            len(training),
            f"{len(training)} training buckets, fewer than min_training_buckets "
            f"({settings.min_training_buckets})",
        )
    if settings.seasonality is Seasonality.AUTO:
        model = _auto(training, judged, settings.time_bucket)
    else:
        counts = Counter(season_of(p.bucket, settings.seasonality) for p in training)
        for point in judged:
            season = season_of(point.bucket, settings.seasonality)
            if counts[season] < MIN_PER_SEASON:
                label = season_label(season, settings.seasonality)
                return Judgement(
                    [],
                    len(training),
                    f"{counts[season]} training buckets for {label}, fewer than {MIN_PER_SEASON}",
                )
        model = _fit(training, settings.time_bucket, settings.seasonality)
    verdicts = [_verdict(p, model, settings) for p in judged]
    return Judgement(verdicts, len(training))


def _auto(training: list[Point], judged: list[Point], bucket: TimeBucket) -> _Model:
    """The model of the candidate season whose held-out errors are smallest.

    A season is taken only if its errors are clearly smaller than without one, and each of
    its seasons (the judged buckets' included) has enough training points.
    """
    best = _fit(training, bucket, Seasonality.NONE)
    for seasonality in CANDIDATES[bucket]:
        counts = Counter(season_of(p.bucket, seasonality) for p in training)
        judged_seasons = {season_of(p.bucket, seasonality) for p in judged}
        if min(counts.values()) < MIN_PER_SEASON or any(
            counts[s] < MIN_PER_SEASON for s in judged_seasons
        ):
            continue
        model = _fit(training, bucket, seasonality)
        if model.error < AUTO_GAIN * best.error:
            best = model
    return best


def _start(point: Point) -> datetime:
    return point.bucket


def _verdict(point: Point, model: _Model, settings: AnomalySettings) -> Verdict:
    season = season_of(point.bucket, model.seasonality)
    centre = model.centre(bucket_index(point.bucket, settings.time_bucket), season)
    width = settings.sensitivity * model.scale
    expected = model.outside(centre)
    small = settings.ignore_small_changes
    upper = max(model.outside(centre + width), expected + abs(expected) * small.spike / 100)
    lower = min(model.outside(centre - width), expected - abs(expected) * small.drop / 100)
    score = (model.inside(point.value) - centre) / model.scale
    spike = point.value > upper and settings.direction is not Direction.DROP
    drop = point.value < lower and settings.direction is not Direction.SPIKE
    return Verdict(
        bucket=point.bucket,
        value=point.value,
        expected=expected,
        lower=lower,
        upper=upper,
        score=score,
        anomalous=spike or drop,
        season=season_label(season, model.seasonality),
    )


def _fit(training: Sequence[Point], bucket: TimeBucket, seasonality: Seasonality) -> _Model:
    index = [bucket_index(p.bucket, bucket) for p in training]
    seasons = [season_of(p.bucket, seasonality) for p in training]
    values = [p.value for p in training]
    logged = min(values) > 0
    floor = min(values) / 1000 if logged else 0.0
    if logged:
        values = [math.log(v) for v in values]
    counts: dict[int, int] = {}
    for season in seasons:
        counts[season] = counts.get(season, 0) + 1
    offsets = {season: 0.0 for season in counts}
    level, slope = median(values), 0.0
    for _ in range(2):  # seasons and trend, each fitted on what the other leaves
        deseasoned = [v - offsets[s] for v, s in zip(values, seasons, strict=True)]
        slope = _resistant_slope(index, deseasoned)
        level = median(d - slope * i for d, i in zip(deseasoned, index, strict=True))
        offsets = _season_offsets(values, seasons, index, level, slope)
    residuals = _held_out_residuals(values, seasons, index, level, slope)
    scale = _scale(residuals, level)
    error = sum(abs(r) for r in residuals) / len(residuals) if residuals else 0.0
    return _Model(level, slope, offsets, counts, scale, logged, floor, seasonality, error)


def _resistant_slope(index: list[int], values: list[float]) -> float:
    """Tukey's resistant line: the slope between the medians of the first and last thirds."""
    ordered = sorted(zip(index, values, strict=True))
    third = len(ordered) // 3
    if third < 2:
        return 0.0
    left, right = ordered[:third], ordered[-third:]
    run = median(i for i, _ in right) - median(i for i, _ in left)
    if run <= 0:
        return 0.0
    return (median(v for _, v in right) - median(v for _, v in left)) / run


def _season_offsets(
    values: list[float], seasons: list[int], index: list[int], level: float, slope: float
) -> dict[int, float]:
    by_season: dict[int, list[float]] = {}
    for v, s, i in zip(values, seasons, index, strict=True):
        by_season.setdefault(s, []).append(v - level - slope * i)
    return {season: median(rest) for season, rest in by_season.items()}


def _held_out_residuals(
    values: list[float], seasons: list[int], index: list[int], level: float, slope: float
) -> list[float]:
    """Each training point's distance from what the rest of its season predicts for it.

    Measured against the season's median without the point, these are the errors a
    prediction makes: with 4 points a season, residuals from a median fitted on the point
    itself understate them by about a third, and the range would be too narrow.
    """
    by_season: dict[int, list[float]] = {}
    for v, s, i in zip(values, seasons, index, strict=True):
        by_season.setdefault(s, []).append(v - level - slope * i)
    residuals = []
    for rest in by_season.values():
        ordered = sorted(rest)
        if len(ordered) < 2:
            continue
        for position, value in enumerate(ordered):
            residuals.append(value - _median_without(ordered, position))
    return residuals


def _median_without(ordered: list[float], position: int) -> float:
    """The median of sorted `ordered` without its element at `position`."""
    size = len(ordered) - 1

    def at(k: int) -> float:  # the k-th of the list without `position`
        return ordered[k + 1] if k >= position else ordered[k]

    middle = size // 2
    return at(middle) if size % 2 else (at(middle - 1) + at(middle)) / 2


def _scale(residuals: list[float], level: float) -> float:
    """The residuals' robust standard deviation.

    When most residuals are equal, their mean absolute deviation; when all are, a millionth
    of the level (any change then fires).
    """
    centre = median(residuals)
    deviations = [abs(r - centre) for r in residuals]
    mad = MAD_TO_SIGMA * median(deviations)
    ordered = sorted(deviations)
    tail = ordered[min(len(ordered) - 1, int(TAIL_QUANTILE * len(ordered)))] / TAIL_TO_SIGMA
    if max(mad, tail) > 0:
        return max(mad, tail)
    mean_ad = MEAN_AD_TO_SIGMA * sum(deviations) / len(deviations)
    return mean_ad if mean_ad > 0 else max(abs(level), 1.0) * 1e-6
